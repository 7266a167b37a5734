import type { Context, SNSEvent } from 'aws-lambda';
import { ContentRepository } from '#shared/adapters/content-repository';
import { s3 } from '#shared/adapters/clients';
import { MediaStorage } from '#shared/adapters/media-storage';
import { requireEnv, requireIntEnv } from '#shared/config';
import { derivedKey } from '#shared/domain/content';
import { logger } from '#shared/logger';
import { makeThumbnail } from '#shared/media/thumbnail';
import { processUploads } from '#shared/media/upload-processing';

const content = new ContentRepository(requireEnv('CONTENT_TABLE'));
const storage = new MediaStorage(s3, requireEnv('MEDIA_BUCKET'));
const thumbnailWidth = requireIntEnv('THUMBNAIL_WIDTH');
const maxBytes = requireIntEnv('UPLOAD_MAX_BYTES');

// Subscribed to the uploads topic. Delivery is at least once: every write below is keyed by the
// content id and conditional on the item being PENDING, so a redelivery changes nothing.
export const handler = async (event: SNSEvent, context: Context): Promise<void> => {
  logger.addContext(context);
  await processUploads(event, { content, maxBytes }, async (object, { contentId }) => {
    // Anything undecodable throws RejectedMediaError: processUploads rejects the item.
    const thumbnail = await makeThumbnail(await storage.read(object.key), thumbnailWidth);
    const key = derivedKey(contentId, 'thumbnail.webp');
    await storage.write(key, thumbnail.data, thumbnail.contentType);
    const recorded = await content.recordDerivatives(
      contentId,
      { thumbnail: { key, contentType: thumbnail.contentType, width: thumbnail.width, height: thumbnail.height, bytes: thumbnail.data.length } },
      thumbnail.source,
    );
    if (!recorded.applied) {
      // Rejected (by the metadata function) or deleted meanwhile: such an item keeps no
      // derivative. READY means a duplicate delivery already did this work and the derivative
      // (same input, same bytes) is the live one: keep it.
      if (recorded.status !== 'READY') await storage.deleteKeys([key]);
      logger.info('Item no longer pending', { contentId, status: recorded.status ?? 'gone' });
      return;
    }
    const ready = (await content.markReadyIfComplete(contentId)).applied;
    logger.info('Thumbnail stored', { contentId, width: thumbnail.width, height: thumbnail.height, ready });
  });
};
