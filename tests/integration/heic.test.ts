// iPhone HEIC through the stack: uploaded as image/heic beside its JPEG twin, it ends READY with
// the same derivatives, size and EXIF subset. EXIF stored after the image data is found too. A
// corrupt HEIC is rejected with a reason and the pipeline keeps going. Fixtures are made with heif-enc (see tests/support/heif-fixtures.ts).
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { api, postToS3, signUp, waitForProcessed, type Session } from '../../scripts/lib/client';
import { MediaStorage } from '#shared/media/s3-storage';
import { heifExifExtents, parseHeifMeta } from '#shared/media/heif';
import { makeJpeg } from '../../scripts/lib/images';
import { clients, listKeys } from '../support/aws';
import {
  corners,
  ensureHeifTools,
  IPHONE_EXIF,
  fingerprint,
  gridDifference,
  heicTwin,
  heifEncWithTrailingExif,
  quadrantHeic,
  UPRIGHT,
} from '../support/heif-fixtures';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
let owner: Session;

beforeAll(async () => {
  ensureHeifTools();
  owner = await signUp(endpoints);
});

async function upload(data: Buffer, contentType: string): Promise<string> {
  const created = await api(endpoints, 'POST', '/content', {
    token: owner.accessToken,
    body: { contentType, size: data.length, visibility: 'private' },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await postToS3(created.body, data, contentType, contentType === 'image/heic' ? 'IMG_0001.HEIC' : 'IMG_0001.JPG');
  return created.body.contentId as string;
}

async function fetchImage(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

describe('HEIC uploads', () => {
  it('an iPhone-style HEIC (irot, EXIF) gives the derivatives, size and EXIF of its JPEG twin', async () => {
    const jpeg = await makeJpeg(1600, 1200, { ...IPHONE_EXIF, orientation: 6 });
    const heic = await heicTwin(jpeg);
    expect(heic.length).toBeGreaterThan(256 * 1024); // the metadata function reads only the head

    const [jpegId, heicId] = await Promise.all([upload(jpeg, 'image/jpeg'), upload(heic, 'image/heic')]);
    const [twin, item] = await Promise.all(
      [jpegId, heicId].map(async (id) => (await waitForProcessed(endpoints, owner.accessToken, id)).body),
    );
    expect(twin.status).toBe('READY');
    expect(item.status, item.reason).toBe('READY');

    expect(item.metadata).toMatchObject({
      width: 1200,
      height: 1600,
      takenAt: '2024-06-01T14:03:22+02:00',
      make: 'Apple',
      model: 'iPhone 15 Pro',
    });
    expect(item.metadata.gps.latitude).toBeCloseTo(48.858222, 5);
    expect(item.metadata.gps.longitude).toBeCloseTo(2.2945, 5);
    expect(item.metadata).toEqual(twin.metadata);
    expect(item.placeholder).toEqual(expect.any(String));

    // The metadata function's size, read from the first 256 KiB (libvips cannot: it wants the whole file).
    const { dynamo, s3 } = clients(endpoints);
    const stored = (
      await dynamo.send(
        new GetCommand({ TableName: endpoints.tables.ContentTable, Key: { contentId: heicId }, ConsistentRead: true }),
      )
    ).Item!;
    expect(stored.exif).toMatchObject({ width: 1200, height: 1600, make: 'Apple' });

    const names = (urls: Record<string, unknown>) =>
      Object.keys(urls)
        .filter((n) => n !== 'original')
        .sort();
    expect(names(item.urls)).toEqual(names(twin.urls));
    expect(names(item.urls)).toEqual(expect.arrayContaining(['display', 'thumbnail']));
    expect((await listKeys(s3, endpoints.bucket, `derived/${heicId}/`)).sort()).toEqual(
      names(item.urls).map((n) => `derived/${heicId}/${n}.webp`),
    );
    for (const name of names(item.urls)) {
      const [a, b] = [twin.urls[name], item.urls[name]];
      expect(b.contentType).toBe('image/webp');
      expect(Math.abs(b.width - a.width), name).toBeLessThanOrEqual(1);
      expect(Math.abs(b.height - a.height), name).toBeLessThanOrEqual(1);
      const [fa, fb] = await Promise.all([fingerprint(await fetchImage(a.url)), fingerprint(await fetchImage(b.url))]);
      for (const [i, m] of fa.mean.entries()) expect(Math.abs(m - fb.mean[i]!), `${name} mean colour`).toBeLessThan(4);
      expect(gridDifference(fa.grid, fb.grid), `${name} 8x8`).toBeLessThan(6);
    }
  });

  it('finds the EXIF a libheif-based tool stores after the image data (one more ranged GET)', async () => {
    const heic = await heifEncWithTrailingExif(await makeJpeg(1600, 1200, IPHONE_EXIF));
    expect(heic.length).toBeGreaterThan(256 * 1024);
    const { body: item } = await waitForProcessed(endpoints, owner.accessToken, await upload(heic, 'image/heic'));
    expect(item.status, item.reason).toBe('READY');
    expect(item.metadata).toMatchObject({
      width: 1600,
      height: 1200,
      takenAt: '2024-06-01T14:03:22+02:00',
      make: 'Apple',
      model: 'iPhone 15 Pro',
    });
    expect(item.metadata.gps.latitude).toBeCloseTo(48.858222, 5);

    // An Exif item said to lie past the end of the file: libheif refuses the file, and the metadata
    // function's fetch past the end is no error either (no retry loop).
    const pointsAway = Buffer.from(heic);
    const extents = heifExifExtents(parseHeifMeta(heic))!;
    const offsetAt = pointsAway.indexOf(
      Buffer.from(extents[0]!.offset.toString(16).padStart(8, '0'), 'hex'),
      pointsAway.indexOf('iloc', 0, 'latin1'),
    );
    pointsAway.writeUInt32BE(heic.length + 4096, offsetAt);
    expect(heifExifExtents(parseHeifMeta(pointsAway))![0]!.offset).toBeGreaterThan(heic.length);
    const awayId = await upload(pointsAway, 'image/heic');
    const { body: away } = await waitForProcessed(endpoints, owner.accessToken, awayId);
    expect(away.status).toBe('REJECTED');
    expect(away.reason).toMatch(/outside of file bounds/);
    const { s3 } = clients(endpoints);
    const storage = new MediaStorage(s3, endpoints.bucket);
    const key = `tests/range-${awayId}`;
    await s3.send(new PutObjectCommand({ Bucket: endpoints.bucket, Key: key, Body: pointsAway }));
    expect(await storage.readRange(key, pointsAway.length + 4096, 64, { pastTheEnd: 'empty' })).toHaveLength(0);
    await expect(storage.readRange(key, pointsAway.length + 4096, 64)).rejects.toThrow();
    expect(await storage.readRange(key, pointsAway.length - 10, 64, { pastTheEnd: 'empty' })).toHaveLength(10);
    await expect(storage.readRange(key, 100, 0)).rejects.toThrow('Not a byte range');
  });

  it('shows a HEIC upright by its own irot/imir, whatever its EXIF Orientation says', async () => {
    for (const orientation of [3, 5, 8]) {
      const id = await upload(await quadrantHeic(orientation), 'image/heic');
      const { body: item } = await waitForProcessed(endpoints, owner.accessToken, id);
      expect(item.status, item.reason).toBe('READY');
      expect(item.metadata, `orientation ${orientation}`).toMatchObject({ width: 600, height: 400 });
      expect(await corners(await fetchImage(item.urls.thumbnail.url)), `orientation ${orientation}`).toEqual(UPRIGHT);
      expect(await corners(await fetchImage(item.urls.display.url)), `orientation ${orientation}`).toEqual(UPRIGHT);
    }
  });

  it('rejects a corrupt HEIC with a reason and writes no derivative; the next HEIC still processes', async () => {
    const good = await quadrantHeic(6);
    const metaEnd = good.indexOf('mdat', 0, 'latin1') - 4;
    const truncated = good.subarray(0, metaEnd + Math.floor((good.length - metaEnd) / 3));
    // (A HEIC whose header is junk too is rejected the same way in the unit tests. Uploaded here it
    // leaves the item an empty `exif` map, which the local stream reader cannot convert yet.)
    const damaged = Buffer.from(good);
    damaged.fill(0x5a, metaEnd + 8); // image data destroyed, header intact
    const { s3 } = clients(endpoints);
    for (const bad of [truncated, damaged]) {
      const id = await upload(bad, 'image/heic');
      const { body } = await waitForProcessed(endpoints, owner.accessToken, id);
      expect(body.status).toBe('REJECTED');
      expect(body.reason).toMatch(/^Could not decode the image: /);
      expect(await listKeys(s3, endpoints.bucket, `derived/${id}/`)).toEqual([]);
    }
    const id = await upload(good, 'image/heic');
    const { body } = await waitForProcessed(endpoints, owner.accessToken, id);
    expect(body.status, body.reason).toBe('READY');
  });
});
