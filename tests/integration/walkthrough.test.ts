// The walking skeleton end to end on the real local stack: Cognito sign-up, POST /content, a
// multipart POST to S3, the thumbnail and metadata functions behind S3 -> SNS, GET /content/{id}.
import sharp from 'sharp';
import { api, postToS3, signUp, waitForProcessed, type Session } from '../../scripts/lib/client';
import { makeJpeg } from '../../scripts/lib/images';
import { clients, listKeys } from '../support/aws';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
let owner: Session;
let stranger: Session;

beforeAll(async () => {
  [owner, stranger] = await Promise.all([signUp(endpoints), signUp(endpoints)]);
});

async function upload(session: Session, data: Buffer, body: Record<string, unknown> = {}) {
  const created = await api(endpoints, 'POST', '/content', {
    token: session.accessToken,
    body: { contentType: 'image/jpeg', size: data.length, visibility: 'private', ...body },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await postToS3(created.body, data, 'image/jpeg');
  return created.body.contentId as string;
}

describe('upload -> processed item', () => {
  it('turns a JPEG with EXIF and GPS into a READY item with metadata and a working thumbnail URL', async () => {
    const photo = await makeJpeg(1600, 1200, {
      make: 'Canon',
      model: 'EOS R6',
      dateTimeOriginal: '2024:06:01 14:03:22',
      offsetTimeOriginal: '+02:00',
      gps: { latitude: 48.858222, longitude: 2.2945, altitude: 35 },
    });
    const id = await upload(owner, photo, { caption: 'Eiffel tower', visibility: 'friends' });
    const { body: item } = await waitForProcessed(endpoints, owner.accessToken, id);

    expect(item).toMatchObject({
      contentId: id,
      ownerId: owner.userId,
      status: 'READY',
      caption: 'Eiffel tower',
      visibility: 'friends',
      metadata: { width: 1600, height: 1200, takenAt: '2024-06-01T14:03:22+02:00', make: 'Canon', model: 'EOS R6' },
    });
    expect(item.metadata.gps.latitude).toBeCloseTo(48.858222, 5);
    expect(item.metadata.gps.longitude).toBeCloseTo(2.2945, 5);
    expect(item.metadata.gps.altitude).toBe(35);

    const thumb = await fetch(item.urls.thumbnail.url);
    expect(thumb.status).toBe(200);
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 320, height: 320 });
    expect(meta.exif).toBeUndefined(); // derivatives carry no metadata (GPS!)
    expect(item.urls.thumbnail).toMatchObject({ width: 320, height: 320, contentType: 'image/webp' });
    expect(item.urls.display).toMatchObject({ width: 1440, height: 1080, contentType: 'image/webp' });
    expect(Buffer.from(item.placeholder, 'base64').length).toBeGreaterThan(5);
  });

  it('returns a presigned POST for exactly uploads/{userId}/{contentId}, bounded by the declared size and type', async () => {
    const created = await api(endpoints, 'POST', '/content', {
      token: owner.accessToken,
      body: { contentType: 'image/png', size: 1234 },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/content/${created.body.contentId}`);
    const { fields } = created.body.upload;
    expect(fields.key).toBe(`uploads/${owner.userId}/${created.body.contentId}`);
    expect(fields['Content-Type']).toBe('image/png');
    const policy = JSON.parse(Buffer.from(fields.Policy, 'base64').toString('utf8'));
    expect(policy.conditions).toContainEqual(['content-length-range', 1, 1234]);
    expect(policy.conditions).toContainEqual({ key: fields.key });
    const expiresIn = Date.parse(policy.expiration) - Date.now();
    expect(expiresIn).toBeGreaterThan(0);
    expect(expiresIn).toBeLessThanOrEqual(300_000);

    const pending = await api(endpoints, 'GET', `/content/${created.body.contentId}`, { token: owner.accessToken });
    expect(pending.status).toBe(200);
    expect(pending.body).toMatchObject({ status: 'PENDING', visibility: 'private', urls: {} });
  });

  it('shows an item to its owner only: anyone else gets the same 404 as for a missing id', async () => {
    const id = await upload(owner, await makeJpeg(64, 48));
    await waitForProcessed(endpoints, owner.accessToken, id);
    const other = await api(endpoints, 'GET', `/content/${id}`, { token: stranger.accessToken });
    const missing = await api(endpoints, 'GET', `/content/${crypto.randomUUID()}`, { token: stranger.accessToken });
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(other.body).toEqual(missing.body);
  });

  it('answers bad input with a 400 that names the failing fields', async () => {
    const bad = await api(endpoints, 'POST', '/content', {
      token: owner.accessToken,
      body: { contentType: 'application/pdf', size: -1, visibility: 'everyone', extra: 1 },
    });
    expect(bad.status).toBe(400);
    const paths = bad.body.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['contentType', 'size', 'visibility']));

    const tooBig = await api(endpoints, 'POST', '/content', {
      token: owner.accessToken,
      body: { contentType: 'image/jpeg', size: 1e12 },
    });
    expect(tooBig.status).toBe(400);
    expect(JSON.stringify(tooBig.body.details)).toContain('size');

    const notJson = await api(endpoints, 'POST', '/content', {
      token: owner.accessToken,
      body: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body.message).toMatch(/JSON/);

    const badId = await api(endpoints, 'GET', '/content/not-a-uuid', { token: owner.accessToken });
    expect(badId.status).toBe(400);
  });

  it('writes derivatives under derived/{contentId}/ and hands them out as short-lived signed URLs', async () => {
    const id = await upload(owner, await makeJpeg(300, 200));
    const { body: item } = await waitForProcessed(endpoints, owner.accessToken, id);
    const { s3 } = clients(endpoints);
    expect(await listKeys(s3, endpoints.bucket, `derived/${id}/`)).toEqual([
      `derived/${id}/display.webp`,
      `derived/${id}/thumbnail.webp`,
    ]);
    // (The local S3 server does not refuse anonymous reads; the bucket's public access block is
    // asserted on the packaged template in tests/infra.)
    for (const { url } of Object.values(item.urls) as { url: string }[]) {
      const signed = new URL(url);
      expect(signed.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      expect(Number(signed.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(300);
    }
  });
});
