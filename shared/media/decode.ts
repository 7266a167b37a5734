import sharp, { type Sharp } from 'sharp';
import { RejectedMediaError } from '#shared/media/model';
import { decodeHeif } from '#shared/media/heif';
import { sniffImageKind, type ImageKind } from '#shared/media/sniff';

/** Far below sharp's default of 268 MP: a 100 MP image already costs about 400 MB decoded. */
export const MAX_INPUT_PIXELS = 100_000_000;

/** Below the function's 30 s timeout: a pathological file is rejected, not retried until it expires. */
export const DECODE_TIMEOUT_SECONDS = 20;

export interface OpenedImage {
  kind: ImageKind;
  /** The original's dimensions once upright. */
  width: number;
  height: number;
  /** A fresh pipeline over the upright image (call again for another one). */
  pipeline(): Sharp;
  /** HEIF only: what was done to its colours (see shared/media/colour.ts); libvips handles the others. */
  colour?: string;
}

const SHARP_OPTIONS = { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS, sequentialRead: true } as const;

/**
 * Opens an uploaded original for processing. What it is comes from its bytes, never from the
 * declared Content-Type; only JPEG, PNG, WebP and HEIF are accepted. Anything we cannot or will
 * not decode throws RejectedMediaError with a reason, so the item is rejected instead of retried.
 */
export async function openImage(input: Buffer): Promise<OpenedImage> {
  const kind = sniffImageKind(input);
  if (!kind)
    throw new RejectedMediaError(
      'unsupported-type',
      'Not a supported image: the file content is not JPEG, PNG, WebP or HEIC.',
    );
  if (kind === 'heif') return openHeif(input);
  try {
    // The header alone (no pixel limit yet) tells the size, so the reason can name the limit.
    const meta = await sharp(input, { ...SHARP_OPTIONS, limitInputPixels: false }).metadata();
    const pixels = (meta.width ?? 0) * (meta.height ?? 0);
    if (pixels > MAX_INPUT_PIXELS) {
      throw new RejectedMediaError(
        'too-many-pixels',
        `Image too large: ${meta.width}x${meta.height} pixels, the limit is ${MAX_INPUT_PIXELS / 1e6} megapixels.`,
      );
    }
    if ((meta.pages ?? 1) > 1)
      throw new RejectedMediaError('animated', 'Animated images are not supported: upload a still picture.');
    const upright = meta.autoOrient ?? { width: meta.width ?? 0, height: meta.height ?? 0 };
    return {
      kind,
      width: upright.width,
      height: upright.height,
      // EXIF orientation first: the output keeps no metadata, orientation included.
      pipeline: () => sharp(input, SHARP_OPTIONS).timeout({ seconds: DECODE_TIMEOUT_SECONDS }).rotate(),
    };
  } catch (error) {
    throw asRejection(error);
  }
}

/**
 * HEIC/HEIF: libheif (WebAssembly) decodes the primary image to RGBA and sharp takes it as raw
 * pixels, so the same pipeline follows. libheif has applied the file's own transformations (irot,
 * imir, clap); an EXIF Orientation inside a HEIF is informative only and is not applied again (an
 * iPhone writes both, describing the same rotation). decodeHeif checks the size before decoding,
 * turns every decoder failure into a RejectedMediaError and converts wide-gamut colours to sRGB.
 */
async function openHeif(input: Buffer): Promise<OpenedImage> {
  const { width, height, data, opaque, colour } = await decodeHeif(input, { timeoutSeconds: DECODE_TIMEOUT_SECONDS });
  return {
    kind: 'heif',
    width,
    height,
    colour,
    pipeline: () => {
      const pipeline = sharp(data, { raw: { width, height, channels: 4 }, limitInputPixels: MAX_INPUT_PIXELS }).timeout(
        { seconds: DECODE_TIMEOUT_SECONDS },
      );
      return opaque ? pipeline.removeAlpha() : pipeline;
    },
  };
}

/**
 * libvips reports corrupt, truncated or over-limit input as an Error whose message names the
 * problem (e.g. "VipsJpeg: Premature end of input file"): that becomes the rejection reason.
 */
export function asRejection(error: unknown): RejectedMediaError {
  if (error instanceof RejectedMediaError) return error;
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new RejectedMediaError('undecodable', `Could not decode the image: ${message}`);
}
