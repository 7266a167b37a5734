import type { DynamoDBRecord } from 'aws-lambda';
import { dynamo, s3 } from '#shared/aws/clients';
import { ContentRepository } from '#shared/content/dynamo-store';
import { contentFromImage } from '#shared/content/dynamo-layout';
import { MediaHashes } from '#shared/media/dynamo-hashes';
import { MediaStorage } from '#shared/media/s3-storage';
import { requireEnv } from '#shared/lambda/config';
import { streamHandler } from '#shared/lambda/stream';
import { logger } from '#shared/core/observability';

const storage = new MediaStorage(s3, requireEnv('MEDIA_BUCKET'));
const content = new ContentRepository(dynamo, requireEnv('CONTENT_TABLE'));
const hashes = new MediaHashes(dynamo, requireEnv('MEDIA_HASHES_TABLE'));

// Content stream, the delete cascade:
// - an item soft-deleted by its owner (MODIFY that sets deletedAt): its original and derivatives
//   are deleted, then the item itself;
// - an item removed (that purge, or TTL expiry of an upload that never finished): its files are
//   deleted if anything is left.
// Deleting a missing object or a purged item succeeds, so a redelivered record is harmless.
// A failing record is reported alone (partial batch response) and retried from there.
async function recordHandler(record: DynamoDBRecord): Promise<void> {
  const before = contentFromImage(record.dynamodb?.OldImage);
  const after = contentFromImage(record.dynamodb?.NewImage);
  const softDeleted = record.eventName === 'MODIFY' && after?.deletedAt && !before?.deletedAt;
  const removed = record.eventName === 'REMOVE' && before;
  if (!softDeleted && !removed) return;
  const item = (softDeleted ? after : before)!;
  const keys = [item.originalKey, ...Object.values(item.derivatives ?? {}).map((d) => d.key)].filter(Boolean);
  await storage.deleteKeys(keys);
  // The bytes are gone: the next upload of them is a new original, not a duplicate.
  if (item.sha256) await hashes.release(item.ownerId, item.sha256, item.contentId);
  if (softDeleted) await content.purge(item.contentId);
  logger.info('Files of a deleted item removed', {
    count: keys.length,
    purged: Boolean(softDeleted),
    expired: record.userIdentity?.type === 'Service',
  });
}

export const handler = streamHandler(recordHandler, {
  keys: (record) => ({ contentId: record.dynamodb?.Keys?.contentId?.S }),
});
