// HEIC/HEIF: the hand-read header, decoding through libheif (WebAssembly) into the same sharp
// pipeline, orientation by the file's own irot/imir, the pixel limit, corrupt files, and an
// iPhone-style HEIC giving what its JPEG twin gives. Fixtures are made here with heif-enc
// (tests/support/heif-fixtures.ts explains what heif-enc does and how the files are laid out).
import sharp from 'sharp';
import { RejectedMediaError } from '#shared/media/model';
import { openImage } from '#shared/media/decode';
import { makeDerivatives } from '#shared/media/derivatives';
import { exifSubset, readExif } from '#shared/media/exif';
import {
  decodeHeif,
  HeifFormatError,
  heifColourPlan,
  heifExifExtents,
  heifHeaderSize,
  heifImageSize,
  MAX_HEIF_PIXELS,
  parseHeifMeta,
} from '#shared/media/heif';
import { makeJpeg } from '../../scripts/lib/images';
import {
  box,
  corners,
  fullBox,
  latin1,
  u16,
  u32,
  u8,
  ensureHeifTools,
  fingerprint,
  gridDifference,
  heicTwin,
  heifConvert,
  heifEnc,
  heifEncWithTrailingExif,
  iphoneHeic,
  quadrantHeic,
  quadrantJpeg,
  quadrantStored,
  transformsFor,
  UPRIGHT,
  expectUprightDerivatives,
  IPHONE_EXIF,
} from '../support/heif-fixtures';

const HEAD_BYTES = 256 * 1024; // what the metadata function reads

beforeAll(() => ensureHeifTools(), 300_000);

/** Where mdat starts: everything before it is ftyp and meta. */
function mdatStart(heic: Buffer): number {
  return heic.indexOf('mdat', 0, 'latin1') - 4;
}

/** A copy whose primary ispe claims another size (the decoder is never reached when it is too large). */
function withIspe(heic: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(heic);
  const at = copy.indexOf('ispe', 0, 'latin1');
  copy.writeUInt32BE(width, at + 8);
  copy.writeUInt32BE(height, at + 12);
  return copy;
}

async function outcome(input: Buffer): Promise<'ok' | RejectedMediaError> {
  try {
    await makeDerivatives(input);
    return 'ok';
  } catch (error) {
    if (error instanceof RejectedMediaError) return error;
    throw new Error(`not a RejectedMediaError: ${String(error)}`, { cause: error });
  }
}

describe('the HEIF header, read by hand', () => {
  it('finds the primary image, its properties and where its data is in a heif-enc file', async () => {
    const encoded = await heifEnc(await makeJpeg(320, 240));
    const meta = parseHeifMeta(encoded);
    const primary = meta.items.get(meta.primaryId)!;
    expect(primary.type).toBe('hvc1');
    expect(primary.properties.map((p) => p.type)).toEqual(expect.arrayContaining(['hvcC', 'ispe']));
    expect(primary.extents).toHaveLength(1);
    const [extent] = primary.extents!;
    expect(extent!.offset + extent!.length).toBeLessThanOrEqual(encoded.length);
    expect(heifImageSize(meta)).toEqual({ width: 320, height: 240 });
  });

  it('gives the shown size from the head alone: ispe, then irot (5-8 swap) and clap', async () => {
    const rotated = await quadrantHeic(6); // stored 400x600, irot 270
    expect(
      parseHeifMeta(rotated)
        .items.get(1)!
        .properties.map((p) => p.type),
    ).toContain('irot');
    expect(heifHeaderSize(rotated.subarray(0, mdatStart(rotated) + 16))).toEqual({ width: 600, height: 400 });
    expect(heifHeaderSize(rotated.subarray(0, HEAD_BYTES))).toEqual({ width: 600, height: 400 });

    const encoded = await heifEnc(
      await sharp({ create: { width: 320, height: 240, channels: 3, background: '#336699' } })
        .png()
        .toBuffer(),
    );
    const cropped = iphoneHeic({ images: [{ encoded, transforms: [{ clap: { width: 300, height: 200 } }] }] });
    expect(heifHeaderSize(cropped)).toEqual({ width: 300, height: 200 });
    const decoded = await decodeHeif(cropped);
    expect([decoded.width, decoded.height]).toEqual([300, 200]);
  });

  it('knows no size from a head that ends inside meta, from junk, or from a box that lies about its size', async () => {
    const heic = await quadrantHeic(1);
    expect(heifHeaderSize(heic.subarray(0, 200))).toBeUndefined();
    expect(heifHeaderSize(Buffer.concat([heic.subarray(0, 24), Buffer.alloc(4096, 0xab)]))).toBeUndefined();
    const lying = Buffer.from(heic);
    lying.writeUInt32BE(0xfffffff0, lying.indexOf('iprp', 0, 'latin1') - 4);
    expect(heifHeaderSize(lying)).toBeUndefined();
  });
});

describe('a HEIF header crafted to cost more than its size', () => {
  // Each of these once turned a file of a few kilobytes into hundreds of megabytes of objects (or,
  // for the last, an endless loop in exifr): the counts in a box must fit the box.
  const ftyp = box('ftyp', latin1('heic'), u32(0), latin1('mif1'), latin1('heic'));
  const heif = (...children: Buffer[]) =>
    Buffer.concat([ftyp, fullBox('meta', 0, 0, [fullBox('pitm', 0, 0, [u16(1)]), ...children])]);
  const cases: [string, Buffer][] = [
    // iloc v1 with zero-byte offset/length fields: 2000 items of 65535 extents each, 8 bytes per item.
    [
      'iloc extents of zero-byte fields',
      heif(
        fullBox('iloc', 1, 0, [
          u8(0),
          u8(0),
          u16(2000),
          ...Array.from({ length: 2000 }, (_, i) => Buffer.concat([u16(i + 1), u16(0), u16(0), u16(65535)])),
        ]),
      ),
    ],
    // An iloc that lists more items than it holds.
    ['iloc items past the box', heif(fullBox('iloc', 0, 0, [u8(0x44), u8(0), u16(60000)]))],
    // 1000 cdsc references, each claiming 65535 targets.
    [
      'iref counts past the box',
      heif(
        fullBox(
          'iref',
          0,
          0,
          Array.from({ length: 1000 }, () => box('cdsc', u16(1), u16(65535))),
        ),
      ),
    ],
    // ipma: one entry claiming 255 associations with none there, many times over.
    [
      'ipma associations past the box',
      heif(box('iprp', box('ipco', box('free')), fullBox('ipma', 0, 0, [u32(50000), u16(1), u8(255)]))),
    ],
    // An extent at base 2^53-1 + 16: no file position.
    [
      'iloc offset past 2^53',
      heif(
        fullBox('iloc', 1, 0, [
          u8(0x44),
          u8(0x80),
          u16(1),
          u16(1),
          u16(0),
          u16(0),
          u32(0x1fffff),
          u32(0xffffffff),
          u16(1),
          u32(16),
          u32(100),
        ]),
      ),
    ],
  ];

  it.each(cases)('%s: a format error at once, a rejection with a reason, and no EXIF', async (_name, file) => {
    expect(() => parseHeifMeta(file)).toThrow(HeifFormatError);
    await expect(decodeHeif(file)).rejects.toBeInstanceOf(RejectedMediaError);
    expect(await readExif(file, () => Promise.reject(new Error('nothing to fetch')))).toBeUndefined();
  });

  it('a box of size 0 ("to the end") right after ftyp: no EXIF, and no endless loop', async () => {
    const file = Buffer.concat([ftyp, u32(0), latin1('free'), Buffer.alloc(64)]);
    expect(await readExif(file)).toBeUndefined();
  });
});

describe('decoding HEIC into the derivative pipeline', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'shows orientation %i upright through its own irot/imir, as native libheif (heif-convert) does, without applying its EXIF Orientation again',
    async (orientation) => {
      const heic = await quadrantHeic(orientation);
      expect(await corners(await heifConvert(heic))).toEqual(UPRIGHT); // the fixture is right

      const image = await openImage(heic);
      expect(image).toMatchObject({ kind: 'heif', width: 600, height: 400 });
      const display = await expectUprightDerivatives(heic);
      // Opaque pictures lose the alpha channel libheif hands over.
      expect((await sharp(display).metadata()).hasAlpha).toBe(false);
    },
  );

  it('ignores an EXIF Orientation that no irot/imir backs, as HEIF readers must (ISO/IEC 23008-12)', async () => {
    const heic = await quadrantHeic(6, 600, 400, { transforms: false }); // EXIF says 6, no irot
    const reference = await sharp(await heifConvert(heic)).metadata();
    expect([reference.width, reference.height]).toEqual([400, 600]);

    const set = await makeDerivatives(heic);
    expect(set.source).toEqual({ width: 400, height: 600 });
    const display = set.derivatives.find((d) => d.name === 'display')!;
    const stored = quadrantStored(6, 600, 400);
    expect(await corners(display.data)).toEqual(
      await corners(sharp(stored.data, { raw: { width: stored.width, height: stored.height, channels: 3 } })),
    );
  });

  it('decodes the primary image when the file holds several top-level images', async () => {
    const solid = (width: number, height: number, background: string) =>
      sharp({ create: { width, height, channels: 3, background } })
        .png()
        .toBuffer();
    // (heif-enc writes images under 64 px as a grid: these are larger.)
    const images = [
      { encoded: await heifEnc(await solid(160, 120, '#dc2828')) },
      { encoded: await heifEnc(await solid(240, 160, '#2846dc')) },
    ];
    for (const [primary, size, mean] of [
      [0, [160, 120], [220, 40, 40]],
      [1, [240, 160], [40, 70, 220]],
    ] as const) {
      const heic = iphoneHeic({ images, primary });
      const decoded = await decodeHeif(heic);
      expect([decoded.width, decoded.height]).toEqual(size);
      const stats = await sharp(decoded.data, {
        raw: { width: decoded.width, height: decoded.height, channels: 4 },
      }).stats();
      for (const [i, c] of stats.channels.slice(0, 3).entries()) expect(Math.abs(c.mean - mean[i]!)).toBeLessThan(8);
    }
  });

  it(`refuses a HEIC over ${MAX_HEIF_PIXELS / 1e6} megapixels from its header, with the size in the reason`, async () => {
    const heic = await quadrantHeic(1);
    const huge = withIspe(heic, 10_000, 6_000);
    const error = await outcome(huge);
    expect(error).toBeInstanceOf(RejectedMediaError);
    expect((error as RejectedMediaError).reason).toBe(
      `Image too large: 10000x6000 pixels, the limit is ${MAX_HEIF_PIXELS / 1e6} megapixels for HEIC/HEIF.`,
    );
    // Rotated: the limit applies to the shown size, named as shown.
    await expect(decodeHeif(await quadrantHeic(6), { maxPixels: 200_000 })).rejects.toThrow(
      'Image too large: 600x400 pixels, the limit is 0.2 megapixels',
    );
  });

  it('rejects corrupt HEIC files with a reason (never a crash, a hang or libheif noise in the log) and decodes good ones after them', async () => {
    const heic = await quadrantHeic(6);
    const metaEnd = mdatStart(heic);
    const log = jest.spyOn(console, 'log');
    try {
      const mustReject: [string, Buffer][] = [
        ['ftyp heic followed by junk', Buffer.concat([heic.subarray(0, 24), Buffer.alloc(4096, 0x5a)])],
        ['cut inside meta', heic.subarray(0, Math.floor(metaEnd / 2))],
        ['cut after meta', heic.subarray(0, metaEnd + 8)],
        ['cut in the middle of the image data', heic.subarray(0, Math.floor((metaEnd + heic.length) / 2))],
        ['image data zeroed', Buffer.concat([heic.subarray(0, metaEnd + 8), Buffer.alloc(heic.length - metaEnd - 8)])],
        [
          'no ispe',
          (() => {
            const b = Buffer.from(heic);
            b.write('xxxx', b.indexOf('ispe', 0, 'latin1'), 'latin1');
            return b;
          })(),
        ],
        ['ispe of 0x0', withIspe(heic, 0, 0)],
      ];
      for (const [name, data] of mustReject) {
        const result = await outcome(data);
        expect(result, name).toBeInstanceOf(RejectedMediaError);
        expect((result as RejectedMediaError).reason, name).toMatch(
          /^(Could not decode the image: .+|Image too large: .+)$/,
        );
      }
      // Seeded random damage anywhere: rejected with a reason, or (damage in the HEVC data) decoded.
      let seed = 42;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      for (let i = 0; i < 60; i++) {
        const damaged = Buffer.from(heic);
        const [from, to] = i % 2 ? [24, metaEnd + 8] : [metaEnd + 8, heic.length];
        for (let k = 0; k <= i % 4; k++)
          damaged[from + Math.floor(random() * (to - from))] = Math.floor(random() * 256);
        const result = await outcome(damaged);
        if (result !== 'ok') expect(result.reason.trim(), `damage ${i}`).not.toBe('');
      }
      expect(log.mock.calls.filter(([first]) => /HEIF|image/i.test(String(first)))).toEqual([]);
    } finally {
      log.mockRestore();
    }
    expect((await makeDerivatives(heic)).source).toEqual({ width: 600, height: 400 });
  }, 60_000);
});

describe('an iPhone-style HEIC and its JPEG twin', () => {
  it('reads the EXIF that libheif-based tools store after the image data, fetching only that item when it is past the head', async () => {
    const jpeg = await makeJpeg(1600, 1200, IPHONE_EXIF);
    const heic = await heifEncWithTrailingExif(jpeg);
    const extents = heifExifExtents(parseHeifMeta(heic))!;
    expect(extents).toHaveLength(1);
    expect(extents[0]!.offset, 'the Exif item comes after the image data').toBeGreaterThan(HEAD_BYTES);
    const expected = exifSubset(await readExif(jpeg));
    expect(expected).toMatchObject({ takenAt: '2024-06-01T14:03:22+02:00', make: 'Apple' });

    expect(exifSubset(await readExif(heic))).toEqual(expected); // the whole file
    const head = heic.subarray(0, HEAD_BYTES);
    const fetched: [number, number][] = [];
    const readRange = async (offset: number, length: number) => {
      fetched.push([offset, length]);
      return heic.subarray(offset, offset + length);
    };
    expect(exifSubset(await readExif(head, readRange))).toEqual(expected);
    expect(fetched).toEqual([[extents[0]!.offset, extents[0]!.length]]);
    // Without a way to fetch it, the head alone has no EXIF: nothing, and no error.
    expect(await readExif(head)).toBeUndefined();
    // An Exif item claiming more than any camera writes is not fetched.
    const huge = Buffer.from(heic);
    const ilocAt = huge.indexOf('iloc', 0, 'latin1');
    const lengthAt = huge.indexOf(Buffer.from(extents[0]!.length.toString(16).padStart(8, '0'), 'hex'), ilocAt);
    expect(lengthAt).toBeGreaterThan(ilocAt);
    huge.writeUInt32BE(8 * 1024 * 1024, lengthAt);
    fetched.length = 0;
    expect(await readExif(huge.subarray(0, HEAD_BYTES), readRange)).toBeUndefined();
    expect(fetched).toEqual([]);
    // A zero length ("to the end of the file") is not fetched either.
    const endless = Buffer.from(heic);
    endless.writeUInt32BE(0, lengthAt);
    expect(await readExif(endless.subarray(0, HEAD_BYTES), readRange)).toBeUndefined();
    expect(fetched).toEqual([]);
    // A fetch that fails is not "no EXIF": the error reaches the function, which is retried.
    await expect(readExif(head, () => Promise.reject(new Error('S3 unavailable')))).rejects.toThrow('S3 unavailable');
  }, 60_000);

  it('a Display P3 HEIC (ICC profile, as an iPhone tags it, or nclx) comes out in the colours of its P3 JPEG twin', async () => {
    // Saturated colours, where P3 and sRGB differ most, converted to Display P3 and tagged so.
    const original = await quadrantJpeg(1, 480, 320);
    const picture = await sharp(original).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer();
    const p3Values = await fingerprint(await sharp(picture, { ignoreIcc: true }).png().toBuffer());
    const heic = await heicTwin(picture);
    expect(heifColourPlan(parseHeifMeta(heic))).toMatchObject({
      kind: 'convert',
      conversion: { source: expect.stringMatching(/^ICC profile/) },
    });
    const nclx = iphoneHeic({
      images: [{ encoded: await heifEnc(picture), nclx: { primaries: 12, transfer: 13, matrix: 6 } }],
    });
    expect(heifColourPlan(parseHeifMeta(nclx))).toMatchObject({
      kind: 'convert',
      conversion: { source: 'nclx Display P3' },
    });
    expect((await decodeHeif(heic)).colour).toMatch(/^converted from ICC profile/);

    // libvips converts the JPEG with its embedded profile: the reference.
    const fromJpeg = (await makeDerivatives(picture)).derivatives.find((d) => d.name === 'display')!;
    const reference = await fingerprint(fromJpeg.data);
    for (const [i, m] of (await fingerprint(original)).mean.entries())
      expect(Math.abs(m - reference.mean[i]!), 'JPEG: back to the sRGB original').toBeLessThan(3);
    // The P3 values shown as sRGB would be off by more than the comparison allows.
    expect(Math.max(...reference.mean.map((m, i) => Math.abs(m - p3Values.mean[i]!)))).toBeGreaterThan(6);
    for (const input of [heic, nclx]) {
      const set = await makeDerivatives(input);
      expect(set.colour).toMatch(input === heic ? /^converted from ICC profile/ : /^converted from nclx Display P3$/);
      const display = set.derivatives.find((d) => d.name === 'display')!;
      const got = await fingerprint(display.data);
      for (const [i, m] of got.mean.entries()) expect(Math.abs(m - reference.mean[i]!), 'mean colour').toBeLessThan(3);
      expect(gridDifference(got.grid, reference.grid)).toBeLessThan(6);
      expect(await corners(display.data)).toEqual(UPRIGHT);
    }
  }, 60_000);
  it.each([1, 6])(
    'give the same derivatives, placeholder kind and EXIF subset (orientation %i)',
    async (orientation) => {
      const jpeg = await makeJpeg(960, 720, { ...IPHONE_EXIF, orientation });
      const heic = await heicTwin(jpeg);
      const upright = orientation === 6 ? { width: 720, height: 960 } : { width: 960, height: 720 };

      const [fromJpeg, fromHeic] = await Promise.all([makeDerivatives(jpeg), makeDerivatives(heic)]);
      expect(fromJpeg.source).toEqual(upright);
      expect(fromHeic.source).toEqual(upright);
      expect(fromHeic.derivatives.map((d) => d.name)).toEqual(fromJpeg.derivatives.map((d) => d.name));
      for (const twin of fromJpeg.derivatives) {
        const d = fromHeic.derivatives.find((x) => x.name === twin.name)!;
        expect(d.contentType).toBe('image/webp');
        expect(Math.abs(d.width - twin.width), d.name).toBeLessThanOrEqual(1);
        expect(Math.abs(d.height - twin.height), d.name).toBeLessThanOrEqual(1);
        const [a, b] = await Promise.all([fingerprint(twin.data), fingerprint(d.data)]);
        for (const [i, m] of a.mean.entries())
          expect(Math.abs(m - b.mean[i]!), `${d.name} mean colour`).toBeLessThan(4);
        expect(gridDifference(a.grid, b.grid), `${d.name} 8x8`).toBeLessThan(6);
      }
      expect(fromHeic.placeholder).toMatch(/^[A-Za-z0-9+/]+=*$/);

      // The metadata function's view: the first 256 KiB.
      const exif = exifSubset(await readExif(heic.subarray(0, HEAD_BYTES)));
      expect(exif).toEqual(exifSubset(await readExif(jpeg.subarray(0, HEAD_BYTES))));
      expect(exif).toMatchObject({ takenAt: '2024-06-01T14:03:22+02:00', make: 'Apple', model: 'iPhone 15 Pro' });
      expect(exif.gps?.latitude).toBeCloseTo(48.858222, 5);
      expect(exif.gps?.longitude).toBeCloseTo(2.2945, 5);
      expect(exif.gps?.altitude).toBe(35);
      expect(heifHeaderSize(heic.subarray(0, HEAD_BYTES))).toEqual(upright);
      expect(transformsFor(orientation)).toHaveLength(orientation === 1 ? 0 : 1);
    },
    60_000,
  );
});
