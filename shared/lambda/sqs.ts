// The SQS handlers' wrapper, beside streamHandler: messages go through Powertools' partial batch
// response, so a message that throws goes back to the queue alone (and, after the queue's
// maxReceiveCount, to its dead-letter queue) while the rest of the batch is done.
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { flushMetrics, logger } from '#shared/core/observability';

export function sqsHandler(messageHandler: (record: SQSRecord) => Promise<void>) {
  const processor = new BatchProcessor(EventType.SQS);
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    try {
      return await processPartialResponse(
        event,
        async (record: SQSRecord) => {
          logger.appendKeys({ messageId: record.messageId });
          try {
            await messageHandler(record);
          } finally {
            logger.removeKeys(['messageId']);
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
