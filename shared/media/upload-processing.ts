import type { SNSEvent } from 'aws-lambda';
import type { ContentRepository } from '#shared/adapters/content-repository';
import type { ContentItem } from '#shared/domain/content';
import { RejectedMediaError } from '#shared/errors';
import { logger } from '#shared/logger';
import { loadUploadDecision } from '#shared/media/upload-check';
import { uploadedObjects, type UploadedObject } from '#shared/media/upload-event';

/**
 * The part both media functions share: for each uploaded object in an S3-via-SNS event, find its
 * PENDING item, skip duplicates and foreign keys, reject what fails the size checks, and hand the
 * rest to `process`. A RejectedMediaError thrown by `process` rejects the item (first rejection
 * wins) instead of failing the invocation, so bad input never turns into a retry loop; any other
 * error propagates and Lambda retries the event.
 */
export async function processUploads(
  event: SNSEvent,
  deps: { content: ContentRepository; maxBytes: number },
  process: (object: UploadedObject, item: ContentItem) => Promise<void>,
): Promise<void> {
  for (const object of uploadedObjects(event)) {
    logger.appendKeys({ key: object.key });
    try {
      const decision = await loadUploadDecision(object, deps.content, deps.maxBytes);
      if (decision.action === 'skip') {
        logger.info('Upload skipped', { why: decision.why });
        continue;
      }
      const { contentId } = decision.item;
      try {
        if (decision.action === 'reject') throw new RejectedMediaError(decision.reason);
        await process(object, decision.item);
      } catch (error) {
        if (!(error instanceof RejectedMediaError)) throw error;
        const rejected = await deps.content.reject(contentId, error.reason);
        logger.info('Upload rejected', { contentId, reason: error.reason, applied: rejected.applied });
      }
    } finally {
      logger.removeKeys(['key']);
    }
  }
}
