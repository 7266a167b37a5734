// HEIF/HEIC (iPhone photos). sharp's prebuilt libvips parses HEIF containers but has no HEVC
// decoder, so the pixels come from libheif compiled to WebAssembly (heic-decode). The header (size,
// transformations, item locations) is read here by hand: libvips refuses a file cut short, and the
// metadata function only fetches the first 256 KiB. See docs/decisions.md.
import type { DecodedImage, TopLevelImage } from 'heic-decode';
import { RejectedMediaError } from '#shared/media/model';
import { convertToSrgb, iccPlan, nclxPlan, type ColourPlan } from '#shared/media/colour';

/**
 * Below the general limit (MAX_INPUT_PIXELS, 100 MP): libheif decodes the whole picture to RGBA in
 * WebAssembly memory and heic-decode copies it out, about 12 bytes per pixel at the peak. Measured
 * (Node 20): 12 MP 280 MB, 48 MP 650 MB, 100 MP 1.2 GB of RSS, and the thumbnail function has
 * 1024 MB. 50 MP keeps the 48 MP of an iPhone's largest HEIC.
 */
export const MAX_HEIF_PIXELS = 50_000_000;

/** Item extents, and property associations, read from one file at most: files have a handful. */
const MAX_ENTRIES = 10_000;

export class HeifFormatError extends Error {
  override name = 'HeifFormatError';
}

interface HeifProperty {
  type: string;
  /** Marked essential in `ipma`: a reader that does not know it must not show the item. */
  essential: boolean;
  /** The box, header included. */
  box: Uint8Array;
  /** The box without its 8-byte (or 16-byte) header; a full box's version and flags come first. */
  payload: Uint8Array;
}

interface HeifItem {
  id: number;
  /** `hvc1`, `grid`, `Exif`, `mime`, ... (empty for version 0 and 1 `infe` boxes). */
  type: string;
  hidden: boolean;
  /** In `ipma` order, which is the order transformations apply in. */
  properties: HeifProperty[];
  /** Absolute file positions of the item's data; absent unless stored in the file (construction method 0). */
  extents?: { offset: number; length: number }[];
}

export interface HeifMeta {
  primaryId: number;
  items: Map<number, HeifItem>;
  /** `iref` entries, e.g. `cdsc` from an Exif item to the image it describes. */
  references: { type: string; from: number; to: number[] }[];
}

/**
 * Reads the `meta` box of a HEIF file: items, their properties and where their data is. `meta`
 * comes before the image data in the files phones write, so the head of a file is enough; throws
 * HeifFormatError when it is not (or when the boxes are malformed).
 */
export function parseHeifMeta(file: Uint8Array): HeifMeta {
  const r = new Reader(file);
  const top = r.boxes(0, file.length, { allowOverrun: true });
  if (top[0]?.type !== 'ftyp') throw new HeifFormatError('not an ISO-BMFF file: no ftyp box first');
  const metaBox = top.find((b) => b.type === 'meta');
  if (!metaBox) throw new HeifFormatError(`no meta box in the first ${file.length} bytes`);
  if (metaBox.end > file.length) throw new HeifFormatError('the meta box is cut short');
  const children = r.boxes(metaBox.start + 4, metaBox.end);
  const child = (type: string) => children.find((b) => b.type === type);

  const pitm = child('pitm');
  if (!pitm) throw new HeifFormatError('no primary item (pitm)');
  const primaryId = r.u8(pitm.start) === 0 ? r.u16(pitm.start + 4) : r.u32(pitm.start + 4);

  const items = new Map<number, HeifItem>();
  const iinf = child('iinf');
  if (iinf) {
    const version = r.u8(iinf.start);
    const first = iinf.start + 4 + (version === 0 ? 2 : 4);
    for (const infe of r.boxes(first, iinf.end).filter((b) => b.type === 'infe')) {
      const v = r.u8(infe.start);
      const hidden = (r.u32(infe.start) & 1) === 1;
      if (v >= 2) {
        const id = v === 2 ? r.u16(infe.start + 4) : r.u32(infe.start + 4);
        const typeAt = infe.start + 4 + (v === 2 ? 2 : 4) + 2;
        items.set(id, { id, type: r.fourcc(typeAt), hidden, properties: [] });
      } else {
        const id = r.u16(infe.start + 4);
        items.set(id, { id, type: '', hidden, properties: [] });
      }
    }
  }
  const item = (id: number) => {
    let found = items.get(id);
    if (!found) {
      found = { id, type: '', hidden: false, properties: [] };
      items.set(id, found);
    }
    return found;
  };

  const iprp = child('iprp');
  if (iprp) {
    const parts = r.boxes(iprp.start, iprp.end);
    const ipco = parts.find((b) => b.type === 'ipco');
    const properties = ipco ? r.boxes(ipco.start, ipco.end) : [];
    let associations = 0;
    for (const ipma of parts.filter((b) => b.type === 'ipma')) {
      const version = r.u8(ipma.start);
      const wide = (r.u32(ipma.start) & 1) === 1;
      let at = ipma.start + 4;
      const entries = r.u32(at);
      at += 4;
      for (let e = 0; e < entries; e++) {
        r.within(at, version < 1 ? 3 : 5, ipma);
        const id = version < 1 ? r.u16(at) : r.u32(at);
        at += version < 1 ? 2 : 4;
        const count = r.u8(at++);
        r.within(at, count * (wide ? 2 : 1), ipma);
        associations += count;
        if (associations > MAX_ENTRIES) throw new HeifFormatError(`more than ${MAX_ENTRIES} property associations`);
        for (let a = 0; a < count; a++) {
          const raw = wide ? r.u16(at) : r.u8(at);
          at += wide ? 2 : 1;
          const index = raw & (wide ? 0x7fff : 0x7f);
          if (index === 0) continue;
          const p = properties[index - 1];
          if (!p) throw new HeifFormatError(`ipma refers to property ${index}, ipco has ${properties.length}`);
          item(id).properties.push({
            type: p.type,
            essential: (raw & (wide ? 0x8000 : 0x80)) !== 0,
            box: file.subarray(p.offset, p.end),
            payload: file.subarray(p.start, p.end),
          });
        }
      }
    }
  }

  const iloc = child('iloc');
  if (iloc) {
    const version = r.u8(iloc.start);
    let at = iloc.start + 4;
    const sizes = r.u16(at);
    at += 2;
    const [offsetSize, lengthSize, baseSize] = [sizes >> 12, (sizes >> 8) & 15, (sizes >> 4) & 15];
    const indexSize = version >= 1 ? sizes & 15 : 0;
    const count = version < 2 ? r.u16(at) : r.u32(at);
    at += version < 2 ? 2 : 4;
    let allExtents = 0;
    for (let i = 0; i < count; i++) {
      const header = (version < 2 ? 2 : 4) + (version >= 1 ? 2 : 0) + 2 + baseSize + 2;
      r.within(at, header, iloc);
      const id = version < 2 ? r.u16(at) : r.u32(at);
      at += version < 2 ? 2 : 4;
      const method = version >= 1 ? r.u16(at) & 15 : 0;
      if (version >= 1) at += 2;
      const dataReference = r.u16(at);
      const base = r.uint(at + 2, baseSize);
      at += 2 + baseSize;
      const extentCount = r.u16(at);
      at += 2;
      // Extents of zero-byte fields take no room in the box: the count itself is capped.
      allExtents += extentCount;
      if (allExtents > MAX_ENTRIES) throw new HeifFormatError(`more than ${MAX_ENTRIES} item extents`);
      r.within(at, extentCount * (indexSize + offsetSize + lengthSize), iloc);
      const extents: { offset: number; length: number }[] = [];
      for (let e = 0; e < extentCount; e++) {
        at += indexSize;
        const offset = base + r.uint(at, offsetSize);
        if (!Number.isSafeInteger(offset)) throw new HeifFormatError(`item ${id} has an extent offset past 2^53`);
        extents.push({ offset, length: r.uint(at + offsetSize, lengthSize) });
        at += offsetSize + lengthSize;
      }
      // Method 1 (idat) and 2 (item offset), or data in another file, are not file positions.
      if (method === 0 && dataReference === 0) item(id).extents = extents;
    }
  }

  const references: HeifMeta['references'] = [];
  const iref = child('iref');
  if (iref) {
    const wide = r.u8(iref.start) !== 0;
    const id = (at: number) => (wide ? r.u32(at) : r.u16(at));
    const size = wide ? 4 : 2;
    for (const ref of r.boxes(iref.start + 4, iref.end)) {
      r.within(ref.start, size + 2, ref);
      const count = r.u16(ref.start + size);
      r.within(ref.start + size + 2, count * size, ref);
      const to = Array.from({ length: count }, (_, k) => id(ref.start + size + 2 + k * size));
      references.push({ type: ref.type, from: id(ref.start), to });
    }
  }
  return { primaryId, items, references };
}

/**
 * The primary image's size as shown: its `ispe`, then its clean aperture (`clap`) and rotation
 * (`irot`) in `ipma` order, as libheif applies them. Mirroring (`imir`) keeps the size. EXIF
 * Orientation plays no part: in HEIF it is informative only (ISO/IEC 23008-12); the file's own
 * transformations say how to show the picture.
 */
export function heifImageSize(meta: HeifMeta): { width: number; height: number } | undefined {
  const properties = meta.items.get(meta.primaryId)?.properties ?? [];
  const ispe = properties.find((p) => p.type === 'ispe');
  if (!ispe || ispe.payload.length < 12) return undefined;
  const view = new DataView(ispe.payload.buffer, ispe.payload.byteOffset, ispe.payload.byteLength);
  let width = view.getUint32(4);
  let height = view.getUint32(8);
  for (const p of properties) {
    const pv = new DataView(p.payload.buffer, p.payload.byteOffset, p.payload.byteLength);
    if (p.type === 'irot' && p.payload.length >= 1 && (pv.getUint8(0) & 3) % 2 === 1) [width, height] = [height, width];
    if (p.type === 'clap' && p.payload.length >= 16 && pv.getUint32(4) > 0 && pv.getUint32(12) > 0) {
      width = Math.round(pv.getUint32(0) / pv.getUint32(4));
      height = Math.round(pv.getUint32(8) / pv.getUint32(12));
    }
  }
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/**
 * Where the EXIF of the primary image is: the data of the `Exif` item that describes it (`cdsc`),
 * or of the only `Exif` item. Offsets are file positions with iloc's base offset applied, which
 * matters for files written by libheif-based tools: they store EXIF after the image data.
 */
export function heifExifExtents(meta: HeifMeta): { offset: number; length: number }[] | undefined {
  const exifItems = [...meta.items.values()].filter((i) => i.type === 'Exif' && i.extents && i.extents.length > 0);
  const describing = exifItems.find((i) =>
    meta.references.some((r) => r.type === 'cdsc' && r.from === i.id && r.to.includes(meta.primaryId)),
  );
  return (describing ?? (exifItems.length === 1 ? exifItems[0] : undefined))?.extents;
}

/** The shown size from the head of a file, or undefined when the head does not tell. */
export function heifHeaderSize(head: Uint8Array): { width: number; height: number } | undefined {
  try {
    return heifImageSize(parseHeifMeta(head));
  } catch {
    return undefined;
  }
}

export interface DecodedHeif {
  /** Size as shown: libheif has applied the HEIF transformations (irot, imir, clap). */
  width: number;
  height: number;
  /** RGBA, 8 bits per channel. */
  data: Buffer;
  /** Every alpha value is 255: the alpha channel can be dropped. */
  opaque: boolean;
  /** What was done to the colours: "sRGB" (nothing needed), "converted from ..." or "left as decoded: ...". */
  colour: string;
}

/**
 * How the primary image's colours become sRGB, from its `colr` property: an ICC profile (`prof`,
 * `rICC`) is preferred to `nclx` code points when a file has both; none at all means sRGB.
 */
export function heifColourPlan(meta: HeifMeta): ColourPlan {
  const colr = (meta.items.get(meta.primaryId)?.properties ?? []).filter(
    (p) => p.type === 'colr' && p.payload.length >= 4,
  );
  const kind = (p: HeifProperty) => Buffer.from(p.payload.subarray(0, 4)).toString('latin1');
  const icc = colr.find((p) => kind(p) === 'prof' || kind(p) === 'rICC');
  if (icc) return iccPlan(icc.payload.subarray(4));
  const nclx = colr.find((p) => kind(p) === 'nclx' && p.payload.length >= 10);
  if (nclx) {
    const view = new DataView(nclx.payload.buffer, nclx.payload.byteOffset, nclx.payload.byteLength);
    return nclxPlan(view.getUint16(4), view.getUint16(6));
  }
  return { kind: 'srgb' };
}

/**
 * Decodes the primary image of a HEIF file to RGBA. The size is checked against `maxPixels` from
 * the header, before libheif allocates anything. Whatever goes wrong (malformed boxes, a missing
 * decoder, a broken HEVC stream, an error thrown by the WebAssembly module) becomes a
 * RejectedMediaError with a reason; a decode that never answers is given up after `timeoutSeconds`.
 */
export async function decodeHeif(
  input: Uint8Array,
  { maxPixels = MAX_HEIF_PIXELS, timeoutSeconds = 20 } = {},
): Promise<DecodedHeif> {
  // The size from our own reading of the header, checked before libheif sees the file. Where that
  // reading fails, libheif is the judge (and its image sizes are checked before decoding too).
  let meta: HeifMeta | undefined;
  try {
    meta = parseHeifMeta(input);
  } catch {
    // libheif is the judge of a header we cannot read.
  }
  const expected = meta && heifImageSize(meta);
  if (expected) checkPixels(expected, maxPixels);
  const plan: ColourPlan = meta ? heifColourPlan(meta) : { kind: 'srgb' };
  const heic = await loadDecoder();
  return exclusive(() =>
    capturingLibheifLog(async (log) => {
      let images: Awaited<ReturnType<typeof heic.all>> | undefined;
      try {
        images = await heic.all({ buffer: input });
        // heic-decode lists the top-level images without saying which is primary: take the one of
        // the primary's size (phones write a single top-level image; extra ones are rare).
        const image: TopLevelImage | undefined =
          images.find((i) => i.width === expected?.width && i.height === expected?.height) ?? images[0];
        if (!image) throw new Error('no image in the file');
        checkPixels(image, maxPixels);
        // libheif runs synchronously (a timer cannot cut it short); this only ends a decode whose
        // callback never comes: libheif-js's display() decodes in a setTimeout callback, and an
        // error thrown there never reaches heic-decode's promise.
        const decoded: DecodedImage = await withTimeout(image.decode(), timeoutSeconds * 1000);
        const { width, height, data } = decoded;
        if (!(width > 0 && height > 0) || data.length !== width * height * 4)
          throw new Error(`decoder returned ${data.length} bytes for ${width}x${height}`);
        const pixels = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        // In place: a 12 MP picture is 48 MB of RGBA already, and the conversion keeps no copy.
        if (plan.kind === 'convert') convertToSrgb(pixels, plan.conversion);
        const colour =
          plan.kind === 'convert'
            ? `converted from ${plan.conversion.source}`
            : plan.kind === 'srgb'
              ? 'sRGB'
              : `left as decoded: ${plan.reason}`;
        return { width, height, data: pixels, opaque: isOpaque(data), colour };
      } catch (error) {
        throw rejection(error, log);
      } finally {
        try {
          images?.dispose();
        } catch {
          // Freeing libheif's handles failed: nothing more to do for this file.
        }
      }
    }),
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the decoder did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function checkPixels({ width, height }: { width: number; height: number }, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new RejectedMediaError(
      'too-many-pixels',
      `Image too large: ${width}x${height} pixels, the limit is ${maxPixels / 1e6} megapixels for HEIC/HEIF.`,
    );
  }
}

function isOpaque(rgba: Uint8ClampedArray): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return false;
  return true;
}

/** libheif's reason (it logs it, heic-decode then throws a generic error) or the error's own message. */
function rejection(error: unknown, log: string[] = []): RejectedMediaError {
  if (error instanceof RejectedMediaError) return error;
  const message = log.at(-1) ?? (error instanceof Error ? error.message : String(error));
  return new RejectedMediaError('undecodable', `Could not decode the image: ${message.split('\n')[0]}`);
}

// heic-decode instantiates libheif's WebAssembly module when loaded (about 100 ms): only on the
// first HEIF, so the functions that never see one do not pay for it.
type HeicDecode = typeof import('heic-decode');
let decoder: Promise<HeicDecode> | undefined;
function loadDecoder(): Promise<HeicDecode> {
  if (!decoder) {
    decoder = import('heic-decode').then((m) => ((m as { default?: HeicDecode }).default ?? m) as HeicDecode);
    // A failed load is this environment's problem, not the file's: it throws (and is retried).
    decoder.catch(() => (decoder = undefined));
  }
  return decoder;
}

// One decode at a time: libheif runs synchronously on this thread anyway, and two large pictures
// at once would double the peak memory.
let queue: Promise<unknown> = Promise.resolve();
function exclusive<T>(task: () => Promise<T>): Promise<T> {
  const result = queue.then(task, task);
  queue = result.catch(() => undefined);
  return result;
}

// libheif-js reports what went wrong with console.log (several lines, with object dumps) and then
// returns nothing; heic-decode throws a generic "HEIF image not found". While a decode runs, those
// messages are kept as the rejection reason instead of reaching the function's log; anything else
// logged meanwhile goes through.
const LIBHEIF_MESSAGE =
  /^(Could not parse HEIF file|Could not create HEIF context|Error loading image ids|No images found|Could not get image data for id|Decoding image failed)/;

async function capturingLibheifLog<T>(task: (log: string[]) => Promise<T>): Promise<T> {
  const log: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && LIBHEIF_MESSAGE.test(args[0])) log.push(describe(args));
    else original.apply(console, args);
  };
  try {
    return await task(log);
  } finally {
    console.log = original;
  }
}

/** ("Could not parse HEIF file", "Invalid input: ...") or (msg, handle, {message}) -> the detail. */
function describe(args: unknown[]): string {
  const details = args.slice(1).flatMap((a) => {
    if (typeof a === 'string') return [a];
    if (a && typeof a === 'object' && typeof (a as { message?: unknown }).message === 'string')
      return [(a as { message: string }).message];
    return [];
  });
  return `libheif: ${details.at(-1) ?? String(args[0])}`;
}

interface RawBox {
  type: string;
  /** Where the box starts (its header). */
  offset: number;
  /** Where its payload starts and where the box ends. */
  start: number;
  end: number;
}

/** Bounds-checked big-endian reads: a malformed file throws HeifFormatError, never reads garbage. */
class Reader {
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private check(at: number, size: number): void {
    if (at < 0 || at + size > this.bytes.length)
      throw new HeifFormatError(`read past the end of the data (${size} bytes at ${at} of ${this.bytes.length})`);
  }

  u8(at: number): number {
    this.check(at, 1);
    return this.view.getUint8(at);
  }

  u16(at: number): number {
    this.check(at, 2);
    return this.view.getUint16(at);
  }

  u32(at: number): number {
    this.check(at, 4);
    return this.view.getUint32(at);
  }

  u64(at: number): number {
    this.check(at, 8);
    const value = this.view.getBigUint64(at);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new HeifFormatError(`64-bit value at ${at} is too large`);
    return Number(value);
  }

  /** Throws unless `size` bytes from `at` lie inside the box: a count must not reach past its box. */
  within(at: number, size: number, box: RawBox): void {
    if (at + size > box.end)
      throw new HeifFormatError(`${box.type} box at ${box.offset} is shorter than its counts say`);
  }

  /** An unsigned integer of 0, 4 or 8 bytes, as `iloc` declares its field sizes. */
  uint(at: number, size: number): number {
    if (size === 0) return 0;
    if (size === 4) return this.u32(at);
    if (size === 8) return this.u64(at);
    throw new HeifFormatError(`unsupported field size ${size}`);
  }

  fourcc(at: number): string {
    this.check(at, 4);
    return Buffer.from(this.bytes.subarray(at, at + 4)).toString('latin1');
  }

  /** The boxes in [start, end). With allowOverrun the last one may run past the data (an mdat not fetched). */
  boxes(start: number, end: number, { allowOverrun = false } = {}): RawBox[] {
    const found: RawBox[] = [];
    let at = start;
    while (at + 8 <= end) {
      let size = this.u32(at);
      const type = this.fourcc(at + 4);
      let header = 8;
      if (size === 1) {
        size = this.u64(at + 8);
        header = 16;
      } else if (size === 0) {
        size = end - at;
      }
      if (size < header) throw new HeifFormatError(`${type} box at ${at} is smaller than its header`);
      if (at + size > end && !allowOverrun) throw new HeifFormatError(`${type} box at ${at} runs past its container`);
      found.push({ type, offset: at, start: at + header, end: at + size });
      if (found.length > 10_000) throw new HeifFormatError('too many boxes');
      at += size;
    }
    return found;
  }
}
