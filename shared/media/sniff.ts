// Decides what a file is from its first bytes, never from the Content-Type the client sent.
// Written by hand (a dozen lines of magic numbers) rather than pulling in an ESM-only detector
// that knows hundreds of formats we refuse anyway; see docs/decisions.md.

export type ImageKind = 'jpeg' | 'png' | 'webp' | 'heif';

export function sniffImageKind(head: Uint8Array): ImageKind | undefined {
  const at = (i: number) => head[i];
  const ascii = (from: number, to: number) => Buffer.from(head.subarray(from, to)).toString('latin1');
  if (head.length >= 3 && at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'jpeg';
  if (head.length >= 8 && ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (head.length >= 12 && ascii(4, 8) === 'ftyp') {
    const brand = ascii(8, 12);
    if (['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1'].includes(brand)) return 'heif';
  }
  return undefined;
}
