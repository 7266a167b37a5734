// Test pictures for orientation and HEIC, made by code:
// - a "quadrant" picture (red, green, blue, yellow quarters) stored so that EXIF Orientation N (or
//   the HEIF transformations equivalent to N) shows it upright, red at the top left;
// - HEIC files laid out as an iPhone writes them, from pixels encoded by Debian's `heif-enc`.
//
// What heif-enc (libheif 1.15, Debian 12) does, checked with heif-info, exifr and heif-convert:
// from a JPEG it copies the EXIF block verbatim (Orientation included) into an Exif item stored
// *after* the image data and addressed through iloc's base_offset, and it writes no irot/imir:
// an EXIF-orientation-6 JPEG becomes a HEIC that every HEIF reader shows sideways. exifr 7 ignores
// iloc's base_offset and finds no EXIF in such a file. An iPhone instead stores the rotation as
// irot (plus the same Orientation in EXIF, informative only) and its Exif item at the start of
// mdat with absolute offsets. So heif-enc only encodes pixels here (from a PNG: no EXIF, no
// orientation, whatever its version does with them), and `iphoneHeic` writes the container:
// ftyp, meta (pitm, iinf, iref cdsc, iprp with the encoder's hvcC/ispe/colr plus irot/imir, iloc),
// mdat (EXIF first, then the HEVC data).
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp, { type Sharp } from 'sharp';
import { makeDerivatives } from '#shared/media/derivatives';
import { parseHeifMeta } from '#shared/media/heif';

const run = promisify(execFile);

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** heif-enc and heif-convert (Debian `libheif-examples`): installed when missing, or the test fails. */
export function ensureHeifTools(): void {
  if (onPath('heif-enc') && onPath('heif-convert')) return;
  try {
    execFileSync(
      'sh',
      [
        '-c',
        'apt-get install -y -qq libheif-examples || (apt-get update -qq && apt-get install -y -qq libheif-examples)',
      ],
      { stdio: 'ignore', timeout: 300_000 },
    );
  } catch {
    // Reported below.
  }
  if (!onPath('heif-enc') || !onPath('heif-convert')) {
    throw new Error(
      'heif-enc/heif-convert not found and could not be installed: apt-get install libheif-examples (.ci/run does)',
    );
  }
}

async function inTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'heif-fixture-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * HEVC-encodes an image (any format sharp reads) with heif-enc, from a PNG of its stored pixels.
 * An ICC profile stays with the pixels (not converted): heif-enc stores it as a `colr` `prof`
 * property, as an iPhone stores its Display P3 profile.
 */
export async function heifEnc(image: Buffer, quality = 85): Promise<Buffer> {
  const png = await sharp(image).keepIccProfile().png({ compressionLevel: 1 }).toBuffer();
  return inTempDir(async (dir) => {
    await writeFile(path.join(dir, 'in.png'), png);
    await run('heif-enc', ['-q', String(quality), path.join(dir, 'in.png'), '-o', path.join(dir, 'out.heic')]);
    return readFile(path.join(dir, 'out.heic'));
  });
}

/**
 * heif-enc straight from a JPEG, as libheif-based tools write HEIC: its EXIF is copied into an Exif
 * item stored after the image data, addressed through iloc's base offset (see the top of this file).
 */
export async function heifEncWithTrailingExif(jpeg: Buffer, quality = 85): Promise<Buffer> {
  return inTempDir(async (dir) => {
    await writeFile(path.join(dir, 'in.jpg'), jpeg);
    await run('heif-enc', ['-q', String(quality), path.join(dir, 'in.jpg'), '-o', path.join(dir, 'out.heic')]);
    return readFile(path.join(dir, 'out.heic'));
  });
}

/** The reference decoder: native libheif's heif-convert, to PNG. */
export async function heifConvert(heic: Buffer): Promise<Buffer> {
  return inTempDir(async (dir) => {
    await writeFile(path.join(dir, 'in.heic'), heic);
    await run('heif-convert', [path.join(dir, 'in.heic'), path.join(dir, 'out.png')]);
    return readFile(path.join(dir, 'out.png'));
  });
}

/** irot, imir, or a centred clean aperture (clap) of the given size. */
export type HeifTransform = { irot: 1 | 2 | 3 } | { imir: 0 | 1 } | { clap: { width: number; height: number } };

/**
 * The HEIF transformations that show stored pixels as EXIF Orientation N does, applied in this
 * order. irot turns anti-clockwise by 90 degrees per unit. imir as libheif reads it (checked with
 * native libheif 1.15's heif-convert and libheif-js 1.23, which agree): axis 0 flips top-bottom,
 * axis 1 flips left-right.
 */
export function transformsFor(orientation: number): HeifTransform[] {
  const table: Record<number, HeifTransform[]> = {
    1: [],
    2: [{ imir: 1 }],
    3: [{ irot: 2 }],
    4: [{ imir: 0 }],
    5: [{ irot: 3 }, { imir: 1 }],
    6: [{ irot: 3 }],
    7: [{ irot: 3 }, { imir: 0 }],
    8: [{ irot: 1 }],
  };
  const transforms = table[orientation];
  if (!transforms) throw new Error(`no orientation ${orientation}`);
  return transforms;
}

export interface HeicImage {
  /** A heif-enc output: its primary image's HEVC data and properties are reused. */
  encoded: Buffer;
  transforms?: HeifTransform[];
  /** An `nclx` colour box (H.273 code points) instead of the encoder's `colr`, if any. */
  nclx?: { primaries: number; transfer: number; matrix: number };
}

/**
 * A HEIC laid out like an iPhone's: `images[primary]` is the primary image; `exif` (the APP1
 * payload sharp reports, "Exif\0\0" + TIFF) becomes an Exif item describing it, stored first in mdat.
 */
export function iphoneHeic({
  images,
  primary = 0,
  exif,
}: {
  images: HeicImage[];
  primary?: number;
  exif?: Buffer;
}): Buffer {
  const parts = images.map(({ encoded, transforms = [], nclx }) => {
    const meta = parseHeifMeta(encoded);
    const item = meta.items.get(meta.primaryId)!;
    if (item.type !== 'hvc1' || !item.extents) throw new Error(`heif-enc wrote a ${item.type} primary image`);
    const data = Buffer.concat(item.extents.map((e) => encoded.subarray(e.offset, e.offset + e.length)));
    const kept = item.properties.filter((p) => !['irot', 'imir', 'clap', ...(nclx ? ['colr'] : [])].includes(p.type));
    const properties = [
      ...kept.map((p) => ({ box: Buffer.from(p.box), essential: p.essential || p.type === 'hvcC' })),
      // Full range, as heif-enc encodes from a PNG.
      ...(nclx
        ? [
            {
              box: box('colr', latin1('nclx'), u16(nclx.primaries), u16(nclx.transfer), u16(nclx.matrix), u8(0x80)),
              essential: false,
            },
          ]
        : []),
      ...transforms.map((t) => ({ box: transformBox(t), essential: true })),
    ];
    return { data, properties };
  });
  const exifPayload = exif
    ? Buffer.concat([u32(exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? 6 : 0), exif])
    : undefined;
  const exifId = images.length + 1;
  const ids = parts.map((_, i) => i + 1);

  const ftyp = box('ftyp', latin1('heic'), u32(0), latin1('mif1'), latin1('MiHE'), latin1('miaf'), latin1('heic'));
  const metaBox = (dataStart: number) => {
    const located: { id: number; offset: number; length: number }[] = [];
    let at = dataStart;
    if (exifPayload) {
      located.push({ id: exifId, offset: at, length: exifPayload.length });
      at += exifPayload.length;
    }
    parts.forEach((p, i) => {
      located.push({ id: ids[i]!, offset: at, length: p.data.length });
      at += p.data.length;
    });
    const properties = parts.flatMap((p) => p.properties);
    let index = 0;
    const associations = parts.map((p, i) =>
      Buffer.concat([
        u16(ids[i]!),
        u8(p.properties.length),
        ...p.properties.map((q) => u8((q.essential ? 0x80 : 0) | ++index)),
      ]),
    );
    return fullBox('meta', 0, 0, [
      fullBox('hdlr', 0, 0, [u32(0), latin1('pict'), u32(0), u32(0), u32(0), latin1('\0')]),
      fullBox('pitm', 0, 0, [u16(ids[primary]!)]),
      fullBox('iinf', 0, 0, [
        u16(parts.length + (exifPayload ? 1 : 0)),
        ...ids.map((id) => fullBox('infe', 2, 0, [u16(id), u16(0), latin1('hvc1'), latin1('\0')])),
        ...(exifPayload ? [fullBox('infe', 2, 1, [u16(exifId), u16(0), latin1('Exif'), latin1('\0')])] : []),
      ]),
      ...(exifPayload ? [fullBox('iref', 0, 0, [box('cdsc', u16(exifId), u16(1), u16(ids[primary]!))])] : []),
      box(
        'iprp',
        box('ipco', ...properties.map((p) => p.box)),
        fullBox('ipma', 0, 0, [u32(parts.length), ...associations]),
      ),
      // Version 0, 4-byte offsets and lengths, no base offset: absolute file positions.
      fullBox('iloc', 0, 0, [
        u8(0x44),
        u8(0x00),
        u16(located.length),
        ...located.map((l) => Buffer.concat([u16(l.id), u16(0), u16(1), u32(l.offset), u32(l.length)])),
      ]),
    ]);
  };
  // iloc's fields have fixed sizes: the meta box is as long whatever the offsets.
  const dataStart = ftyp.length + metaBox(0).length + 8;
  const mdat = box('mdat', ...(exifPayload ? [exifPayload] : []), ...parts.map((p) => p.data));
  return Buffer.concat([ftyp, metaBox(dataStart), mdat]);
}

function transformBox(t: HeifTransform): Buffer {
  if ('irot' in t) return box('irot', u8(t.irot));
  if ('imir' in t) return box('imir', u8(t.imir));
  const { width, height } = t.clap;
  return box('clap', u32(width), u32(1), u32(height), u32(1), u32(0), u32(1), u32(0), u32(1));
}

export const QUADRANT_COLOURS = {
  red: [220, 40, 40],
  green: [40, 180, 60],
  blue: [40, 70, 220],
  yellow: [230, 210, 40],
} as const;
export type QuadrantColour = keyof typeof QUADRANT_COLOURS;
/** Upright: red top left, green top right, blue bottom left, yellow bottom right. */
export const UPRIGHT = { topLeft: 'red', topRight: 'green', bottomLeft: 'blue', bottomRight: 'yellow' } as const;

/** Where stored pixel (x, y) of a w x h image appears once EXIF Orientation N is applied. */
function shown(orientation: number, x: number, y: number, w: number, h: number): [number, number] {
  switch (orientation) {
    case 1:
      return [x, y];
    case 2:
      return [w - 1 - x, y];
    case 3:
      return [w - 1 - x, h - 1 - y];
    case 4:
      return [x, h - 1 - y];
    case 5:
      return [y, x];
    case 6:
      return [h - 1 - y, x];
    case 7:
      return [h - 1 - y, w - 1 - x];
    case 8:
      return [y, w - 1 - x];
    default:
      throw new Error(`no orientation ${orientation}`);
  }
}

/**
 * Stored pixels (RGB) of the quadrant picture that EXIF Orientation N shows upright as
 * `width` x `height`: for orientations 5-8 the stored image is `height` x `width`.
 */
export function quadrantStored(
  orientation: number,
  width: number,
  height: number,
): { data: Buffer; width: number; height: number } {
  const [w, h] = orientation >= 5 ? [height, width] : [width, height];
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [u, v] = shown(orientation, x, y, w, h);
      const name: QuadrantColour =
        v < height / 2 ? (u < width / 2 ? 'red' : 'green') : u < width / 2 ? 'blue' : 'yellow';
      data.set(QUADRANT_COLOURS[name], (y * w + x) * 3);
    }
  }
  return { data, width: w, height: h };
}

/** A JPEG of the quadrant picture stored for EXIF Orientation N (written by sharp, as makeJpeg does). */
export async function quadrantJpeg(orientation: number, width = 600, height = 400): Promise<Buffer> {
  const stored = quadrantStored(orientation, width, height);
  const jpeg = await sharp(stored.data, { raw: { width: stored.width, height: stored.height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
  return orientation === 1 ? jpeg : sharp(jpeg).withMetadata({ orientation }).jpeg({ quality: 90 }).toBuffer();
}

/** The HEIC an iPhone would write for that picture: irot/imir for N, and EXIF Orientation N as well. */
export async function quadrantHeic(
  orientation: number,
  width = 600,
  height = 400,
  { transforms = true } = {},
): Promise<Buffer> {
  const jpeg = await quadrantJpeg(orientation, width, height);
  const exif = (await sharp(jpeg).metadata()).exif;
  return iphoneHeic({
    images: [{ encoded: await heifEnc(jpeg), transforms: transforms ? transformsFor(orientation) : [] }],
    exif,
  });
}

/** The HEIC twin of a camera JPEG: same stored pixels, same EXIF, its Orientation as irot/imir. */
export async function heicTwin(jpeg: Buffer): Promise<Buffer> {
  const meta = await sharp(jpeg).metadata();
  return iphoneHeic({
    images: [{ encoded: await heifEnc(jpeg), transforms: transformsFor(meta.orientation ?? 1) }],
    exif: meta.exif,
  });
}

/** The nearest quadrant colour at each corner region (centres of the outer 30% x 30%). */
export async function corners(image: Buffer | Sharp): Promise<{
  topLeft: QuadrantColour;
  topRight: QuadrantColour;
  bottomLeft: QuadrantColour;
  bottomRight: QuadrantColour;
}> {
  const { data, info } = await (Buffer.isBuffer(image) ? sharp(image) : image)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const at = (fx: number, fy: number): QuadrantColour => {
    const x = Math.floor(fx * info.width);
    const y = Math.floor(fy * info.height);
    const i = (y * info.width + x) * info.channels;
    const pixel = [data[i]!, data[i + 1]!, data[i + 2]!];
    let best: QuadrantColour = 'red';
    let bestDistance = Infinity;
    for (const [name, colour] of Object.entries(QUADRANT_COLOURS) as [QuadrantColour, readonly number[]][]) {
      const distance = colour.reduce((sum, c, k) => sum + (c - pixel[k]!) ** 2, 0);
      if (distance < bestDistance) [best, bestDistance] = [name, distance];
    }
    if (bestDistance > 60 ** 2) throw new Error(`pixel ${pixel} at (${x}, ${y}) is none of the quadrant colours`);
    return best;
  };
  return { topLeft: at(0.15, 0.15), topRight: at(0.85, 0.15), bottomLeft: at(0.15, 0.85), bottomRight: at(0.85, 0.85) };
}

/** Mean colour and an 8x8 miniature (RGB), to compare two renderings of one picture. */
export async function fingerprint(image: Buffer): Promise<{ mean: number[]; grid: Buffer }> {
  const stats = await sharp(image).removeAlpha().stats();
  const grid = await sharp(image).removeAlpha().resize(8, 8, { fit: 'fill' }).raw().toBuffer();
  return { mean: stats.channels.map((c) => c.mean), grid };
}

/** Mean absolute difference per channel value between two 8x8 miniatures. */
export function gridDifference(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** ISO-BMFF building blocks, big-endian, for crafting boxes in tests. */
export function latin1(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

export function u8(value: number): Buffer {
  return Buffer.from([value]);
}

export function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}

export function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}

export function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  return Buffer.concat([u32(body.length + 8), latin1(type), body]);
}

export function fullBox(type: string, version: number, flags: number, payload: Buffer[]): Buffer {
  return box(type, u32((version << 24) | flags), ...payload);
}

/** The EXIF an iPhone writes (camera, local time with its offset, position), for HEIC twins. */
export const IPHONE_EXIF = {
  make: 'Apple',
  model: 'iPhone 15 Pro',
  dateTimeOriginal: '2024:06:01 14:03:22',
  offsetTimeOriginal: '+02:00',
  gps: { latitude: 48.858222, longitude: 2.2945, altitude: 35 },
};

/**
 * Checks that a 600x400 quadrant picture (any orientation, any format) comes out upright: source
 * size, a 600x400 display size and a 320 square thumbnail, each with red at the top left.
 * Returns the display derivative for further checks.
 */
export async function expectUprightDerivatives(input: Buffer): Promise<Buffer> {
  const set = await makeDerivatives(input);
  expect(set.source).toEqual({ width: 600, height: 400 });
  const display = set.derivatives.find((d) => d.name === 'display')!;
  expect([display.width, display.height]).toEqual([600, 400]);
  expect(await corners(display.data)).toEqual(UPRIGHT);
  const thumbnail = set.derivatives.find((d) => d.name === 'thumbnail')!;
  expect([thumbnail.width, thumbnail.height]).toEqual([320, 320]);
  expect(await corners(thumbnail.data)).toEqual(UPRIGHT);
  return display.data;
}
