// The one wrapper of the DynamoDB Streams handlers, beside apiRoute (HTTP) and s3ObjectHandler
// (S3 notifications through SNS). Records go through Powertools' partial batch response: a record
// that throws is reported alone and the mapping retries from it, the others are done. Each record's
// log lines carry its eventID (and the keys `keys` adds); the invocation's metrics are flushed at
// the end.
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { flushMetrics, logger } from '#shared/core/observability';

export type RecordHandler = (record: DynamoDBRecord) => Promise<void>;

export interface StreamHandlerOptions {
  /** Log keys for one record besides its eventID (e.g. the content id it is about). */
  keys?: (record: DynamoDBRecord) => Record<string, string | undefined>;
}

/** A stream handler that runs `recordHandler` on every record of the batch. */
export function streamHandler(recordHandler: RecordHandler, options: StreamHandlerOptions = {}) {
  return batchStreamHandler(() => recordHandler, options);
}

/**
 * A stream handler whose record handler is made once per batch, for work shared by the records of
 * one batch (the trimmer trims each partition once however many of its records arrive).
 */
export function batchStreamHandler(forBatch: () => RecordHandler, options: StreamHandlerOptions = {}) {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    logger.addContext(context);
    const handle = forBatch();
    try {
      return await processPartialResponse(
        event,
        async (record: DynamoDBRecord) => {
          const keys = { eventID: record.eventID, ...options.keys?.(record) };
          logger.appendKeys(keys);
          try {
            await handle(record);
          } finally {
            logger.removeKeys(Object.keys(keys));
          }
        },
        processor,
        { context },
      );
    } finally {
      flushMetrics();
    }
  };
}
