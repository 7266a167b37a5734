import sharp from 'sharp';
import { thumbHashToApproximateAspectRatio } from 'thumbhash';
import { RejectedMediaError } from '#shared/media/model';
import { MAX_INPUT_PIXELS } from '#shared/media/decode';
import { DEFAULT_SPECS, makeDerivatives, makeOne, type DerivativeSet } from '#shared/media/derivatives';
import { sniffImageKind } from '#shared/media/sniff';
import { jpeg, solid } from '../support/images';

async function rejection(input: Buffer): Promise<RejectedMediaError> {
  const error = await makeDerivatives(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RejectedMediaError);
  return error as RejectedMediaError;
}

const byName = (set: DerivativeSet) => Object.fromEntries(set.derivatives.map((d) => [d.name, d]));

describe('makeDerivatives', () => {
  it('makes a display size inside 1440 and a 320 square thumbnail from one JPEG', async () => {
    const set = byName(await makeDerivatives(await jpeg(2000, 1500)));
    expect(set.display).toMatchObject({ contentType: 'image/webp', width: 1440, height: 1080 });
    expect(set.thumbnail).toMatchObject({ contentType: 'image/webp', width: 320, height: 320 });
  });

  it('returns bytes that really are WebPs of the reported sizes, without metadata', async () => {
    const rotated = await solid(800, 600).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    for (const d of (await makeDerivatives(rotated)).derivatives) {
      expect(sniffImageKind(d.data)).toBe('webp');
      const meta = await sharp(d.data).metadata();
      expect([meta.format, meta.width, meta.height, meta.exif, meta.orientation]).toEqual([
        'webp',
        d.width,
        d.height,
        undefined,
        undefined,
      ]);
    }
  });

  it('reports the upright source dimensions', async () => {
    expect((await makeDerivatives(await jpeg(800, 600))).source).toEqual({ width: 800, height: 600 });
    const rotated = await solid(800, 600).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect((await makeDerivatives(rotated)).source).toEqual({ width: 600, height: 800 });
  });

  it('does not enlarge a small picture for the display size', async () => {
    expect(byName(await makeDerivatives(await jpeg(100, 50))).display).toMatchObject({ width: 100, height: 50 });
  });

  it('makes a portrait display size from a JPEG with EXIF orientation 6', async () => {
    const rotated = await solid(1600, 1200).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(byName(await makeDerivatives(rotated)).display).toMatchObject({ width: 1080, height: 1440 });
  });

  it('gives a compact ThumbHash placeholder with the picture aspect ratio', async () => {
    const { placeholder } = await makeDerivatives(await jpeg(1600, 800));
    const bytes = Buffer.from(placeholder, 'base64');
    expect(bytes.length).toBeLessThanOrEqual(30);
    expect(thumbHashToApproximateAspectRatio(bytes)).toBeCloseTo(2, 0);
  });

  it('takes the sizes it is given', async () => {
    const set = await makeDerivatives(await jpeg(1000, 1000), [
      { name: 'small', size: 64, fit: 'cover' },
      { name: 'medium', size: 500, fit: 'inside' },
    ]);
    expect(set.derivatives.map((d) => [d.name, d.width, d.height])).toEqual([
      ['medium', 500, 500],
      ['small', 64, 64],
    ]);
  });

  it('rejects text bytes declared as a JPEG, with a reason', async () => {
    expect((await rejection(Buffer.from('this is a text file pretending to be image/jpeg'))).reason).toMatch(
      /not a supported image/i,
    );
  });

  it('rejects a truncated JPEG', async () => {
    const whole = await jpeg(800, 600);
    expect((await rejection(whole.subarray(0, Math.floor(whole.length / 2)))).reason).toMatch(/could not decode/i);
  });

  it('rejects an image over the pixel limit, mentioning the limit', async () => {
    // 12000x9000 = 108 MP; one grey channel of zeros compresses to about 100 KB.
    const huge = await solid(12_000, 9_000, '#000').toColourspace('b-w').png({ compressionLevel: 9 }).toBuffer();
    expect(12_000 * 9_000).toBeGreaterThan(MAX_INPUT_PIXELS);
    expect((await rejection(huge)).reason).toMatch(/limit is 100 megapixels/);
  });
});

describe('makeOne', () => {
  it('makes one size straight from the original', async () => {
    expect(await makeOne(await jpeg(800, 600), DEFAULT_SPECS[1]!)).toMatchObject({
      name: 'thumbnail',
      width: 320,
      height: 320,
    });
  });
});
