import type { Context, SNSEvent } from 'aws-lambda';
import { ContentRepository } from '#shared/adapters/content-repository';
import { s3 } from '#shared/adapters/clients';
import { MediaStorage } from '#shared/adapters/media-storage';
import { requireEnv, requireIntEnv } from '#shared/config';
import { derivedKey, type Derivative } from '#shared/domain/content';
import { logger } from '#shared/logger';
import { makeDerivatives, type DerivativeSpec } from '#shared/media/derivatives';
import { processUploads } from '#shared/media/upload-processing';

const content = new ContentRepository(requireEnv('CONTENT_TABLE'));
const storage = new MediaStorage(s3, requireEnv('MEDIA_BUCKET'));
const maxBytes = requireIntEnv('UPLOAD_MAX_BYTES');
const specs: DerivativeSpec[] = [
  { name: 'display', size: requireIntEnv('DISPLAY_SIZE'), fit: 'inside' },
  { name: 'thumbnail', size: requireIntEnv('THUMBNAIL_SIZE'), fit: 'cover' },
];

// Subscribed to the uploads topic: decodes the original once and writes every derivative and the
// placeholder. Delivery is at least once: every write is keyed by the content id and conditional
// on the item being PENDING, so a redelivery changes nothing.
export const handler = async (event: SNSEvent, context: Context): Promise<void> => {
  logger.addContext(context);
  await processUploads(event, { content, maxBytes }, async (object, { contentId }) => {
    // Anything undecodable throws RejectedMediaError: processUploads rejects the item.
    const set = await makeDerivatives(await storage.read(object.key), specs);
    const derivatives: Record<string, Derivative> = {};
    await Promise.all(
      set.derivatives.map(async (d) => {
        const key = derivedKey(contentId, `${d.name}.webp`);
        await storage.write(key, d.data, d.contentType);
        derivatives[d.name] = { key, contentType: d.contentType, width: d.width, height: d.height, bytes: d.data.length };
      }),
    );
    const recorded = await content.recordDerivatives(contentId, derivatives, set.source, set.placeholder);
    if (!recorded.applied) {
      // Rejected (by the metadata function) or deleted meanwhile: such an item keeps no
      // derivative. READY means a duplicate delivery already did this work and the derivatives
      // (same input, same bytes) are the live ones: keep them.
      if (recorded.status !== 'READY') await storage.deleteKeys(Object.values(derivatives).map((d) => d.key));
      logger.info('Item no longer pending', { contentId, status: recorded.status ?? 'gone' });
      return;
    }
    const ready = (await content.markReadyIfComplete(contentId)).applied;
    logger.info('Derivatives stored', { contentId, sizes: set.derivatives.map((d) => `${d.name} ${d.width}x${d.height}`), ready });
  });
};
