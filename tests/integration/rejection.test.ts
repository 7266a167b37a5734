// Bad uploads end REJECTED with a reason and no derivative, and the pipeline keeps going.
import { api, postToS3, signUp, waitForProcessed, type Session } from '../../scripts/lib/client';
import { makeJpeg } from '../../scripts/lib/images';
import { clients, listKeys } from '../support/aws';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
let user: Session;

beforeAll(async () => {
  user = await signUp(endpoints);
});

async function uploadAs(data: Buffer, declared: { contentType: string; size?: number }) {
  const created = await api(endpoints, 'POST', '/content', {
    token: user.accessToken,
    body: { size: data.length, ...declared },
  });
  expect(created.status).toBe(201);
  await postToS3(created.body, data, declared.contentType);
  return created.body.contentId as string;
}

describe('rejected uploads', () => {
  it('rejects a non-image sent as image/jpeg with a reason and writes no derivative; the next upload still processes', async () => {
    const text = Buffer.from('%PDF-1.4\nThis is not a picture at all, whatever the Content-Type says.\n'.repeat(50));
    const bad = await uploadAs(text, { contentType: 'image/jpeg' });
    const { body: rejected } = await waitForProcessed(endpoints, user.accessToken, bad);
    expect(rejected.status).toBe('REJECTED');
    expect(rejected.reason).toMatch(/not a supported image/i);
    expect(rejected.urls).toEqual({});
    const { s3 } = clients(endpoints);
    expect(await listKeys(s3, endpoints.bucket, `derived/${bad}/`)).toEqual([]);

    const good = await uploadAs(await makeJpeg(640, 480), { contentType: 'image/jpeg' });
    const { body: ready } = await waitForProcessed(endpoints, user.accessToken, good);
    expect(ready.status).toBe('READY');
  });

  it('rejects a truncated JPEG that only its decoder can tell apart', async () => {
    const jpeg = await makeJpeg(800, 600);
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    const id = await uploadAs(truncated, { contentType: 'image/jpeg' });
    const { body } = await waitForProcessed(endpoints, user.accessToken, id);
    expect(body.status).toBe('REJECTED');
    expect(body.reason).toMatch(/decode/i);
    const { s3 } = clients(endpoints);
    expect(await listKeys(s3, endpoints.bucket, `derived/${id}/`)).toEqual([]);
  });

  it('rejects a file larger than the size declared for it', async () => {
    const jpeg = await makeJpeg(400, 300);
    const id = await uploadAs(jpeg, { contentType: 'image/jpeg', size: 100 });
    const { body } = await waitForProcessed(endpoints, user.accessToken, id);
    expect(body.status).toBe('REJECTED');
    expect(body.reason).toMatch(/larger than declared/);
  });
});
