// The one wrapper of the functions subscribed to S3 notifications through SNS (the media functions
// and the importer), beside apiRoute and streamHandler. Each created object of the event is handed
// to `fn` in turn, its key on every log line; an error propagates, so Lambda retries the event
// (delivery is at least once anyway: `fn` must be idempotent). The invocation's metrics are flushed
// at the end, also when it fails.
import type { Context, SNSEvent } from 'aws-lambda';
import type { UploadedObject } from '#shared/media/model';
import { uploadedObjects } from '#shared/media/sns-upload-event';
import { flushMetrics, logger } from '#shared/core/observability';

export function s3ObjectHandler(fn: (object: UploadedObject, context: Context) => Promise<void>) {
  return async (event: SNSEvent, context: Context): Promise<void> => {
    logger.addContext(context);
    try {
      for (const object of uploadedObjects(event)) {
        logger.appendKeys({ key: object.key });
        try {
          await fn(object, context);
        } finally {
          logger.removeKeys(['key']);
        }
      }
    } finally {
      flushMetrics();
    }
  };
}
