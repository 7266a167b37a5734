import type { Context, SNSEvent } from 'aws-lambda';
import sharp from 'sharp';
import { ContentRepository } from '#shared/adapters/content-repository';
import { s3 } from '#shared/adapters/clients';
import { MediaStorage } from '#shared/adapters/media-storage';
import { requireEnv, requireIntEnv } from '#shared/config';
import type { MediaMetadata } from '#shared/domain/content';
import { logger } from '#shared/logger';
import { exifSubset, readExif } from '#shared/media/exif';
import { sniffImageKind } from '#shared/media/sniff';
import { loadUploadDecision } from '#shared/media/upload-check';
import { uploadedObjects } from '#shared/media/upload-event';

const content = new ContentRepository(requireEnv('CONTENT_TABLE'));
const storage = new MediaStorage(s3, requireEnv('MEDIA_BUCKET'));
const maxBytes = requireIntEnv('UPLOAD_MAX_BYTES');

/**
 * JPEG and PNG keep EXIF near the start (a JPEG's APP1 segment is at most 64 KiB); HEIF's header
 * fits too. An extended WebP stores its EXIF chunk after the image data, so a WebP larger than
 * this is read whole (uploads are capped at UPLOAD_MAX_BYTES).
 */
const HEAD_BYTES = 256 * 1024;

// Subscribed to the uploads topic, beside the thumbnail function. It reads only the head of the
// file (a ranged GET), never the whole original.
export const handler = async (event: SNSEvent, context: Context): Promise<void> => {
  logger.addContext(context);
  for (const object of uploadedObjects(event)) {
    logger.appendKeys({ key: object.key });
    try {
      const decision = await loadUploadDecision(object, content, maxBytes);
      if (decision.action === 'skip') {
        logger.info('Upload skipped', { why: decision.why });
        continue;
      }
      const { contentId } = decision.item;
      if (decision.action === 'reject') {
        await content.reject(contentId, decision.reason);
        logger.info('Upload rejected', { contentId, reason: decision.reason });
        continue;
      }
      let head = await storage.readHead(object.key, HEAD_BYTES);
      const kind = sniffImageKind(head);
      if (kind === 'webp' && object.size > head.length) head = await storage.read(object.key);
      if (!kind) {
        const reason = 'Not a supported image: the file content is not JPEG, PNG, WebP or HEIC.';
        await content.reject(contentId, reason);
        logger.info('Upload rejected', { contentId, reason });
        continue;
      }
      const metadata: MediaMetadata = { ...(await headerDimensions(head)), ...exifSubset(await readExif(head)) };
      const recorded = (await content.recordMetadata(contentId, metadata)).applied;
      const ready = recorded && (await content.markReadyIfComplete(contentId)).applied;
      logger.info('Metadata stored', { contentId, recorded, ready, fields: Object.keys(metadata) });
    } finally {
      logger.removeKeys(['key']);
    }
  }
};

/** Upright dimensions from the header alone; the thumbnail function's full decode is authoritative. */
async function headerDimensions(head: Buffer): Promise<{ width?: number; height?: number }> {
  try {
    const meta = await sharp(head).metadata();
    const upright = meta.autoOrient ?? meta;
    return upright.width && upright.height ? { width: upright.width, height: upright.height } : {};
  } catch {
    return {};
  }
}
