import { sniffImageKind } from '#shared/media/sniff';
import { ftyp, jpeg, png, webp } from '../support/images';

const bytes = (...values: number[]) => Uint8Array.from(values);
const ascii = (text: string) => Buffer.from(text, 'latin1');

describe('sniffImageKind on magic bytes', () => {
  it('recognises a JPEG (FF D8 FF)', () => {
    expect(sniffImageKind(bytes(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10))).toBe('jpeg');
  });

  it('recognises a PNG signature', () => {
    expect(sniffImageKind(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13))).toBe('png');
  });

  it('recognises a WebP (RIFF....WEBP)', () => {
    expect(sniffImageKind(Buffer.concat([ascii('RIFF'), bytes(0x24, 0, 0, 0), ascii('WEBPVP8 ')]))).toBe('webp');
  });

  it('recognises HEIC by its ftyp heic brand', () => {
    expect(sniffImageKind(ftyp('heic'))).toBe('heif');
  });

  it('recognises HEIF by its ftyp mif1 brand', () => {
    expect(sniffImageKind(ftyp('mif1', ['heic']))).toBe('heif');
  });

  it('does not take an AVIF (ftyp avif) for HEIC', () => {
    expect(sniffImageKind(ftyp('avif', ['mif1', 'miaf']))).toBeUndefined();
  });

  it('does not take an MP4 (ftyp isom) for HEIC', () => {
    expect(sniffImageKind(ftyp('isom', ['mp41']))).toBeUndefined();
  });

  it('rejects plain text', () => {
    expect(sniffImageKind(ascii('hello, this is not an image at all'))).toBeUndefined();
  });

  it('rejects a PDF', () => {
    expect(sniffImageKind(ascii('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj'))).toBeUndefined();
  });

  it('rejects a GIF', () => {
    expect(sniffImageKind(Buffer.concat([ascii('GIF89a'), bytes(1, 0, 1, 0, 0x80, 0, 0)]))).toBeUndefined();
  });

  it('rejects SVG text', () => {
    expect(
      sniffImageKind(ascii('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>')),
    ).toBeUndefined();
  });

  it('rejects zero bytes', () => {
    expect(sniffImageKind(new Uint8Array(0))).toBeUndefined();
  });

  it('rejects a truncated two-byte JPEG start', () => {
    expect(sniffImageKind(bytes(0xff, 0xd8))).toBeUndefined();
  });

  it('rejects a RIFF file that is not WebP (WAV)', () => {
    expect(sniffImageKind(Buffer.concat([ascii('RIFF'), bytes(0x24, 0, 0, 0), ascii('WAVEfmt ')]))).toBeUndefined();
  });
});

describe('sniffImageKind on real images made by sharp', () => {
  it('recognises a JPEG', async () => {
    expect(sniffImageKind(await jpeg())).toBe('jpeg');
  });

  it('recognises a PNG', async () => {
    expect(sniffImageKind(await png())).toBe('png');
  });

  it('recognises a WebP', async () => {
    expect(sniffImageKind(await webp())).toBe('webp');
  });
});
