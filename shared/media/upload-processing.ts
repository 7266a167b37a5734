import type { ContentItem } from '#shared/content/model';
import { RejectedMediaError, type UploadedObject } from '#shared/media/model';
import type { UploadItems } from '#shared/media/ports';
import { loadUploadDecision } from '#shared/media/upload-check';
import { countBy, logger } from '#shared/core/observability';

/**
 * The part both media functions share, for one uploaded object (s3ObjectHandler hands them over
 * one by one): find its PENDING item, skip duplicates and foreign keys, reject what fails the size
 * checks, and hand the rest to `process`. A RejectedMediaError thrown by `process` rejects the item
 * (first rejection wins) instead of failing the invocation, so bad input never turns into a retry
 * loop; any other error propagates and Lambda retries the event.
 */
export async function processUpload(
  object: UploadedObject,
  deps: { content: UploadItems; maxBytes: number },
  process: (object: UploadedObject, item: ContentItem) => Promise<void>,
): Promise<void> {
  const decision = await loadUploadDecision(object, deps.content, deps.maxBytes);
  if (decision.action === 'skip') {
    logger.info('Upload skipped', { why: decision.why });
    return;
  }
  const { contentId } = decision.item;
  try {
    if (decision.action === 'reject') throw new RejectedMediaError(decision.code, decision.reason);
    await process(object, decision.item);
  } catch (error) {
    if (!(error instanceof RejectedMediaError)) throw error;
    const rejected = await deps.content.reject(contentId, error.reason);
    if (rejected.applied) countBy('UploadRejected', 'reason', error.code);
    logger.info('Upload rejected', { contentId, code: error.code, reason: error.reason, applied: rejected.applied });
  }
}
