import { createHash } from 'node:crypto';
import { ContentRepository } from '#shared/content/dynamo-store';
import { dynamo, s3 } from '#shared/aws/clients';
import { MediaHashes } from '#shared/media/dynamo-hashes';
import { MediaStorage } from '#shared/media/s3-storage';
import { requireEnv, requireIntEnv } from '#shared/lambda/config';
import { derivedKey, type Derivative } from '#shared/content/model';
import { s3ObjectHandler } from '#shared/lambda/s3-objects';
import { count, logger } from '#shared/core/observability';
import { makeDerivatives, type DerivativeSpec } from '#shared/media/derivatives';
import { processUpload } from '#shared/media/upload-processing';

const content = new ContentRepository(dynamo, requireEnv('CONTENT_TABLE'));
const storage = new MediaStorage(s3, requireEnv('MEDIA_BUCKET'));
const hashes = new MediaHashes(dynamo, requireEnv('MEDIA_HASHES_TABLE'));
const maxBytes = requireIntEnv('UPLOAD_MAX_BYTES');
const specs: DerivativeSpec[] = [
  { name: 'display', size: requireIntEnv('DISPLAY_SIZE'), fit: 'inside' },
  { name: 'thumbnail', size: requireIntEnv('THUMBNAIL_SIZE'), fit: 'cover' },
];

// Subscribed to the uploads topic: decodes the original once and writes every derivative and the
// placeholder. Delivery is at least once: every write is keyed by the content id and conditional
// on the item being PENDING, so a redelivery changes nothing.
export const handler = s3ObjectHandler((uploaded) =>
  processUpload(uploaded, { content, maxBytes }, async (object, { contentId, ownerId }) => {
    const original = await storage.read(object.key);
    // Anything undecodable throws RejectedMediaError: processUploads rejects the item.
    const set = await makeDerivatives(original, specs);
    const sha256 = createHash('sha256').update(original).digest('hex');
    const holder = await holderOf(ownerId, sha256, contentId);
    if (holder) {
      // The same bytes again: point at the item that has them, keep one copy of the original.
      const marked = await content.markDuplicate(contentId, holder);
      if (marked.applied) {
        await storage.deleteKeys([object.key]);
        count('UploadDuplicate');
      }
      logger.info('Duplicate upload', { contentId, duplicateOf: holder, applied: marked.applied });
      return;
    }
    const derivatives: Record<string, Derivative> = {};
    await Promise.all(
      set.derivatives.map(async (d) => {
        const key = derivedKey(contentId, `${d.name}.webp`);
        await storage.write(key, d.data, d.contentType);
        derivatives[d.name] = {
          key,
          contentType: d.contentType,
          width: d.width,
          height: d.height,
          bytes: d.data.length,
        };
      }),
    );
    const recorded = await content.recordDerivatives(contentId, derivatives, set.source, set.placeholder, sha256);
    if (!recorded.applied) {
      // Rejected (by the metadata function) or deleted meanwhile: such an item keeps no
      // derivative. READY means a duplicate delivery already did this work and the derivatives
      // (same input, same bytes) are the live ones: keep them.
      if (recorded.status !== 'READY') await storage.deleteKeys(Object.values(derivatives).map((d) => d.key));
      logger.info('Item no longer pending', { contentId, status: recorded.status ?? 'gone' });
      return;
    }
    const ready = (await content.markReadyIfComplete(contentId)).applied;
    if (ready) count('UploadReady');
    logger.info('Derivatives stored', {
      contentId,
      sizes: set.derivatives.map((d) => `${d.name} ${d.width}x${d.height}`),
      ready,
      ...(set.colour ? { colour: set.colour } : {}),
    });
  }),
);

/**
 * The owner's other item that already holds these bytes, if any. A claim left by an item that is
 * deleted, rejected or gone is taken over (the cleanup releases claims, but may not have yet).
 */
async function holderOf(ownerId: string, sha256: string, contentId: string): Promise<string | undefined> {
  const other = await hashes.claim(ownerId, sha256, contentId);
  if (!other) return undefined;
  const item = await content.get(other);
  if (item && !item.deletedAt && (item.status === 'READY' || item.status === 'PENDING')) return other;
  return hashes.claim(ownerId, sha256, contentId, other);
}
