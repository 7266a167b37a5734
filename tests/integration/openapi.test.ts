// GET /openapi.json on the running stack, and the running API's answers checked against it.
import { Validator } from '@seriousme/openapi-schema-validator';
// ajv and ajv-formats come with @seriousme/openapi-schema-validator (its own dependencies).
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { api, signUp, type Session } from '../../scripts/lib/client';
import { apiInfo, apiRoutes } from '#shared/http/routes';
import { buildOpenApiDocument, routeList, type OpenApiDocument } from '#shared/http/openapi';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
const DOC_URI = 'https://media-share.test/openapi.json';

let served: OpenApiDocument;
let user: Session;

beforeAll(async () => {
  served = (await api<OpenApiDocument>(endpoints, 'GET', '/openapi.json')).body;
  user = await signUp(endpoints);
});

/** A validator for the schema of `path`/`method`/`status` in the served document. */
function responseSchema(path: string, method: string, status: number) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  ajv.addVocabulary(Object.keys(served));
  ajv.addSchema(served, DOC_URI);
  const response = (served.paths[path]![method] as { responses: Record<string, { $ref?: string }> }).responses[status]!;
  const pointer = response.$ref
    ? `${response.$ref.slice(1)}/content/application~1json/schema`
    : `/paths/${path.replaceAll('/', '~1')}/${method}/responses/${status}/content/application~1json/schema`;
  return ajv.compile({ $ref: `${DOC_URI}#${pointer}` });
}

function expectMatches(path: string, method: string, status: number, res: { status: number; body: unknown }) {
  expect(res.status).toBe(status);
  const validate = responseSchema(path, method, status);
  expect(validate(res.body), JSON.stringify(validate.errors)).toBe(true);
}

describe('GET /openapi.json', () => {
  it('answers without a token, as JSON that caches', async () => {
    const res = await fetch(`${endpoints.api}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    // The local stage uses the parameters' defaults, so the registry's default document is the one.
    expect(await res.json()).toEqual(buildOpenApiDocument(routeList(apiRoutes()), apiInfo));
  });

  it('serves a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(served) as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('is not behind the authorizer: a bad token changes nothing', async () => {
    const res = await api(endpoints, 'GET', '/openapi.json', { headers: { authorization: 'Bearer not-a-token' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(served);
  });
});

describe('the API answers as the document says', () => {
  it('POST /content: 201 with a ticket, 400 naming the failing fields, 401 without a token', async () => {
    const created = await api(endpoints, 'POST', '/content', {
      token: user.accessToken,
      body: { contentType: 'image/png', size: 1234 },
    });
    expectMatches('/content', 'post', 201, created);
    expect(created.headers.get('location')).toBe(`/content/${created.body.contentId}`);

    const invalid = await api(endpoints, 'POST', '/content', {
      token: user.accessToken,
      body: { contentType: 'image/gif', size: 0 },
    });
    expectMatches('/content', 'post', 400, invalid);
    expect(invalid.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['contentType', 'size']);

    expectMatches(
      '/content',
      'post',
      401,
      await api(endpoints, 'POST', '/content', { body: { contentType: 'image/png', size: 1 } }),
    );
  });

  it("GET /content/{id}: 200 with the owner's view and its ETag, 400 for a bad id, 404 for an unknown one", async () => {
    const created = await api(endpoints, 'POST', '/content', {
      token: user.accessToken,
      body: { contentType: 'image/jpeg', size: 10, caption: 'hello', visibility: 'friends' },
    });
    const view = await api(endpoints, 'GET', `/content/${created.body.contentId}`, { token: user.accessToken });
    expectMatches('/content/{id}', 'get', 200, view);
    expect(view.body).toMatchObject({
      contentId: created.body.contentId,
      status: 'PENDING',
      caption: 'hello',
      visibility: 'friends',
    });
    expect(view.headers.get('etag')).toMatch(/^"v\d+"$/);

    expectMatches(
      '/content/{id}',
      'get',
      400,
      await api(endpoints, 'GET', '/content/not-a-uuid', { token: user.accessToken }),
    );
    expectMatches(
      '/content/{id}',
      'get',
      404,
      await api(endpoints, 'GET', `/content/${crypto.randomUUID()}`, { token: user.accessToken }),
    );
    expectMatches('/content/{id}', 'get', 401, await api(endpoints, 'GET', `/content/${crypto.randomUUID()}`));
  });
});
