// Wide-gamut HEIC to sRGB. An iPhone tags its HEIC pictures Display P3 (a `colr` box holding an ICC
// profile, or an `nclx` box naming the primaries). libheif hands over the pixels in that space, and
// sharp takes raw pixels as sRGB: without this the derivatives come out duller than the picture.
// JPEG, PNG and WebP need none of it: libvips applies their embedded ICC profile itself. sharp
// cannot be given a profile for raw input, so the conversion is done here (see docs/decisions.md):
// decode with the source's tone curves, a 3x3 matrix to linear sRGB, encode with the sRGB curve.
// Matrix/TRC ICC profiles (every display profile a phone writes) and nclx primaries are understood;
// anything else is left as decoded, and says so.

export type Matrix3 = [[number, number, number], [number, number, number], [number, number, number]];
type Xy = [number, number];

/** Tone curve of one channel: stored value 0..1 to linear light 0..1. */
type ToneCurve = (value: number) => number;

export interface ColourConversion {
  /** Where the source space was read from, e.g. "ICC profile" or "nclx primaries 12". */
  source: string;
  /** Linear source RGB to linear sRGB. */
  matrix: Matrix3;
  /** The source's tone curves (R, G, B). */
  curves: [ToneCurve, ToneCurve, ToneCurve];
}

/** What to do with a picture's colour: convert it, nothing (already sRGB or untagged), or nothing because we cannot. */
export type ColourPlan =
  | { kind: 'convert'; conversion: ColourConversion }
  | { kind: 'srgb' }
  | { kind: 'unsupported'; reason: string };

const D65: Xy = [0.3127, 0.329];
const SRGB_PRIMARIES: [Xy, Xy, Xy] = [
  [0.64, 0.33],
  [0.3, 0.6],
  [0.15, 0.06],
];

/** ITU-T H.273 colour primaries we convert from (all with a D65 white point). 1 is sRGB/BT.709. */
const NCLX_PRIMARIES: Record<number, { name: string; xy: [Xy, Xy, Xy] }> = {
  1: { name: 'BT.709', xy: SRGB_PRIMARIES },
  5: {
    name: 'BT.601 625',
    xy: [
      [0.64, 0.33],
      [0.29, 0.6],
      [0.15, 0.06],
    ],
  },
  6: {
    name: 'BT.601 525',
    xy: [
      [0.63, 0.34],
      [0.31, 0.595],
      [0.155, 0.07],
    ],
  },
  9: {
    name: 'BT.2020',
    xy: [
      [0.708, 0.292],
      [0.17, 0.797],
      [0.131, 0.046],
    ],
  },
  12: {
    name: 'Display P3',
    xy: [
      [0.68, 0.32],
      [0.265, 0.69],
      [0.15, 0.06],
    ],
  },
};
/** H.273 transfer characteristics decoded with the sRGB curve: sRGB itself and the SDR video curves. */
const SRGB_LIKE_TRANSFER = new Set([1, 2, 6, 13, 14, 15]);

const srgbToLinear: ToneCurve = (v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
const linearToSrgb = (v: number) => (v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055);

/** The sRGB profile's colorants adapted to D50 (the ICC connection space), as lcms and libvips use them. */
const SRGB_D50: Matrix3 = [
  [0.4360747, 0.3850649, 0.1430804],
  [0.2225045, 0.7168786, 0.0606169],
  [0.0139322, 0.0971045, 0.7141733],
];

/** The plan for a picture tagged with an `nclx` box (ISO/IEC 23091-2 / H.273 code points). */
export function nclxPlan(primaries: number, transfer: number): ColourPlan {
  if (primaries === 1 || primaries === 2) return { kind: 'srgb' };
  const known = NCLX_PRIMARIES[primaries];
  if (!known) return { kind: 'unsupported', reason: `nclx colour primaries ${primaries} are not converted` };
  if (!SRGB_LIKE_TRANSFER.has(transfer))
    return {
      kind: 'unsupported',
      reason: `nclx transfer characteristics ${transfer} (HDR or unusual) are not converted`,
    };
  const matrix = multiply(invert(rgbToXyz(SRGB_PRIMARIES, D65)), rgbToXyz(known.xy, D65));
  return {
    kind: 'convert',
    conversion: { source: `nclx ${known.name}`, matrix, curves: [srgbToLinear, srgbToLinear, srgbToLinear] },
  };
}

/**
 * The plan for a picture carrying an ICC profile. Only RGB matrix/TRC profiles are read (colorants
 * rXYZ/gXYZ/bXYZ, curves rTRC/gTRC/bTRC); a profile that is sRGB within rounding needs nothing.
 * A malformed profile is unsupported, never an exception: the picture still processes.
 */
export function iccPlan(icc: Uint8Array): ColourPlan {
  let profile: MatrixProfile | string;
  try {
    profile = readMatrixProfile(icc);
  } catch (error) {
    // Every read is bounds-checked; this is the net under it: a broken profile never fails the picture.
    profile = `unreadable (${(error as Error).message})`;
  }
  if (typeof profile === 'string') return { kind: 'unsupported', reason: `ICC profile not converted: ${profile}` };
  const matrix = multiply(invert(SRGB_D50), profile.colorants);
  const srgbCurves = profile.curves.every((curve) =>
    [0.02, 0.2, 0.5, 0.8].every((v) => Math.abs(curve(v) - srgbToLinear(v)) < 0.002),
  );
  if (srgbCurves && isIdentity(matrix, 0.002)) return { kind: 'srgb' };
  return {
    kind: 'convert',
    conversion: {
      source: `ICC profile${profile.description ? ` "${profile.description}"` : ''}`,
      matrix,
      curves: profile.curves,
    },
  };
}

/**
 * Converts 8-bit RGBA (or RGB with `channels` 3) in place: each channel through its tone curve
 * (a 256-entry table), the matrix, clipped to the sRGB gamut, then the sRGB curve (a 4096-entry
 * table over linear light, finer than one 8-bit step). Alpha is left alone.
 */
export function convertToSrgb(pixels: Uint8Array, conversion: ColourConversion, channels: 3 | 4 = 4): void {
  const STEPS = 4095;
  const encode = Uint8Array.from({ length: STEPS + 1 }, (_, i) => Math.round(255 * linearToSrgb(i / STEPS)));
  // table[out][in][v]: the share of input channel `in` at value v in output channel `out`, already
  // scaled to the encode table's index (and offset by half a step, so truncating rounds).
  const linear = conversion.curves.map((curve) => Array.from({ length: 256 }, (_, v) => curve(v / 255)));
  const table = conversion.matrix.map((row) =>
    row.map((m, input) => Float32Array.from(linear[input]!, (l) => m * l * STEPS + (input === 0 ? 0.5 : 0))),
  ) as [Float32Array, Float32Array, Float32Array][];
  const [[rr, rg, rb], [gr, gg, gb], [br, bg, bb]] = table as [
    [Float32Array, Float32Array, Float32Array],
    [Float32Array, Float32Array, Float32Array],
    [Float32Array, Float32Array, Float32Array],
  ];
  const at = (v: number) => (v <= 0 ? 0 : v >= STEPS ? STEPS : v | 0);
  for (let i = 0; i + 2 < pixels.length; i += channels) {
    const r = pixels[i]!;
    const g = pixels[i + 1]!;
    const b = pixels[i + 2]!;
    pixels[i] = encode[at(rr[r]! + rg[g]! + rb[b]!)]!;
    pixels[i + 1] = encode[at(gr[r]! + gg[g]! + gb[b]!)]!;
    pixels[i + 2] = encode[at(br[r]! + bg[g]! + bb[b]!)]!;
  }
}

interface MatrixProfile {
  description?: string;
  /** Columns: the red, green and blue colorants in D50 XYZ. */
  colorants: Matrix3;
  curves: [ToneCurve, ToneCurve, ToneCurve];
}

/** An RGB matrix/TRC profile's colorants and curves, or why it is not one we read. */
function readMatrixProfile(icc: Uint8Array): MatrixProfile | string {
  if (icc.length < 132) return 'shorter than its header';
  const view = new DataView(icc.buffer, icc.byteOffset, icc.byteLength);
  const text = (at: number, length: number) => Buffer.from(icc.subarray(at, at + length)).toString('latin1');
  if (text(16, 4) !== 'RGB ') return `colour space "${text(16, 4).trim()}" is not RGB`;
  const count = view.getUint32(128);
  if (count > 200 || 132 + count * 12 > icc.length) return 'its tag table runs past the end';
  const tags = new Map<string, DataView>();
  for (let t = 0; t < count; t++) {
    const at = 132 + t * 12;
    const offset = view.getUint32(at + 4);
    const size = view.getUint32(at + 8);
    if (offset + size > icc.length || size < 8) return `tag ${text(at, 4)} runs past the end`;
    tags.set(text(at, 4), new DataView(icc.buffer, icc.byteOffset + offset, size));
  }
  const colorant = (sig: string): [number, number, number] | undefined => {
    const tag = tags.get(sig);
    if (!tag || tag.byteLength < 20 || fourcc(tag, 0) !== 'XYZ ') return undefined;
    return [tag.getInt32(8) / 65536, tag.getInt32(12) / 65536, tag.getInt32(16) / 65536];
  };
  const [red, green, blue] = ['rXYZ', 'gXYZ', 'bXYZ'].map(colorant);
  if (!red || !green || !blue) return 'no rXYZ/gXYZ/bXYZ colorants (not a matrix/TRC profile)';
  const curves = ['rTRC', 'gTRC', 'bTRC'].map((sig) => {
    const tag = tags.get(sig);
    return tag ? toneCurve(tag) : `no ${sig}`;
  });
  const bad = curves.find((c): c is string => typeof c === 'string');
  if (bad) return bad;
  const colorants: Matrix3 = [
    [red[0], green[0], blue[0]],
    [red[1], green[1], blue[1]],
    [red[2], green[2], blue[2]],
  ];
  if (!colorants.flat().every(Number.isFinite) || Math.abs(determinant(colorants)) < 1e-6)
    return 'its colorants do not span a colour space';
  return { description: description(tags.get('desc')), colorants, curves: curves as [ToneCurve, ToneCurve, ToneCurve] };
}

/** A `curv` or `para` tag as a function (ICC.1:2010 10.6 and 10.18). */
function toneCurve(tag: DataView): ToneCurve | string {
  const type = fourcc(tag, 0);
  const clamp = (v: number) => Math.min(Math.max(v, 0), 1);
  if (type === 'curv' && tag.byteLength >= 12) {
    const n = tag.getUint32(8);
    if (12 + n * 2 > tag.byteLength) return 'a curv tag runs past its end';
    if (n === 0) return (v) => v;
    if (n === 1) {
      const gamma = tag.getUint16(12) / 256;
      return (v) => clamp(v) ** gamma;
    }
    const table = Array.from({ length: n }, (_, i) => tag.getUint16(12 + i * 2) / 65535);
    return (v) => {
      const x = clamp(v) * (n - 1);
      const i = Math.min(n - 2, Math.floor(x));
      return table[i]! + (table[i + 1]! - table[i]!) * (x - i);
    };
  }
  if (type === 'para' && tag.byteLength >= 16) {
    const fn = tag.getUint16(8);
    const arity = [1, 3, 4, 5, 7][fn];
    if (arity === undefined || 12 + arity * 4 > tag.byteLength)
      return `para function type ${fn} is not one ICC defines`;
    const [g, a = 1, b = 0, c = 0, d = 0, e = 0, f = 0] = Array.from(
      { length: arity },
      (_, i) => tag.getInt32(12 + i * 4) / 65536,
    ) as number[];
    const power = (x: number) => (x > 0 ? x ** g! : 0);
    const forms: ToneCurve[] = [
      (x) => power(x),
      (x) => (x >= -b / a ? power(a * x + b) : 0),
      (x) => (x >= -b / a ? power(a * x + b) + c : c),
      (x) => (x >= d ? power(a * x + b) : c * x),
      (x) => (x >= d ? power(a * x + b) + e : c * x + f),
    ];
    const form = forms[fn]!;
    return (v) => clamp(form(clamp(v)));
  }
  return `tone curve of type "${type.trim()}" is not read`;
}

/** The profile's name from a v2 `desc` (ASCII) or v4 `mluc` (first record, UTF-16) tag. */
function description(tag: DataView | undefined): string | undefined {
  if (!tag || tag.byteLength < 12) return undefined;
  const bytes = new Uint8Array(tag.buffer, tag.byteOffset, tag.byteLength);
  let name: string | undefined;
  if (fourcc(tag, 0) === 'desc') {
    const length = tag.getUint32(8);
    if (12 + length <= tag.byteLength) name = Buffer.from(bytes.subarray(12, 12 + length)).toString('latin1');
  } else if (fourcc(tag, 0) === 'mluc' && tag.byteLength >= 28) {
    const length = tag.getUint32(20);
    const offset = tag.getUint32(24);
    const even = length & ~1;
    if (offset + even <= tag.byteLength)
      name = Buffer.from(bytes.subarray(offset, offset + even))
        .swap16()
        .toString('utf16le');
  }
  const clean = name
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    ?.replace(/[\u0000-\u001f]/g, '')
    .trim()
    .slice(0, 64);
  return clean || undefined;
}

function fourcc(view: DataView, at: number): string {
  return String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));
}

/** RGB (linear) to XYZ for primaries and a white point given as xy chromaticities. */
function rgbToXyz(primaries: [Xy, Xy, Xy], white: Xy): Matrix3 {
  const columns = primaries.map(([x, y]) => [x / y, 1, (1 - x - y) / y]);
  const m: Matrix3 = [0, 1, 2].map((row) => columns.map((c) => c[row]!)) as Matrix3;
  const w = [white[0] / white[1], 1, (1 - white[0] - white[1]) / white[1]];
  const inv = invert(m);
  const scale = inv.map((row) => row[0] * w[0]! + row[1] * w[1]! + row[2] * w[2]!);
  return m.map((row) => row.map((v, j) => v * scale[j]!)) as Matrix3;
}

function multiply(a: Matrix3, b: Matrix3): Matrix3 {
  return a.map((row) => [0, 1, 2].map((j) => row[0] * b[0][j]! + row[1] * b[1][j]! + row[2] * b[2][j]!)) as Matrix3;
}

function determinant(m: Matrix3): number {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
}

function invert(m: Matrix3): Matrix3 {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const det = determinant(m);
  const adjugate: Matrix3 = [
    [e * i - f * h, c * h - b * i, b * f - c * e],
    [f * g - d * i, a * i - c * g, c * d - a * f],
    [d * h - e * g, b * g - a * h, a * e - b * d],
  ];
  return adjugate.map((row) => row.map((v) => v / det)) as Matrix3;
}

function isIdentity(m: Matrix3, tolerance: number): boolean {
  return m.every((row, i) => row.every((v, j) => Math.abs(v - (i === j ? 1 : 0)) < tolerance));
}
