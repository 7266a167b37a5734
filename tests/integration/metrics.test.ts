// Business metrics reach CloudWatch the way they would in AWS: as Embedded Metric Format lines in
// the functions' logs, which the local stack turns into data points (infra/local/metrics.ts).
import { api, postToS3, signUp, waitForAsyncIdle, waitForProcessed, type Session } from '../../scripts/lib/client';
import { makeJpeg } from '../../scripts/lib/images';
import type { MetricPoint } from '../../infra/local/metrics';
import { eventually } from '../support/aws';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
let user: Session;

async function points(name: string): Promise<MetricPoint[]> {
  const res = await fetch(`${endpoints.api}/_local/metrics?name=${name}`);
  return ((await res.json()) as { points: MetricPoint[] }).points;
}

/** The points of `name` added after `before`, once there are `count` of them (log lines arrive a little after an invocation ends). */
async function added(name: string, before: number, count: number): Promise<MetricPoint[]> {
  // While the stack keeps emitting points (of any metric), it is still working: wait on.
  return eventually(
    `${count} new ${name} point(s)`,
    async () => {
      const now = await points(name);
      return now.length >= before + count ? now.slice(before) : undefined;
    },
    20_000,
    async () => (await points('')).length,
  );
}

async function upload(data: Buffer): Promise<string> {
  const created = await api(endpoints, 'POST', '/content', {
    token: user.accessToken,
    body: { size: data.length, contentType: 'image/jpeg' },
  });
  expect(created.status).toBe(201);
  await postToS3(created.body, data, 'image/jpeg');
  return created.body.contentId as string;
}

beforeAll(async () => {
  user = await signUp(endpoints);
  await waitForAsyncIdle(endpoints);
});

describe('business metrics', () => {
  it('counts an upload that becomes READY once, under the service namespace', async () => {
    const before = (await points('UploadReady')).length;
    const feedBefore = (await points('FeedEntriesWritten')).length;
    const id = await upload(await makeJpeg(640, 480));
    expect((await waitForProcessed(endpoints, user.accessToken, id)).body.status).toBe('READY');
    await waitForAsyncIdle(endpoints);
    const [point] = await added('UploadReady', before, 1);
    expect(point).toMatchObject({
      namespace: 'media-share',
      value: 1,
      unit: 'Count',
      dimensions: { service: 'media-share' },
    });
    expect(['thumbnail', 'metadata']).toContain(point!.functionName.split('-').at(-1));
    expect(await points('UploadReady')).toHaveLength(before + 1);
    // The READY item reaches its owner's feed: the feed builder (a stream function) counts the entry.
    const [feed] = await added('FeedEntriesWritten', feedBefore, 1);
    expect(feed!.functionName).toMatch(/feedBuilder$/);
    expect(feed!.value).toBeGreaterThanOrEqual(1);
  });

  it('counts a rejected upload by its reason code', async () => {
    const before = (await points('UploadRejected')).length;
    const id = await upload(Buffer.from('not a picture, whatever the Content-Type says\n'.repeat(40)));
    expect((await waitForProcessed(endpoints, user.accessToken, id)).body.status).toBe('REJECTED');
    await waitForAsyncIdle(endpoints);
    const [point] = await added('UploadRejected', before, 1);
    expect(point).toMatchObject({ value: 1, dimensions: { service: 'media-share', reason: 'unsupported-type' } });
    expect(await points('UploadRejected')).toHaveLength(before + 1);
  });

  it("counts the authorizer's refusals by reason", async () => {
    const before = (await points('AuthorizerRefusals')).length;
    const res = await api(endpoints, 'GET', '/me', { token: `not-a-jwt-${Date.now()}` });
    expect(res.status).toBe(401);
    const [point] = await added('AuthorizerRefusals', before, 1);
    expect(point!.dimensions).toEqual({ service: 'media-share', reason: 'malformed_token' });
    expect(point!.functionName).toMatch(/authorizer$/);
  });
});
