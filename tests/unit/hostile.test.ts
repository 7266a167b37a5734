// The hostile-input suite, without the stack: every crafted file is what it claims to be, the
// derivative maker turns each must-reject file into a RejectedMediaError with a reason (never
// another error, never a hang), and the EXIF reader never throws.
import vm from 'node:vm';
import type { SNSEvent } from 'aws-lambda';
import sharp from 'sharp';
import type { ContentItem } from '#shared/content/model';
import { RejectedMediaError } from '#shared/media/model';
import { MAX_INPUT_PIXELS } from '#shared/media/decode';
import { makeDerivatives } from '#shared/media/derivatives';
import { exifSubset, readExif } from '#shared/media/exif';
import { sniffImageKind } from '#shared/media/sniff';
import { decideUpload } from '#shared/media/upload-check';
import { uploadedObjects } from '#shared/media/sns-upload-event';
import {
  goodJpeg,
  hostileFilesToLoad,
  jpegDeclaredSize,
  jpegScan,
  jpegSegments,
  MAX_SEGMENT_PAYLOAD,
  photoJpeg,
  pngChunks,
  pngDimensions,
  POLYGLOT_SCRIPT,
  thinStripPng,
  ZIP_PAYLOAD_NAME,
  type HostileFile,
} from '../support/hostile';

const { files, load } = hostileFilesToLoad();
beforeAll(load);
const byName = new Map(files.map((f) => [f.name, f]));
const file = (prefix: string): Buffer => {
  const found = files.find((f) => f.name.startsWith(prefix));
  if (!found) throw new Error(`no hostile file ${prefix}`);
  return found.data;
};
const mustReject = files.filter((f) => f.expect === 'reject');
const tolerated = files.filter((f) => f.expect === 'tolerate');

/** Per-test deadline: a decoder that hangs fails the test instead of the run. */
const DEADLINE_MS = 30_000;

async function outcome(data: Buffer) {
  return makeDerivatives(data).then(
    (set) => ({ ok: true as const, set }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

const segmentMarkers = (jpeg: Buffer) => jpegSegments(jpeg).map((s) => s.marker.toString(16));

describe('the hostile suite', () => {
  it('has at least 15 must-reject files besides the tolerated ones, with unique names', () => {
    expect(byName.size).toBe(files.length);
    expect(mustReject.length).toBeGreaterThanOrEqual(15);
    expect(tolerated.map((f) => f.name)).toEqual([
      '10a-jpeg-corrupt-entropy',
      '15c-jpeg-zip-polyglot',
      '16-huge-exif',
      '17a-exif-loops',
      '17b-exif-ifd0-outside',
      '20b-png-1x10000000',
    ]);
  });

  it.each(files.map((f) => [f.name, f] as const))(
    '%s sniffs as declared in the suite, and fits an upload',
    (_name, f: HostileFile) => {
      expect(sniffImageKind(f.data)).toBe(f.sniffsAs);
      expect(f.data.length).toBeLessThan(1024 * 1024);
    },
  );
});

describe('each generator makes what it claims', () => {
  it('01: zero bytes', () => {
    expect(file('01').length).toBe(0);
  });

  it('02: printable text', () => {
    expect(file('02').toString('latin1')).toMatch(/^[\x20-\x7e\n]+$/);
  });

  it('03: a well-formed PDF whose xref offsets point at its objects', () => {
    const text = file('03').toString('latin1');
    expect(text.startsWith('%PDF-1.4\n')).toBe(true);
    expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
    const offsets = [...text.matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
    expect(offsets).toHaveLength(4);
    for (const [i, at] of offsets.entries()) expect(text.slice(at)).toMatch(new RegExp(`^${i + 1} 0 obj`));
    expect(Number(/startxref\n(\d+)/.exec(text)![1])).toBe(text.indexOf('xref\n'));
  });

  it('04: an SVG with a script, which sharp would rasterise if it were asked to', async () => {
    expect(file('04').toString()).toContain('<script');
    expect((await sharp(file('04')).metadata()).format).toBe('svg');
  });

  it('05: a GIF sharp can read', async () => {
    expect(file('05').subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect((await sharp(file('05')).metadata()).format).toBe('gif');
  });

  it('06: a WebP of three frames', async () => {
    const meta = await sharp(file('06')).metadata();
    expect([meta.format, meta.pages, meta.loop]).toEqual(['webp', 3, 0]);
  });

  it('07: a TIFF sharp can read', async () => {
    expect(file('07').subarray(0, 4)).toEqual(Buffer.from([0x49, 0x49, 0x2a, 0x00]));
    expect((await sharp(file('07')).metadata()).format).toBe('tiff');
  });

  it('08: a BMP whose header size is the file size', () => {
    const data = file('08');
    expect(data.subarray(0, 2).toString('latin1')).toBe('BM');
    expect(data.readUInt32LE(2)).toBe(data.length);
    expect([data.readInt32LE(18), data.readInt32LE(22), data.readUInt16LE(28)]).toEqual([4, 4, 24]);
  });

  it('09: half of a JPEG: no end of image, its header still readable', async () => {
    const data = file('09');
    expect(data.subarray(-2)).not.toEqual(Buffer.from([0xff, 0xd9]));
    expect(await sharp(data).metadata()).toMatchObject({ format: 'jpeg', width: 800, height: 600 });
  });

  it('10a: a JPEG with junk in the middle of its scan and every marker intact', async () => {
    const data = file('10a');
    const { start, end } = jpegScan(data);
    const middle = Math.floor((start + end) / 2);
    expect(data.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
    expect(data.subarray(middle, middle + 4096).includes(0xff)).toBe(false);
    expect(segmentMarkers(data)).toEqual(segmentMarkers(await photoJpeg()));
  });

  it('10b: a JPEG whose scan header names components the frame does not have', () => {
    const data = file('10b');
    const sos = jpegSegments(data).find((s) => s.marker === 0xda)!;
    const ns = data[sos.offset + 4]!;
    expect(ns).toBe(3);
    for (let i = 0; i < ns; i++) expect(data[sos.offset + 5 + i * 2]).toBe(0xee);
  });

  it('11: SOI and APP segments only: no frame, no scan', () => {
    expect(segmentMarkers(file('11'))).toEqual(['d8', 'e0', 'e1']);
    expect(jpegDeclaredSize(file('11'))).toBeUndefined();
  });

  it('12: a 20000x20000 PNG over the pixel limit, tiny on disk, every CRC right', () => {
    const data = file('12');
    const { width, height } = pngDimensions(data);
    expect([width, height]).toEqual([20_000, 20_000]);
    expect(width * height).toBeGreaterThan(MAX_INPUT_PIXELS);
    expect(data.length).toBeLessThan(100 * 1024);
    expect(pngChunks(data).map((c) => [c.type, c.crcOk])).toEqual([
      ['IHDR', true],
      ['IDAT', true],
      ['IEND', true],
    ]);
  });

  it('13: a JPEG under 1 KB whose frame header claims 65500x65500', () => {
    expect(jpegDeclaredSize(file('13'))).toEqual({ width: 65_500, height: 65_500 });
    expect(file('13').length).toBeLessThan(1024);
  });

  it('14a: a PNG with one IDAT whose CRC does not match, otherwise complete', () => {
    const chunks = pngChunks(file('14a'));
    expect(chunks.filter((c) => !c.crcOk).map((c) => c.type)).toEqual(['IDAT']);
    expect(chunks.at(-1)!.type).toBe('IEND');
  });

  it('14b: a PNG that ends inside an IDAT chunk', () => {
    const data = file('14b');
    const last = pngChunks(data).at(-1)!;
    expect(last.type).toBe('IDAT');
    expect(last.offset + 12 + last.length).toBeGreaterThan(data.length);
  });

  it('15a: a JPEG header followed by HTML with a script, and no picture', () => {
    const data = file('15a');
    expect(segmentMarkers(data)).toEqual(['d8', 'e0', 'fe']);
    expect(data.toString('latin1')).toContain(`<body>${POLYGLOT_SCRIPT}</body></html>`);
    expect(jpegDeclaredSize(data)).toBeUndefined();
  });

  it('15b: both a GIF sharp reads and a script JavaScript parses', async () => {
    const data = file('15b');
    expect((await sharp(data).metadata()).format).toBe('gif');
    expect(() => new vm.Script(data.toString('latin1'))).not.toThrow();
    expect(data.toString('latin1')).toMatch(/^GIF89a\/\*[\s\S]*\*\/=1;alert/);
  });

  it('15c: a complete JPEG followed by a ZIP holding a script', async () => {
    const data = file('15c');
    expect((await sharp(data).metadata()).format).toBe('jpeg');
    const zipAt = data.indexOf(Buffer.from('PK\x03\x04', 'latin1'));
    expect(data.subarray(zipAt - 2, zipAt)).toEqual(Buffer.from([0xff, 0xd9]));
    expect(data.readUInt32LE(data.length - 22)).toBe(0x06054b50);
    expect(data.toString('latin1')).toContain(ZIP_PAYLOAD_NAME);
  });

  it('16: a decodable JPEG whose APP1 EXIF is a ~64 KB segment of junk IFD entries', async () => {
    const data = file('16');
    const app1 = jpegSegments(data).find((s) => s.marker === 0xe1)!;
    expect(app1.length).toBeGreaterThan(MAX_SEGMENT_PAYLOAD - 16);
    expect(data.readUInt16LE(app1.offset + 4 + 6 + 8)).toBeGreaterThan(5000); // IFD0 entry count
    expect(await sharp(data).metadata()).toMatchObject({ format: 'jpeg', width: 64, height: 48 });
  });

  it('17a: a decodable JPEG whose EXIF loops back to IFD0 and points outside its segment', async () => {
    const data = file('17a');
    const tiff = jpegSegments(data).find((s) => s.marker === 0xe1)!.offset + 4 + 6;
    const ifd0 = data.readUInt32LE(tiff + 4);
    const entries = data.readUInt16LE(tiff + ifd0);
    expect(data.readUInt32LE(tiff + ifd0 + 2 + entries * 12)).toBe(ifd0); // next IFD: itself
    const exifPointer = [...Array(entries).keys()]
      .map((i) => tiff + ifd0 + 2 + i * 12)
      .find((at) => data.readUInt16LE(at) === 0x8769)!;
    expect(data.readUInt32LE(exifPointer + 8)).toBe(ifd0);
    expect(await sharp(data).metadata()).toMatchObject({ format: 'jpeg', width: 64, height: 48 });
  });

  it('17b: a decodable JPEG whose EXIF IFD0 offset lies past the end of the file', async () => {
    const data = file('17b');
    const tiff = jpegSegments(data).find((s) => s.marker === 0xe1)!.offset + 4 + 6;
    expect(data.readUInt32LE(tiff + 4)).toBeGreaterThan(data.length);
    expect(await sharp(data).metadata()).toMatchObject({ format: 'jpeg', width: 64, height: 48 });
  });

  it('18a: a WebP whose RIFF size claims far more than the file holds', () => {
    expect(file('18a').readUInt32LE(4)).toBeGreaterThan(1_000_000_000);
  });

  it('18b: a WebP whose RIFF size is smaller than its own first chunk', () => {
    const data = file('18b');
    expect(data.readUInt32LE(4)).toBeLessThan(data.readUInt32LE(16) + 12);
    expect(data.length - 8).toBeGreaterThan(data.readUInt32LE(4));
  });

  it('19: an ftyp heic box followed by junk', () => {
    const data = file('19');
    expect(data.subarray(4, 12).toString('latin1')).toBe('ftypheic');
    expect(data.length).toBeGreaterThan(4096);
  });

  it('20a: a 1x100,000,000 PNG, exactly at the pixel limit', () => {
    const { width, height } = pngDimensions(file('20a'));
    expect([width, height]).toEqual([1, 100_000_000]);
    expect(width * height).toBeLessThanOrEqual(MAX_INPUT_PIXELS);
  });

  it('20b: a 1x10,000,000 PNG', () => {
    expect(pngDimensions(file('20b'))).toEqual({ width: 1, height: 10_000_000 });
  });
});

describe('makeDerivatives on hostile files', () => {
  const toleratedOutcomes = new Map<string, 'decoded' | 'rejected'>();

  it.each(mustReject.map((f) => [f.name, f] as const))(
    'rejects %s with a RejectedMediaError and a reason',
    async (_name, f: HostileFile) => {
      const result = await outcome(f.data);
      expect(result.ok).toBe(false);
      const error = (result as { error: unknown }).error;
      expect(error).toBeInstanceOf(RejectedMediaError);
      const reason = (error as RejectedMediaError).reason;
      expect(typeof reason).toBe('string');
      expect(reason.trim()).not.toBe('');
      if (f.reason) expect(reason).toMatch(f.reason);
    },
    DEADLINE_MS,
  );

  it.each(tolerated.map((f) => [f.name, f] as const))(
    'either rejects %s with a reason or makes clean WebP derivatives of it',
    async (_name, f: HostileFile) => {
      const result = await outcome(f.data);
      toleratedOutcomes.set(f.name, result.ok ? 'decoded' : 'rejected');
      if (!result.ok) {
        expect(result.error).toBeInstanceOf(RejectedMediaError);
        expect((result.error as RejectedMediaError).reason.trim()).not.toBe('');
        return;
      }
      for (const d of result.set.derivatives) {
        const meta = await sharp(d.data).metadata();
        expect([meta.format, meta.width, meta.height, meta.exif, meta.pages ?? 1]).toEqual([
          'webp',
          d.width,
          d.height,
          undefined,
          1,
        ]);
        // Nothing of the hostile part survives re-encoding.
        expect(d.data.includes(Buffer.from('PK\x03\x04', 'latin1'))).toBe(false);
        expect(d.data.includes(Buffer.from('<script', 'latin1'))).toBe(false);
      }
      expect(result.set.placeholder).toMatch(/^[A-Za-z0-9+/]+=*$/);
    },
    DEADLINE_MS,
  );

  // Pinned so that a change of policy (e.g. failOn 'warning') shows up here, on purpose.
  it('decodes every tolerated file today', () => {
    expect(Object.fromEntries(toleratedOutcomes)).toEqual(
      Object.fromEntries(tolerated.map((f) => [f.name, 'decoded'])),
    );
  });

  // A 138-byte PNG should not cost seconds. The square `cover` thumbnail of a 1-pixel-wide
  // picture scales it up 320 times first (320 x 460,800 pixels) and runs the attention crop over
  // all of that; a normal 1440x1080 photo takes a tenth of the time. See the closing report.
  it(
    'makes the derivatives of a 1x1440 strip within the time of a normal photo',
    async () => {
      const normal = await goodJpeg(1, 1440, 1080);
      let started = Date.now();
      await makeDerivatives(normal);
      const normalMs = Date.now() - started;
      started = Date.now();
      await makeDerivatives(await thinStripPng());
      const stripMs = Date.now() - started;
      expect(stripMs).toBeLessThan(Math.max(1_000, 3 * normalMs));
    },
    DEADLINE_MS,
  );
});

describe('the EXIF reader on hostile files', () => {
  it.each(files.map((f) => [f.name, f] as const))(
    'reads %s without throwing (head and whole file)',
    async (_name, f: HostileFile) => {
      for (const input of [f.data.subarray(0, 256 * 1024), f.data]) {
        const raw = await readExif(input);
        expect(raw === undefined || typeof raw === 'object').toBe(true);
        expect(typeof exifSubset(raw)).toBe('object');
      }
    },
    DEADLINE_MS,
  );

  it.each(['16', '17a', '17b'])('keeps nothing from the junk EXIF of %s', async (prefix) => {
    expect(exifSubset(await readExif(file(prefix)))).toEqual({});
  });
});

describe('hostile S3 keys in upload events', () => {
  const owner = 'a1b2c3d4-0000-4000-8000-000000000001';
  const contentId = '0f8fad5b-d9cb-469f-a165-70867728950e';
  const item = {
    contentId,
    ownerId: owner,
    originalKey: `uploads/${owner}/${contentId}`,
    status: 'PENDING',
    declaredBytes: 1000,
  } as ContentItem;
  const event = (...keys: unknown[]): SNSEvent =>
    ({
      Records: keys.map((key) => ({
        Sns: {
          Message: JSON.stringify({
            Records: [
              { eventName: 'ObjectCreated:Post', s3: { bucket: { name: 'media' }, object: { key, size: 10 } } },
            ],
          }),
        },
      })),
    }) as unknown as SNSEvent;

  it.each([
    ['spaces as +', 'uploads/my+holiday+photo.jpg', 'uploads/my holiday photo.jpg'],
    ["a literal '+' as %2B", `uploads/${owner}/a%2Bb.jpg`, `uploads/${owner}/a+b.jpg`],
    ['unicode', `uploads/${owner}/caf%C3%A9-%E6%97%A5%E6%9C%AC-%F0%9F%98%80.jpg`, `uploads/${owner}/café-日本-😀.jpg`],
    ['a literal %', `uploads/${owner}/100%25+done+%2541`, `uploads/${owner}/100% done %41`],
    ['an encoded slash', `uploads%2F${owner}%2F${contentId}`, `uploads/${owner}/${contentId}`],
    ['a dot segment', `uploads/../uploads/${owner}/${contentId}`, `uploads/../uploads/${owner}/${contentId}`],
  ])('decodes a key with %s as S3 encodes it', (_what, raw, decoded) => {
    expect(uploadedObjects(event(raw)).map((o) => o.key)).toEqual([decoded]);
  });

  it.each(['%', '%E0%A4%A', '%ZZ', `uploads/${owner}/%C0%AF`])(
    'skips a key with a malformed escape (%s) without throwing',
    (raw) => {
      expect(uploadedObjects(event(raw))).toEqual([]);
    },
  );

  it('skips keys that are not strings', () => {
    expect(uploadedObjects(event(42, null, { key: 'x' }, ['uploads']))).toEqual([]);
  });

  it.each([
    'uploads/my holiday photo.jpg',
    `uploads/${owner}/a+b.jpg`,
    `uploads/${owner}/${contentId} `,
    `uploads/${owner}/${contentId}/x`,
    `uploads/../uploads/${owner}/${contentId}`,
    `uploads/${owner}/${contentId.toUpperCase()}`,
    `uploads//${contentId}`,
    `derived/${contentId}/thumbnail.webp`,
  ])('decides to skip the key %j', (key) => {
    expect(decideUpload({ bucket: 'media', key, size: 10 }, item, 10_000).action).toBe('skip');
  });

  it("skips a well-formed key naming someone else's content", () => {
    expect(decideUpload({ bucket: 'media', key: `uploads/ü/${contentId}`, size: 10 }, item, 10_000)).toEqual({
      action: 'skip',
      why: 'key does not match the item',
    });
  });
});
