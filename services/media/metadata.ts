import sharp from 'sharp';
import { ContentRepository } from '#shared/content/dynamo-store';
import { dynamo, s3 } from '#shared/aws/clients';
import { MediaStorage } from '#shared/media/s3-storage';
import { requireEnv, requireIntEnv } from '#shared/lambda/config';
import type { MediaMetadata } from '#shared/content/model';
import { RejectedMediaError } from '#shared/media/model';
import { s3ObjectHandler } from '#shared/lambda/s3-objects';
import { count, logger } from '#shared/core/observability';
import { exifSubset, readExif } from '#shared/media/exif';
import { heifHeaderSize } from '#shared/media/heif';
import { sniffImageKind } from '#shared/media/sniff';
import { processUpload } from '#shared/media/upload-processing';

const content = new ContentRepository(dynamo, requireEnv('CONTENT_TABLE'));
const storage = new MediaStorage(s3, requireEnv('MEDIA_BUCKET'));
const maxBytes = requireIntEnv('UPLOAD_MAX_BYTES');

/**
 * JPEG and PNG keep EXIF near the start (a JPEG's APP1 segment is at most 64 KiB); HEIF's header
 * fits too (its Exif item, when stored elsewhere, is fetched on its own). An extended WebP stores its EXIF chunk after the image data, so a WebP larger than
 * this is read whole (uploads are capped at UPLOAD_MAX_BYTES).
 */
const HEAD_BYTES = 256 * 1024;

// Subscribed to the uploads topic, beside the thumbnail function. It reads only the head of the
// file (a ranged GET), never the whole original (WebP aside, see above).
export const handler = s3ObjectHandler((uploaded) =>
  processUpload(uploaded, { content, maxBytes }, async (object, { contentId }) => {
    let head = await storage.readHead(object.key, HEAD_BYTES);
    const kind = sniffImageKind(head);
    if (!kind)
      throw new RejectedMediaError(
        'unsupported-type',
        'Not a supported image: the file content is not JPEG, PNG, WebP or HEIC.',
      );
    if (kind === 'webp' && object.size > head.length) head = await storage.read(object.key);
    // A HEIF whose EXIF lies past the head (libheif-based tools store it after the image data)
    // costs one more ranged GET of just that item.
    const readRange = (offset: number, length: number) =>
      storage.readRange(object.key, offset, length, { pastTheEnd: 'empty' });
    const metadata: MediaMetadata = {
      ...(await headerDimensions(head)),
      ...exifSubset(await readExif(head, readRange)),
    };
    const recorded = (await content.recordMetadata(contentId, metadata)).applied;
    const ready = recorded && (await content.markReadyIfComplete(contentId)).applied;
    if (ready) count('UploadReady');
    logger.info('Metadata stored', { contentId, recorded, ready, fields: Object.keys(metadata) });
  }),
);

/** Upright dimensions from the header alone; the thumbnail function's full decode is authoritative. */
async function headerDimensions(head: Buffer): Promise<{ width?: number; height?: number }> {
  // libvips refuses a HEIF cut short (it checks that every item's data is in the buffer): read
  // the primary image's size and transformations from the boxes instead.
  if (sniffImageKind(head) === 'heif') return heifHeaderSize(head) ?? {};
  try {
    const meta = await sharp(head).metadata();
    const upright = meta.autoOrient ?? meta;
    return upright.width && upright.height ? { width: upright.width, height: upright.height } : {};
  } catch {
    return {};
  }
}
