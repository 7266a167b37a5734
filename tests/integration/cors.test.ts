// CORS as a browser app on another origin meets it: API Gateway answers the preflight itself with
// the rules of serverless.yml (provider.httpApi.cors), and adds the allowed origin and the exposed
// headers to every answer of a cross-origin request, so the app can send If-Match and read ETag.
import { api, signUp, type Session } from '../../scripts/lib/client';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
const origin = 'https://app.example.org';
let owner: Session;
let contentId: string;

const list = (value: string | null) => (value ?? '').split(',').map((v) => v.trim().toLowerCase());

beforeAll(async () => {
  owner = await signUp(endpoints);
  const created = await api(endpoints, 'POST', '/content', {
    token: owner.accessToken,
    body: { contentType: 'image/jpeg', size: 1000 },
  });
  contentId = created.body.contentId;
});

it('answers the preflight of an edit: PATCH with If-Match, from any origin, cached for a while', async () => {
  const res = await fetch(`${endpoints.api}/content/${contentId}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'PATCH',
      'access-control-request-headers': 'authorization,content-type,if-match',
    },
  });
  expect(res.status).toBe(204);
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  expect(list(res.headers.get('access-control-allow-methods'))).toContain('patch');
  expect(list(res.headers.get('access-control-allow-headers'))).toEqual(
    expect.arrayContaining(['authorization', 'content-type', 'if-match']),
  );
  expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
});

it('exposes ETag and Location on cross-origin answers, and adds nothing without an Origin', async () => {
  const read = await api(endpoints, 'GET', `/content/${contentId}`, { token: owner.accessToken, headers: { origin } });
  expect(read.status).toBe(200);
  expect(read.headers.get('etag')).toMatch(/^"v\d+"$/);
  expect(read.headers.get('access-control-allow-origin')).toBe('*');
  expect(list(read.headers.get('access-control-expose-headers'))).toEqual(expect.arrayContaining(['etag', 'location']));

  const sameOrigin = await api(endpoints, 'GET', `/content/${contentId}`, { token: owner.accessToken });
  expect(sameOrigin.headers.get('access-control-allow-origin')).toBeNull();
  expect(sameOrigin.headers.get('access-control-expose-headers')).toBeNull();
});

it('adds the CORS headers to refusals too, so the app can read why', async () => {
  const refused = await api(endpoints, 'PATCH', `/content/${contentId}`, {
    token: owner.accessToken,
    headers: { origin },
    body: { caption: 'x' },
  });
  expect(refused.status).toBe(428);
  expect(refused.headers.get('access-control-allow-origin')).toBe('*');
  expect(refused.body.code).toBe('PRECONDITION_REQUIRED');
});
