import type { ContentItem } from '#shared/content/model';
import { parseOriginalKey } from '#shared/content/model';
import type { UploadItems } from '#shared/media/ports';
import type { RejectionCode, UploadedObject } from '#shared/media/model';

export type UploadDecision =
  | { action: 'process'; item: ContentItem }
  | { action: 'reject'; item: ContentItem; code: RejectionCode; reason: string }
  | { action: 'skip'; why: string };

/**
 * What a processing function does with an uploaded object, given the item the key points at.
 * Pure. S3 and SNS deliver at least once, so a duplicate (item no longer PENDING) is skipped;
 * the presigned POST's size limit is checked again because not every S3 server enforces it.
 */
export function decideUpload(object: UploadedObject, item: ContentItem | undefined, maxBytes: number): UploadDecision {
  const parsed = parseOriginalKey(object.key);
  if (!parsed) return { action: 'skip', why: 'not an original upload key' };
  if (!item) return { action: 'skip', why: 'no content item for this key' };
  if (item.ownerId !== parsed.ownerId || item.originalKey !== object.key)
    return { action: 'skip', why: 'key does not match the item' };
  if (item.status !== 'PENDING') return { action: 'skip', why: `item is already ${item.status}` };
  if (object.size === 0) return { action: 'reject', item, code: 'empty', reason: 'The uploaded file is empty.' };
  if (object.size > item.declaredBytes) {
    return {
      action: 'reject',
      item,
      code: 'larger-than-declared',
      reason: `The uploaded file (${object.size} bytes) is larger than declared (${item.declaredBytes} bytes).`,
    };
  }
  if (object.size > maxBytes) {
    return {
      action: 'reject',
      item,
      code: 'too-large',
      reason: `The uploaded file (${object.size} bytes) is larger than the limit of ${maxBytes} bytes.`,
    };
  }
  return { action: 'process', item };
}

/** Loads the item an uploaded object belongs to and decides what to do with the object. */
export async function loadUploadDecision(
  object: UploadedObject,
  content: Pick<UploadItems, 'get'>,
  maxBytes: number,
): Promise<UploadDecision> {
  const parsed = parseOriginalKey(object.key);
  const item = parsed ? await content.get(parsed.contentId) : undefined;
  return decideUpload(object, item, maxBytes);
}
