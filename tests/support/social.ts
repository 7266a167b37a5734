// Helpers for tests that need users in given relationships and READY content.
import { api, postToS3, signUp, waitForProcessed, type Endpoints, type Session } from '../../scripts/lib/client';
import { makeJpeg } from '../../scripts/lib/images';

export async function befriend(endpoints: Endpoints, a: Session, b: Session): Promise<void> {
  const ask = await api(endpoints, 'POST', `/friends/${b.userId}`, { token: a.accessToken });
  expect(ask.status, JSON.stringify(ask.body)).toBeLessThan(300);
  const accept = await api(endpoints, 'POST', `/friends/${a.userId}`, { token: b.accessToken });
  expect(accept.status, JSON.stringify(accept.body)).toBeLessThan(300);
}

export async function request(endpoints: Endpoints, from: Session, to: Session): Promise<void> {
  const res = await api(endpoints, 'POST', `/friends/${to.userId}`, { token: from.accessToken });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
}

export async function block(endpoints: Endpoints, blocker: Session, blocked: Session): Promise<void> {
  const res = await api(endpoints, 'POST', `/blocks/${blocked.userId}`, { token: blocker.accessToken });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
}

export async function unfriend(endpoints: Endpoints, a: Session, b: Session): Promise<void> {
  const res = await api(endpoints, 'DELETE', `/friends/${b.userId}`, { token: a.accessToken });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
}

/** Uploads a small JPEG and waits until it is READY; returns the content id. */
export async function readyContent(
  endpoints: Endpoints,
  owner: Session,
  body: Record<string, unknown> = {},
): Promise<string> {
  const jpeg = await makeJpeg(96, 64, { make: 'Test', model: 'Cam', gps: { latitude: 10.5, longitude: 20.25 } });
  const created = await api(endpoints, 'POST', '/content', {
    token: owner.accessToken,
    body: { contentType: 'image/jpeg', size: jpeg.length, ...body },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await postToS3(created.body, jpeg, 'image/jpeg');
  const { body: item } = await waitForProcessed(endpoints, owner.accessToken, created.body.contentId);
  expect(item.status).toBe('READY');
  return created.body.contentId;
}

export { signUp };
