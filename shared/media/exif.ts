import exifr from 'exifr';
import sharp from 'sharp';
import type { GpsPosition, MediaMetadata } from '#shared/content/model';
import { heifExifExtents, parseHeifMeta } from '#shared/media/heif';
import { sniffImageKind } from '#shared/media/sniff';

const STRING_MAX = 64;

/** The raw tags exifr gives us that we keep; everything else in the file is ignored. */
export interface RawExif {
  Make?: unknown;
  Model?: unknown;
  DateTimeOriginal?: unknown;
  CreateDate?: unknown;
  OffsetTimeOriginal?: unknown;
  OffsetTimeDigitized?: unknown;
  OffsetTime?: unknown;
  LensModel?: unknown;
  LensMake?: unknown;
  latitude?: unknown;
  longitude?: unknown;
  GPSAltitude?: unknown;
  GPSAltitudeRef?: unknown;
}

/** Writers store an Exif item in one extent; more than this many is not read. */
const MAX_EXIF_EXTENTS = 4;

/** More EXIF than any camera writes (a JPEG's APP1 holds at most 64 KiB): a larger HEIF Exif item is not fetched. */
const HEIF_EXIF_MAX_BYTES = 1024 * 1024;

/**
 * Fetches `length` bytes of the file from `offset` (a ranged GET in the metadata function); fewer
 * or none where the file ends first. Any other failure throws, and the caller retries.
 */
export type ReadRange = (offset: number, length: number) => Promise<Buffer>;

/**
 * Reads the EXIF subset from the start of a file (a ranged GET is enough for JPEG and PNG).
 * exifr does not read WebP containers: for those, sharp hands over the raw EXIF (TIFF) block. For
 * HEIF the Exif item is found from the `meta` box (exifr ignores iloc's base offset, so it misses
 * the EXIF that libheif-based tools store after the image data); where that item lies beyond the
 * head, `readRange` fetches it.
 */
export async function readExif(head: Buffer, readRange?: ReadRange): Promise<RawExif | undefined> {
  // Outside the try below: a failed fetch (S3 unavailable) is retried, not taken for "no EXIF".
  const heifTiff = sniffImageKind(head) === 'heif' ? await heifExifTiff(head, readRange) : undefined;
  if (heifTiff === null) return undefined;
  try {
    let input = heifTiff ?? head;
    if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') {
      const exif = (await sharp(head).metadata()).exif;
      if (!exif) return undefined;
      input = exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? exif.subarray(6) : exif;
    }
    const parsed = (await exifr.parse(input, {
      // Only the blocks that hold what we keep.
      tiff: true,
      ifd0: { pick: ['Make', 'Model'] } as never,
      exif: {
        pick: [
          'DateTimeOriginal',
          'CreateDate',
          'OffsetTimeOriginal',
          'OffsetTimeDigitized',
          'OffsetTime',
          'LensModel',
          'LensMake',
        ],
      } as never,
      gps: true,
      interop: false,
      ifd1: false,
      xmp: false,
      icc: false,
      iptc: false,
      jfif: false,
      ihdr: false,
      makerNote: false,
      userComment: false,
      // Keep dates as the camera wrote them: "YYYY:MM:DD HH:MM:SS" is local time, not UTC.
      reviveValues: false,
    })) as RawExif | undefined;
    return parsed ?? undefined;
  } catch {
    // A file without EXIF, or EXIF we cannot parse, has no metadata to keep; that is not an error.
    return undefined;
  }
}

/**
 * The TIFF block of a HEIF's Exif item (after its 4-byte offset field), or null when the file has
 * no EXIF, its header cannot be read, or the item is out of reach.
 */
async function heifExifTiff(head: Buffer, readRange?: ReadRange): Promise<Buffer | null> {
  let extents: { offset: number; length: number }[] | undefined;
  try {
    extents = heifExifExtents(parseHeifMeta(head));
  } catch {
    // Not a HEIF header we can read: no EXIF. (Not exifr's turn either: its HEIF reader loops
    // forever on a box of size 0.)
    return null;
  }
  // Writers store EXIF in one extent. A length of 0 ("to the end of the file") or a swarm of
  // extents is not EXIF we read: it could only cost memory and requests.
  if (!extents || extents.length > MAX_EXIF_EXTENTS || extents.some((e) => e.length <= 0)) return null;
  const total = extents.reduce((sum, e) => sum + e.length, 0);
  if (total < 12 || total > HEIF_EXIF_MAX_BYTES) return null;
  // One ranged GET at most: from the first extent's start to the last one's end.
  const start = Math.min(...extents.map((e) => e.offset));
  const end = Math.max(...extents.map((e) => e.offset + e.length));
  if (!Number.isSafeInteger(end)) return null;
  let source = head;
  let base = 0;
  if (end > head.length) {
    if (!readRange || end - start > HEIF_EXIF_MAX_BYTES) return null;
    source = await readRange(start, end - start);
    base = start;
  }
  const parts = extents.map(({ offset, length }) => source.subarray(offset - base, offset - base + length));
  const item = Buffer.concat(parts);
  if (item.length !== total) return null;
  const tiffAt = 4 + item.readUInt32BE(0);
  return tiffAt + 8 <= item.length ? item.subarray(tiffAt) : null;
}

function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // Strip control characters and padding NULs cameras leave behind, then cap the length.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  const cleaned = value.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return cleaned ? cleaned.slice(0, STRING_MAX) : undefined;
}

const EXIF_DATE = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/;
const OFFSET = /^[+-](0\d|1[0-4]):[0-5]\d$/;

/** "2024:06:01 14:03:22" + "+02:00" -> "2024-06-01T14:03:22+02:00"; without an offset, local time. */
export function takenAt(date: unknown, offset: unknown): string | undefined {
  if (typeof date !== 'string') return undefined;
  const m = EXIF_DATE.exec(date);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}`;
  // Date.parse rolls 30 February over to 1 March: a real date reads back the same.
  const parsed = new Date(`${iso}Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 19) !== iso) return undefined;
  const off = typeof offset === 'string' ? offset.trim() : undefined;
  return off && OFFSET.test(off) ? `${iso}${off}` : iso;
}

function gps(raw: RawExif): GpsPosition | undefined {
  const { latitude, longitude } = raw;
  if (typeof latitude !== 'number' || typeof longitude !== 'number') return undefined;
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return undefined;
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return undefined;
  const position: GpsPosition = { latitude: round(latitude, 6), longitude: round(longitude, 6) };
  if (typeof raw.GPSAltitude === 'number' && Number.isFinite(raw.GPSAltitude)) {
    position.altitude = round(belowSeaLevel(raw.GPSAltitudeRef) ? -raw.GPSAltitude : raw.GPSAltitude, 1);
  }
  return position;
}

// GPSAltitudeRef is a BYTE: exifr returns it as a number or a one-byte array; 1 = below sea level.
function belowSeaLevel(ref: unknown): boolean {
  if (typeof ref === 'number') return ref === 1;
  if (ref instanceof Uint8Array) return ref[0] === 1;
  return false;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The bounded subset we store: taken-at (with offset), camera, GPS. Pure. */
export function exifSubset(raw: RawExif | undefined): MediaMetadata {
  if (!raw) return {};
  const out: MediaMetadata = {};
  // The moment of capture with its own offset; the digitized time (CreateDate) with its offset
  // when there is no original; the file's general OffsetTime only as the last resort.
  const when =
    raw.DateTimeOriginal !== undefined
      ? takenAt(raw.DateTimeOriginal, raw.OffsetTimeOriginal ?? raw.OffsetTimeDigitized ?? raw.OffsetTime)
      : takenAt(raw.CreateDate, raw.OffsetTimeDigitized ?? raw.OffsetTime);
  if (when) out.takenAt = when;
  const make = text(raw.Make);
  if (make) out.make = make;
  const model = text(raw.Model);
  if (model) out.model = model;
  const lens = text(raw.LensModel);
  if (lens) out.lens = lens;
  const position = gps(raw);
  if (position) out.gps = position;
  return out;
}
