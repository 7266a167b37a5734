import { exifSubset, readExif, takenAt } from '#shared/media/exif';
import { png, solid } from '../support/images';

describe('takenAt', () => {
  it('joins the EXIF date and its offset into ISO 8601', () => {
    expect(takenAt('2024:06:01 14:03:22', '+02:00')).toBe('2024-06-01T14:03:22+02:00');
  });

  it('accepts a negative offset', () => {
    expect(takenAt('2024:06:01 14:03:22', '-07:30')).toBe('2024-06-01T14:03:22-07:30');
  });

  it('gives local time without an offset when there is none', () => {
    expect(takenAt('2024:06:01 14:03:22', undefined)).toBe('2024-06-01T14:03:22');
  });

  it.each(['2:00', '+2:00', '+15:00', 'Z', '+02:60', 'garbage', '   '])('ignores the invalid offset %j', (offset) => {
    expect(takenAt('2024:06:01 14:03:22', offset)).toBe('2024-06-01T14:03:22');
  });

  it('ignores an offset that is not a string', () => {
    expect(takenAt('2024:06:01 14:03:22', 120)).toBe('2024-06-01T14:03:22');
  });

  it.each(['garbage', '', '2024-06-01', '0000:00:00 00:00:00', '    :  :     :  :  '])(
    'gives undefined for the unparseable date %j',
    (date) => {
      expect(takenAt(date, '+02:00')).toBeUndefined();
    },
  );

  it.each([
    '2024:13:45 14:03:22',
    '2024:02:30 10:00:00',
    '2023:02:29 10:00:00',
    '2024:06:31 10:00:00',
    '2024:06:01 24:00:00',
    '2024:06:01 25:00:00',
    '2024:06:01 14:61:00',
  ])('gives undefined for the impossible date %j', (date) => {
    expect(takenAt(date, '+02:00')).toBeUndefined();
  });

  it('accepts 29 February in a leap year', () => {
    expect(takenAt('2024:02:29 10:00:00', undefined)).toBe('2024-02-29T10:00:00');
  });

  it('gives undefined for a date that is not a string', () => {
    expect(takenAt(new Date('2024-06-01T14:03:22Z'), '+02:00')).toBeUndefined();
  });
});

describe('exifSubset', () => {
  it('returns an empty object for undefined', () => {
    expect(exifSubset(undefined)).toEqual({});
  });

  it('keeps make and model', () => {
    expect(exifSubset({ Make: 'Canon', Model: 'EOS R5' })).toEqual({ make: 'Canon', model: 'EOS R5' });
  });

  it('caps strings to 64 characters', () => {
    expect(exifSubset({ Make: 'x'.repeat(200) }).make).toBe('x'.repeat(64));
  });

  it('strips the control characters and padding NULs cameras leave', () => {
    expect(exifSubset({ Make: 'NIKON\u0000\u0000\u0000', Model: 'Z\u00076\r\n\u007f' })).toEqual({
      make: 'NIKON',
      model: 'Z6',
    });
  });

  it('drops a string that is only NULs and spaces', () => {
    expect(exifSubset({ Make: '\u0000\u0000  ' })).toEqual({});
  });

  it('drops values that are not strings', () => {
    expect(exifSubset({ Make: 42, Model: ['EOS'] })).toEqual({});
  });

  it('uses DateTimeOriginal with OffsetTimeOriginal', () => {
    const raw = {
      DateTimeOriginal: '2024:06:01 14:03:22',
      OffsetTimeOriginal: '+02:00',
      CreateDate: '2020:01:01 00:00:00',
      OffsetTime: '-05:00',
    };
    expect(exifSubset(raw).takenAt).toBe('2024-06-01T14:03:22+02:00');
  });

  it('falls back to CreateDate and OffsetTime', () => {
    expect(exifSubset({ CreateDate: '2020:01:01 08:30:00', OffsetTime: '-05:00' }).takenAt).toBe(
      '2020-01-01T08:30:00-05:00',
    );
  });

  it('keeps GPS rounded to 6 decimals', () => {
    expect(exifSubset({ latitude: 48.85669444444444, longitude: 2.2944999999999998 }).gps).toEqual({
      latitude: 48.856694,
      longitude: 2.2945,
    });
  });

  it('keeps the altitude rounded to 1 decimal', () => {
    expect(exifSubset({ latitude: 1, longitude: 2, GPSAltitude: 35.26, GPSAltitudeRef: 0 }).gps).toEqual({
      latitude: 1,
      longitude: 2,
      altitude: 35.3,
    });
  });

  it('makes the altitude negative when GPSAltitudeRef is 1', () => {
    expect(exifSubset({ latitude: 31.5, longitude: 35.5, GPSAltitude: 430, GPSAltitudeRef: 1 }).gps?.altitude).toBe(
      -430,
    );
  });

  it('makes the altitude negative when GPSAltitudeRef is the byte array [1]', () => {
    expect(
      exifSubset({ latitude: 31.5, longitude: 35.5, GPSAltitude: 430, GPSAltitudeRef: Uint8Array.of(1) }).gps?.altitude,
    ).toBe(-430);
  });

  it('keeps the altitude positive when GPSAltitudeRef is the byte array [0]', () => {
    expect(
      exifSubset({ latitude: 31.5, longitude: 35.5, GPSAltitude: 430, GPSAltitudeRef: Uint8Array.of(0) }).gps?.altitude,
    ).toBe(430);
  });

  it.each([
    [90.0001, 0],
    [-91, 0],
    [0, 180.5],
    [0, -181],
    [Number.NaN, 0],
    [0, Number.POSITIVE_INFINITY],
  ])('drops the out-of-range position %s, %s', (latitude, longitude) => {
    expect(exifSubset({ latitude, longitude })).not.toHaveProperty('gps');
  });

  it('accepts the extreme valid position -90, 180', () => {
    expect(exifSubset({ latitude: -90, longitude: 180 }).gps).toEqual({ latitude: -90, longitude: 180 });
  });

  it('drops a position with only a latitude', () => {
    expect(exifSubset({ latitude: 10 })).toEqual({});
  });

  it('ignores tags it does not keep', () => {
    expect(exifSubset({ Make: 'Canon', SerialNumber: '123', Software: 'x' } as never)).toEqual({ make: 'Canon' });
  });
});

describe('readExif', () => {
  it('reads camera, date with offset and GPS from a real JPEG', async () => {
    const file = await solid(16, 16)
      .jpeg()
      .withExif({
        IFD0: { Make: 'Acme', Model: 'Cam 1' },
        IFD2: { DateTimeOriginal: '2024:06:01 14:03:22', OffsetTimeOriginal: '+02:00' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '48/1 51/1 2410/100',
          GPSLongitudeRef: 'E',
          GPSLongitude: '2/1 17/1 4020/100',
          GPSAltitudeRef: '0',
          GPSAltitude: '35/1',
        },
      })
      .toBuffer();
    expect(exifSubset(await readExif(file))).toEqual({
      takenAt: '2024-06-01T14:03:22+02:00',
      make: 'Acme',
      model: 'Cam 1',
      gps: { latitude: 48.856694, longitude: 2.2945, altitude: 35 },
    });
  });

  it('reads a southern and western position as negative', async () => {
    const file = await solid(16, 16)
      .jpeg()
      .withExif({
        IFD3: {
          GPSLatitudeRef: 'S',
          GPSLatitude: '33/1 52/1 0/1',
          GPSLongitudeRef: 'W',
          GPSLongitude: '151/1 12/1 0/1',
        },
      })
      .toBuffer();
    expect(exifSubset(await readExif(file)).gps).toEqual({ latitude: -33.866667, longitude: -151.2 });
  });

  it('returns undefined for a PNG without EXIF', async () => {
    await expect(readExif(await png())).resolves.toBeUndefined();
  });

  it('returns undefined for random bytes', async () => {
    await expect(
      readExif(Buffer.from('definitely not an image, just some random text bytes')),
    ).resolves.toBeUndefined();
  });

  it('returns undefined for an empty buffer', async () => {
    await expect(readExif(Buffer.alloc(0))).resolves.toBeUndefined();
  });
});

describe('readExif on WebP', () => {
  it('reads the EXIF of a WebP, which exifr alone cannot open', async () => {
    const { default: sharp } = await import('sharp');
    const webp = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#888' } })
      .webp()
      .withExif({
        IFD0: { Make: 'Canon', Model: 'R5' },
        IFD2: { DateTimeOriginal: '2024:01:02 03:04:05', OffsetTimeOriginal: '-05:00' },
      })
      .toBuffer();
    expect(exifSubset(await readExif(webp))).toEqual({
      make: 'Canon',
      model: 'R5',
      takenAt: '2024-01-02T03:04:05-05:00',
    });
  });
});

describe('exifSubset: lens and offset fallbacks', () => {
  it('keeps the lens model, capped', () => {
    expect(exifSubset({ LensModel: 'RF24-105mm F4 L IS USM' }).lens).toBe('RF24-105mm F4 L IS USM');
    expect(exifSubset({ LensModel: 'L'.repeat(200) }).lens).toHaveLength(64);
  });

  it('takes the original time with its own offset first', () => {
    expect(
      exifSubset({ DateTimeOriginal: '2024:06:01 10:00:00', OffsetTimeOriginal: '+09:00', OffsetTime: '+01:00' })
        .takenAt,
    ).toBe('2024-06-01T10:00:00+09:00');
  });

  it('falls back to the digitized time with its offset', () => {
    expect(
      exifSubset({ CreateDate: '2024:06:01 10:00:00', OffsetTimeDigitized: '-03:00', OffsetTime: '+01:00' }).takenAt,
    ).toBe('2024-06-01T10:00:00-03:00');
  });

  it('uses the general OffsetTime only when nothing closer exists', () => {
    expect(exifSubset({ DateTimeOriginal: '2024:06:01 10:00:00', OffsetTime: '+05:30' }).takenAt).toBe(
      '2024-06-01T10:00:00+05:30',
    );
  });

  it('reads the lens and the digitized offset from a real JPEG', async () => {
    const { default: sharp } = await import('sharp');
    const jpg = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#444' } })
      .jpeg()
      .withExif({
        IFD0: { Make: 'Canon' },
        IFD2: { CreateDate: '2023:12:31 23:59:58', OffsetTimeDigitized: '+02:00', LensModel: 'EF50mm f/1.8' } as never,
      })
      .toBuffer();
    expect(exifSubset(await readExif(jpg))).toMatchObject({ make: 'Canon', lens: 'EF50mm f/1.8' });
  });
});
