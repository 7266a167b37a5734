// Wide-gamut to sRGB for decoded HEIC pixels (shared/media/colour.ts), checked against lcms as
// libvips runs it: sharp converts a picture with an embedded profile to sRGB by itself, so the
// same picture's raw pixels converted here must come out the same.
import fc from 'fast-check';
import sharp from 'sharp';
import { convertToSrgb, iccPlan, nclxPlan, type ColourPlan, type Matrix3 } from '#shared/media/colour';

/** Display P3 (D65) to sRGB in linear light, from the two sets of primaries. */
const P3_TO_SRGB: Matrix3 = [
  [1.2249, -0.2249, 0],
  [-0.0421, 1.0421, 0],
  [-0.0196, -0.0786, 1.0983],
];

const W = 96;
const H = 64;

/** Saturated and dark colours everywhere: gradients of red and green, blue in steps. */
function sourcePixels(): Buffer {
  const pixels = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      pixels[i] = Math.round((x * 255) / (W - 1));
      pixels[i + 1] = Math.round((y * 255) / (H - 1));
      pixels[i + 2] = ((x + y) * 7) % 256;
    }
  }
  return pixels;
}

/** A PNG of the source in `profile` (pixels converted by lcms, the profile embedded). */
async function tagged(profile: 'p3' | 'srgb' | 'cmyk'): Promise<Buffer> {
  const image = sharp(sourcePixels(), { raw: { width: W, height: H, channels: 3 } }).withIccProfile(profile);
  // PNG holds no CMYK: that one is a JPEG.
  return profile === 'cmyk' ? image.toColourspace('cmyk').jpeg().toBuffer() : image.png().toBuffer();
}

/**
 * The profile with its description replaced by a v4 `mluc` tag (appended at the end, the tag
 * table pointed at it); `lengthDelta` makes the stored text length lie by that many bytes.
 */
function mlucProfile(icc: Buffer, name: string, { lengthDelta = 0 } = {}): Buffer {
  const text = Buffer.from(name, 'utf16le').swap16();
  const tag = Buffer.alloc(28 + text.length);
  tag.write('mluc', 0, 'latin1');
  tag.writeUInt32BE(1, 8); // one record
  tag.writeUInt32BE(12, 12); // of 12 bytes
  tag.write('enUS', 16, 'latin1');
  tag.writeUInt32BE(text.length + lengthDelta, 20);
  tag.writeUInt32BE(28, 24);
  text.copy(tag, 28);
  const out = Buffer.concat([icc, tag]);
  const count = out.readUInt32BE(128);
  for (let t = 0; t < count; t++) {
    if (out.toString('latin1', 132 + t * 12, 136 + t * 12) !== 'desc') continue;
    out.writeUInt32BE(icc.length, 132 + t * 12 + 4);
    out.writeUInt32BE(tag.length, 132 + t * 12 + 8);
  }
  out.writeUInt32BE(out.length, 0);
  return out;
}

function differences(a: Uint8Array, b: Uint8Array): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.length };
}

function converting(plan: ColourPlan) {
  if (plan.kind !== 'convert') throw new Error(`expected a conversion, got ${JSON.stringify(plan)}`);
  return plan.conversion;
}

function expectMatrixClose(actual: Matrix3, expected: Matrix3, tolerance: number): void {
  for (const [i, row] of actual.entries())
    for (const [j, v] of row.entries())
      expect(Math.abs(v - expected[i]![j]!), `[${i}][${j}] ${v}`).toBeLessThan(tolerance);
}

describe('colour conversion to sRGB', () => {
  it('reads a Display P3 ICC profile and converts its pixels as lcms does', async () => {
    const png = await tagged('p3');
    const icc = (await sharp(png).metadata()).icc!;
    const conversion = converting(iccPlan(icc));
    expect(conversion.source).toMatch(/^ICC profile/);
    expectMatrixClose(conversion.matrix, P3_TO_SRGB, 0.003);

    const raw = await sharp(png, { ignoreIcc: true }).raw().toBuffer(); // the P3 values, as libheif hands them over
    const reference = await sharp(png).toColourspace('srgb').raw().toBuffer(); // lcms, through libvips
    expect(differences(raw, reference).mean, 'P3 values taken as sRGB are visibly off').toBeGreaterThan(5);
    convertToSrgb(raw, conversion, 3);
    const after = differences(raw, reference);
    expect(after.max).toBeLessThanOrEqual(4);
    expect(after.mean).toBeLessThan(0.5);
  });

  it('converts RGBA in place and leaves alpha alone', async () => {
    const png = await tagged('p3');
    const conversion = converting(iccPlan((await sharp(png).metadata()).icc!));
    const rgba = await sharp(png, { ignoreIcc: true }).ensureAlpha(0.5).raw().toBuffer();
    const rgb = await sharp(png, { ignoreIcc: true }).raw().toBuffer();
    const alpha = Buffer.from(Array.from({ length: W * H }, (_, p) => rgba[p * 4 + 3]!));
    convertToSrgb(rgba, conversion, 4);
    convertToSrgb(rgb, conversion, 3);
    for (let p = 0; p < W * H; p++) {
      expect([rgba[p * 4], rgba[p * 4 + 1], rgba[p * 4 + 2]]).toEqual([rgb[p * 3], rgb[p * 3 + 1], rgb[p * 3 + 2]]);
      expect(rgba[p * 4 + 3]).toBe(alpha[p]);
    }
  });

  it('needs nothing for an sRGB profile or untagged nclx sRGB', async () => {
    expect(iccPlan((await sharp(await tagged('srgb')).metadata()).icc!)).toEqual({ kind: 'srgb' });
    expect(nclxPlan(1, 13)).toEqual({ kind: 'srgb' });
    expect(nclxPlan(2, 2)).toEqual({ kind: 'srgb' });
  });

  it('converts nclx Display P3 (primaries 12) with the same matrix as the ICC profile', () => {
    const conversion = converting(nclxPlan(12, 13));
    expect(conversion.source).toBe('nclx Display P3');
    expectMatrixClose(conversion.matrix, P3_TO_SRGB, 0.001);
    // BT.2020 is wider still: pure red goes further out of the sRGB gamut.
    expect(converting(nclxPlan(9, 1)).matrix[0][0]).toBeGreaterThan(1.6);
  });

  it('leaves what it cannot convert as decoded, saying why, and never throws on a broken profile', async () => {
    expect(nclxPlan(12, 16)).toMatchObject({
      kind: 'unsupported',
      reason: expect.stringContaining('transfer characteristics 16'),
    });
    expect(nclxPlan(22, 13)).toMatchObject({ kind: 'unsupported', reason: expect.stringContaining('primaries 22') });
    const cmyk = (await sharp(await tagged('cmyk')).metadata()).icc!;
    expect(iccPlan(cmyk)).toMatchObject({ kind: 'unsupported', reason: expect.stringContaining('not RGB') });

    const p3 = (await sharp(await tagged('p3')).metadata()).icc!;
    expect(iccPlan(p3.subarray(0, 100))).toMatchObject({
      kind: 'unsupported',
      reason: expect.stringContaining('header'),
    });
    const manyTags = Buffer.from(p3);
    manyTags.writeUInt32BE(100_000, 128);
    expect(iccPlan(manyTags)).toMatchObject({ kind: 'unsupported', reason: expect.stringContaining('tag table') });
    const farTag = Buffer.from(p3);
    farTag.writeUInt32BE(0x7fff_0000, 132 + 4); // the first tag's offset
    expect(iccPlan(farTag)).toMatchObject({
      kind: 'unsupported',
      reason: expect.stringContaining('runs past the end'),
    });
    // A v4 description (mluc) whose UTF-16 text has an odd length.
    expect(iccPlan(mlucProfile(p3, 'Display P3'))).toMatchObject({
      kind: 'convert',
      conversion: { source: 'ICC profile "Display P3"' },
    });
    expect(iccPlan(mlucProfile(p3, 'Display P3', { lengthDelta: -1 }))).toMatchObject({
      kind: 'convert',
      conversion: { source: 'ICC profile "Display P"' },
    });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(p3.length), (noise, at) => {
        const mangled = Buffer.from(p3);
        mangled.set(noise.subarray(0, p3.length - at), at);
        expect(['convert', 'srgb', 'unsupported']).toContain(iccPlan(mangled).kind);
      }),
      { numRuns: 300 },
    );
  });
});
