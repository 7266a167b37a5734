import sharp, { type Sharp } from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';
import { asRejection, DECODE_TIMEOUT_SECONDS, openImage } from '#shared/media/decode';

export interface DerivativeSpec {
  name: string;
  /** Long edge for `inside`, the square's side for `cover`. */
  size: number;
  fit: 'inside' | 'cover';
}

/** The default set: a display size and a square thumbnail (configurable per function, see serverless.yml). */
export const DEFAULT_SPECS: DerivativeSpec[] = [
  { name: 'display', size: 1440, fit: 'inside' },
  { name: 'thumbnail', size: 320, fit: 'cover' },
];

export interface DerivativeImage {
  name: string;
  data: Buffer;
  contentType: 'image/webp';
  width: number;
  height: number;
}

export interface DerivativeSet {
  /** The original's dimensions once upright. */
  source: { width: number; height: number };
  derivatives: DerivativeImage[];
  /** ThumbHash of the picture, base64: a ~25-byte placeholder an app can render before loading. */
  placeholder: string;
  /** HEIF only: what was done to its colours, for the log. */
  colour?: string;
}

/** The encoder settings of every derivative (effort 4: see docs/decisions.md). */
export const WEBP = { quality: 80, effort: 4 } as const;

/**
 * Every derivative from one decode. The original is decoded once, upright, straight to the largest
 * size (JPEG shrink-on-load makes that decode cheap); the smaller sizes and the placeholder are
 * made from those pixels, not from the original again. Output is WebP without metadata.
 */
export async function makeDerivatives(input: Buffer, specs: DerivativeSpec[] = DEFAULT_SPECS): Promise<DerivativeSet> {
  const image = await openImage(input);
  const ordered = [...specs].sort((a, b) => b.size - a.size);
  try {
    // The largest size, kept as raw pixels to derive the others from.
    const largest = ordered[0]!;
    const base = await resize(image.pipeline(), largest).raw().toBuffer({ resolveWithObject: true });
    const fromBase = () =>
      sharp(base.data, {
        raw: { width: base.info.width, height: base.info.height, channels: base.info.channels },
      }).timeout({ seconds: DECODE_TIMEOUT_SECONDS });

    const derivatives = await Promise.all(
      ordered.map(async (spec) => {
        const pipeline = spec === largest ? fromBase() : resize(fromBase(), spec, base.info);
        const { data, info } = await pipeline.webp(WEBP).toBuffer({ resolveWithObject: true });
        return { name: spec.name, data, contentType: 'image/webp' as const, width: info.width, height: info.height };
      }),
    );
    const placeholder = await placeholderOf(fromBase());
    return {
      source: { width: image.width, height: image.height },
      derivatives,
      placeholder,
      ...(image.colour ? { colour: image.colour } : {}),
    };
  } catch (error) {
    throw asRejection(error);
  }
}

/** One size alone, straight from the original: the reference the full set is measured against. */
export async function makeOne(input: Buffer, spec: DerivativeSpec): Promise<DerivativeImage> {
  const image = await openImage(input);
  try {
    const { data, info } = await resize(image.pipeline(), spec).webp(WEBP).toBuffer({ resolveWithObject: true });
    return { name: spec.name, data, contentType: 'image/webp', width: info.width, height: info.height };
  } catch (error) {
    throw asRejection(error);
  }
}

/**
 * `inside`: fit the long edge, never enlarge. `cover`: a centred square, never enlarged either.
 * When the pixels' size is known (derived from the base), the square is cut first and only then
 * resized: a 1x1440 strip would otherwise be scaled up 320 times before the crop.
 */
function resize(pipeline: Sharp, spec: DerivativeSpec, known?: { width: number; height: number }): Sharp {
  if (spec.fit === 'inside')
    return pipeline.resize({ width: spec.size, height: spec.size, fit: 'inside', withoutEnlargement: true });
  if (known) {
    const side = Math.min(known.width, known.height);
    pipeline = pipeline.extract({
      left: Math.floor((known.width - side) / 2),
      top: Math.floor((known.height - side) / 2),
      width: side,
      height: side,
    });
  }
  return pipeline.resize({ width: spec.size, height: spec.size, fit: 'cover', withoutEnlargement: true });
}

/** ThumbHash wants at most 100x100 RGBA. */
async function placeholderOf(pipeline: Sharp): Promise<string> {
  const { data, info } = await pipeline
    .resize({ width: 100, height: 100, fit: 'inside' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64');
}
