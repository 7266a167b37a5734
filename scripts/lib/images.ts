// Test pictures made by code: a camera-like JPEG with EXIF (date with offset, camera, GPS).
import sharp from 'sharp';

export interface ExifFixture {
  make?: string;
  model?: string;
  dateTimeOriginal?: string; // "YYYY:MM:DD HH:MM:SS"
  offsetTimeOriginal?: string; // "+02:00"
  gps?: { latitude: number; longitude: number; altitude?: number };
  orientation?: number;
}

function dms(value: number): string {
  const abs = Math.abs(value);
  const d = Math.floor(abs);
  const m = Math.floor((abs - d) * 60);
  const s = Math.round(((abs - d) * 60 - m) * 60 * 100);
  return `${d}/1 ${m}/1 ${s}/100`;
}

/** A JPEG of the given size with shapes and texture, and the EXIF asked for. */
export async function makeJpeg(width: number, height: number, exif: ExifFixture = {}, quality = 85): Promise<Buffer> {
  // Shapes over sensor-like noise: it compresses like a photo (a 12 MP file is a few MB).
  const noise = await sharp({
    create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 24 } },
  })
    .png({ compressionLevel: 0 })
    .toBuffer();
  const base = sharp(Buffer.from(gradientSvg(width, height)))
    .composite([{ input: noise, blend: 'overlay' }])
    .jpeg({ quality });
  const IFD0: Record<string, string> = {};
  if (exif.make) IFD0.Make = exif.make;
  if (exif.model) IFD0.Model = exif.model;
  const IFD2: Record<string, string> = {};
  if (exif.dateTimeOriginal) IFD2.DateTimeOriginal = exif.dateTimeOriginal;
  if (exif.offsetTimeOriginal) IFD2.OffsetTimeOriginal = exif.offsetTimeOriginal;
  const IFD3: Record<string, string> = {};
  if (exif.gps) {
    IFD3.GPSLatitudeRef = exif.gps.latitude >= 0 ? 'N' : 'S';
    IFD3.GPSLatitude = dms(exif.gps.latitude);
    IFD3.GPSLongitudeRef = exif.gps.longitude >= 0 ? 'E' : 'W';
    IFD3.GPSLongitude = dms(exif.gps.longitude);
    if (exif.gps.altitude !== undefined) {
      IFD3.GPSAltitudeRef = exif.gps.altitude < 0 ? '1' : '0';
      IFD3.GPSAltitude = `${Math.round(Math.abs(exif.gps.altitude) * 10)}/10`;
    }
  }
  const withExif = base.withExif({ IFD0, IFD2, IFD3 });
  const jpeg = await withExif.toBuffer();
  if (!exif.orientation) return jpeg;
  // Orientation is written on its own: sharp sets it through withMetadata, keeping the EXIF above.
  return sharp(jpeg).withMetadata({ orientation: exif.orientation }).jpeg({ quality }).toBuffer();
}

function gradientSvg(width: number, height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#f4a259"/><stop offset="1" stop-color="#5b8e7d"/></linearGradient></defs>
  <rect width="100%" height="100%" fill="url(#g)"/>
  <circle cx="${width * 0.3}" cy="${height * 0.4}" r="${Math.min(width, height) * 0.2}" fill="#bc4b51" opacity="0.8"/>
  <rect x="${width * 0.55}" y="${height * 0.2}" width="${width * 0.3}" height="${height * 0.5}" fill="#8cb369" opacity="0.7"/>
</svg>`;
}
