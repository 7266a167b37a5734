// Tiny real images made with sharp, for the tests that decode or sniff actual files.
import sharp from 'sharp';

export function solid(width: number, height: number, background = '#3366cc') {
  return sharp({ create: { width, height, channels: 3, background } });
}

export const jpeg = (width = 16, height = 12) => solid(width, height).jpeg().toBuffer();
export const png = (width = 16, height = 12) => solid(width, height).png().toBuffer();
export const webp = (width = 16, height = 12) => solid(width, height).webp().toBuffer();

/** A buffer starting with an ISO-BMFF `ftyp` box of the given major brand (what HEIC files begin with). */
export function ftyp(brand: string, compatible: string[] = ['mif1', 'heic']): Buffer {
  const body = Buffer.from(`ftyp${brand}\0\0\0\0${compatible.join('')}`, 'latin1');
  const size = Buffer.alloc(4);
  size.writeUInt32BE(body.length + 4);
  return Buffer.concat([size, body, Buffer.alloc(64)]);
}
