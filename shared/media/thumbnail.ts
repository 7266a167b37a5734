import sharp from 'sharp';
import { RejectedMediaError } from '#shared/errors';
import { sniffImageKind } from '#shared/media/sniff';

/** Far below sharp's default of 268 MP: a 100 MP image already costs about 400 MB decoded. */
export const MAX_INPUT_PIXELS = 100_000_000;

/** Below the function's 30 s timeout: a pathological file is rejected, not retried until it expires. */
const DECODE_TIMEOUT_SECONDS = 20;

export interface Thumbnail {
  data: Buffer;
  contentType: 'image/webp';
  width: number;
  height: number;
  /** The original's dimensions once upright (EXIF orientation applied). */
  source: { width: number; height: number };
}

/**
 * Decodes an uploaded original and makes a WebP thumbnail `width` pixels wide at most.
 * What the file is comes from its bytes, not from the declared Content-Type; anything we cannot
 * or will not decode throws RejectedMediaError, so the item is rejected instead of retried.
 */
export async function makeThumbnail(input: Buffer, width: number): Promise<Thumbnail> {
  const kind = sniffImageKind(input);
  if (!kind) throw new RejectedMediaError('Not a supported image: the file content is not JPEG, PNG, WebP or HEIC.');
  if (kind === 'heif') throw new RejectedMediaError('HEIC/HEIF decoding is not supported yet: upload a JPEG, PNG or WebP.');

  const options = { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS, sequentialRead: true } as const;
  let source: { width: number; height: number };
  try {
    // The header alone (no pixel limit yet) tells the size, so the reason can name the limit.
    const meta = await sharp(input, { ...options, limitInputPixels: false }).metadata();
    if ((meta.width ?? 0) * (meta.height ?? 0) > MAX_INPUT_PIXELS) {
      throw new RejectedMediaError(`Image too large: ${meta.width}x${meta.height} pixels, the limit is ${MAX_INPUT_PIXELS / 1e6} megapixels.`);
    }
    source = meta.autoOrient ?? { width: meta.width ?? 0, height: meta.height ?? 0 };
    const { data, info } = await sharp(input, options)
      .timeout({ seconds: DECODE_TIMEOUT_SECONDS })
      .rotate() // EXIF orientation first: the output keeps no metadata, orientation included.
      .resize({ width, height: width, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer({ resolveWithObject: true });
    return { data, contentType: 'image/webp', width: info.width, height: info.height, source };
  } catch (error) {
    if (error instanceof RejectedMediaError) throw error;
    // libvips reports corrupt, truncated or over-limit input as an Error; the message names the
    // problem (e.g. "VipsJpeg: Premature end of input file").
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new RejectedMediaError(`Could not decode the image: ${message}`);
  }
}
