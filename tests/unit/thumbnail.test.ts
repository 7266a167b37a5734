import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { RejectedMediaError } from '#shared/errors';
import { sniffImageKind } from '#shared/media/sniff';
import { MAX_INPUT_PIXELS, makeThumbnail } from '#shared/media/thumbnail';
import { ftyp, jpeg, solid } from './helpers/images';

async function rejection(input: Buffer): Promise<RejectedMediaError> {
  const error = await makeThumbnail(input, 320).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RejectedMediaError);
  return error as RejectedMediaError;
}

describe('makeThumbnail', () => {
  it('makes a WebP at most 320 wide from an 800x600 JPEG', async () => {
    const thumb = await makeThumbnail(await jpeg(800, 600), 320);
    expect(thumb).toMatchObject({ contentType: 'image/webp', width: 320, height: 240 });
  });

  it('returns bytes that really are a WebP of the reported size', async () => {
    const thumb = await makeThumbnail(await jpeg(800, 600), 320);
    expect(sniffImageKind(thumb.data)).toBe('webp');
    const meta = await sharp(thumb.data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 320, 240]);
  });

  it('reports the source dimensions', async () => {
    expect((await makeThumbnail(await jpeg(800, 600), 320)).source).toEqual({ width: 800, height: 600 });
  });

  it('does not enlarge an image smaller than the thumbnail width', async () => {
    expect(await makeThumbnail(await jpeg(100, 50), 320)).toMatchObject({ width: 100, height: 50 });
  });

  it('fits a tall image inside the width as a square box', async () => {
    expect(await makeThumbnail(await jpeg(300, 900), 320)).toMatchObject({ width: 107, height: 320 });
  });

  it('reports upright source dimensions for a JPEG with EXIF orientation 6', async () => {
    const rotated = await solid(800, 600).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect((await makeThumbnail(rotated, 320)).source).toEqual({ width: 600, height: 800 });
  });

  it('makes a portrait thumbnail from a JPEG with EXIF orientation 6', async () => {
    const rotated = await solid(800, 600).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await makeThumbnail(rotated, 320)).toMatchObject({ width: 240, height: 320 });
  });

  it('keeps no EXIF in the thumbnail', async () => {
    const rotated = await solid(800, 600).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const meta = await sharp((await makeThumbnail(rotated, 320)).data).metadata();
    expect([meta.exif, meta.orientation]).toEqual([undefined, undefined]);
  });

  it('rejects text bytes declared as a JPEG, with a reason', async () => {
    const error = await rejection(Buffer.from('this is a text file pretending to be image/jpeg'));
    expect(error.reason).toMatch(/not a supported image/i);
  });

  it('rejects a truncated JPEG', async () => {
    const whole = await jpeg(800, 600);
    const error = await rejection(whole.subarray(0, Math.floor(whole.length / 2)));
    expect(error.reason).toMatch(/could not decode/i);
  });

  it('rejects a HEIC-branded file, mentioning HEIC', async () => {
    const error = await rejection(ftyp('heic'));
    expect(error.reason).toMatch(/HEIC/);
  });

  it('rejects an image over the pixel limit, mentioning the limit', async () => {
    // 12000x9000 = 108 MP; one grey channel of zeros compresses to about 100 KB.
    const huge = await solid(12_000, 9_000, '#000').toColourspace('b-w').png({ compressionLevel: 9 }).toBuffer();
    expect(12_000 * 9_000).toBeGreaterThan(MAX_INPUT_PIXELS);
    const error = await rejection(huge);
    expect(error.reason).toMatch(/limit is 100 megapixels/);
  });
});
