// The OpenAPI document built from the route registry: valid per an OpenAPI 3.1 validator, its JSON
// Schemas valid 2020-12, and its request schemas accepting what the handlers' zod schemas accept.
import { randomUUID } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
// ajv and ajv-formats come with @seriousme/openapi-schema-validator (its own dependencies).
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { z } from 'zod';
import {
  CAPTION_MAX,
  contentIdSchema,
  createContentSchema,
  UPLOAD_CONTENT_TYPES,
  VISIBILITIES,
} from '#shared/content/model';
import { apiInfo, apiRoutes, DEFAULT_UPLOAD_MAX_BYTES } from '#shared/http/routes';
import { buildOpenApiDocument, routeList, type OpenApiDocument, type RouteSpec } from '#shared/http/openapi';

const doc = buildOpenApiDocument(routeList(apiRoutes()), apiInfo);
const DOC_URI = 'https://media-share.test/openapi.json';

/** Compiles the schema at `pointer` in `document` with ajv (2020-12, strict, with formats). */
function schemaAt(document: OpenApiDocument, pointer: string[]) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  // The document's own fields are not schema keywords; schemas inside are compiled through $ref.
  ajv.addVocabulary(Object.keys(document));
  ajv.addSchema(document, DOC_URI);
  const fragment = pointer.map((segment) => segment.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
  return ajv.compile({ $ref: `${DOC_URI}#/${fragment}` });
}

const route = (method: string, path: string) =>
  routeList(apiRoutes()).find((r) => r.method === method && r.path === path)!;
const operation = (path: string, method: string) => doc.paths[path]![method] as Record<string, any>;

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('holds only valid JSON Schema 2020-12 (strict: no keyword or format a validator would ignore)', () => {
    const pointers: string[][] = Object.keys(doc.components.schemas).map((name) => ['components', 'schemas', name]);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item as Record<string, any>)) {
        for (const i of (op.parameters ?? []).keys())
          pointers.push(['paths', path, method, 'parameters', String(i), 'schema']);
        if (op.requestBody)
          pointers.push(['paths', path, method, 'requestBody', 'content', 'application/json', 'schema']);
        for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
          if (response.content)
            pointers.push(['paths', path, method, 'responses', status, 'content', 'application/json', 'schema']);
        }
      }
    }
    expect(pointers.length).toBeGreaterThan(5);
    for (const pointer of pointers) expect(() => schemaAt(doc, pointer), pointer.join('/')).not.toThrow();
  });

  it('is deterministic: the same routes in any order give the same document', () => {
    const again = JSON.stringify(buildOpenApiDocument(routeList(apiRoutes()), apiInfo));
    expect(again).toBe(JSON.stringify(doc));
    expect(JSON.stringify(buildOpenApiDocument(routeList(apiRoutes()).reverse(), apiInfo))).toBe(again);
    expect(Object.keys(doc.paths)).toEqual([...Object.keys(doc.paths)].sort());
    // Pure: a caller changing one document changes no later one.
    const first = buildOpenApiDocument(routeList(apiRoutes()), apiInfo);
    (first.components.responses.BadRequest as { description: string }).description = 'changed';
    first.info.title = 'changed';
    expect(JSON.stringify(buildOpenApiDocument(routeList(apiRoutes()), apiInfo))).toBe(again);
  });

  it('names its server relatively: paths are under wherever the document is served', () => {
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
  });

  it('asks for a Cognito bearer token on authorized routes only, and documents their 401', () => {
    expect(doc.components.securitySchemes.cognitoAccessToken).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    for (const r of routeList(apiRoutes())) {
      const op = operation(r.path, r.method.toLowerCase());
      expect(op.security, `${r.method} ${r.path}`).toEqual(r.auth ? [{ cognitoAccessToken: [] }] : []);
      expect(op.responses[401], `${r.method} ${r.path}`).toEqual(
        r.auth ? { $ref: '#/components/responses/Unauthorized' } : undefined,
      );
    }
    expect(operation('/openapi.json', 'get').security).toEqual([]);
  });

  it('documents 400 where the request is validated and 404 where the path has parameters, with the shared error body', () => {
    expect(Object.keys(operation('/content', 'post').responses).sort()).toEqual([
      '201',
      '400',
      '401',
      '413',
      '429',
      '5XX',
    ]);
    expect(Object.keys(operation('/content/{id}', 'get').responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '404',
      '429',
      '5XX',
    ]);
    expect(Object.keys(operation('/openapi.json', 'get').responses).sort()).toEqual(['200', '429', '5XX']);
    for (const name of [
      'BadRequest',
      'Unauthorized',
      'NotFound',
      'PayloadTooLarge',
      'TooManyRequests',
      'ServerError',
    ] as const) {
      expect((doc.components.responses[name] as any).content['application/json'].schema).toEqual({
        $ref: '#/components/schemas/Error',
      });
    }
    const error = schemaAt(doc, ['components', 'schemas', 'Error']);
    expect(error({ message: 'Request validation failed.', details: [{ path: 'size', message: 'Too small' }] })).toBe(
      true,
    );
    expect(error({ message: 'Unauthorized' })).toBe(true);
    expect(error({ details: [] })).toBe(false);
  });
});

describe('POST /content request body', () => {
  const zodBody = createContentSchema(DEFAULT_UPLOAD_MAX_BYTES);
  const jsonBody = schemaAt(doc, ['paths', '/content', 'post', 'requestBody', 'content', 'application/json', 'schema']);
  const agree = (example: unknown) =>
    expect(jsonBody(example), JSON.stringify(example)?.slice(0, 120)).toBe(zodBody.safeParse(example).success);

  it("is built by the handler's own factory, with the default limit of serverless.yml", () => {
    expect(JSON.stringify(z.toJSONSchema(route('POST', '/content').request!.body!, { io: 'input' }))).toBe(
      JSON.stringify(z.toJSONSchema(zodBody, { io: 'input' })),
    );
    expect(DEFAULT_UPLOAD_MAX_BYTES).toBe(26_214_400);
  });

  it('agrees with zod on hand-picked examples', () => {
    const examples: unknown[] = [
      { contentType: 'image/jpeg', size: 1 },
      { contentType: 'image/heif', size: DEFAULT_UPLOAD_MAX_BYTES, visibility: 'friends', caption: 'at the lake' },
      { contentType: 'image/png', size: 10, caption: 'x'.repeat(CAPTION_MAX) },
      { contentType: 'image/png', size: 10, caption: '' },
      { contentType: 'image/gif', size: 10 },
      { contentType: 'image/jpeg', size: 0 },
      { contentType: 'image/jpeg', size: DEFAULT_UPLOAD_MAX_BYTES + 1 },
      { contentType: 'image/jpeg', size: 1.5 },
      { contentType: 'image/jpeg', size: '10' },
      { contentType: 'image/jpeg' },
      { size: 10 },
      { contentType: 'image/jpeg', size: 10, visibility: 'everyone' },
      { contentType: 'image/jpeg', size: 10, visibility: null },
      { contentType: 'image/jpeg', size: 10, caption: null },
      { contentType: 'image/jpeg', size: 10, caption: 'x'.repeat(CAPTION_MAX + 1) },
      { contentType: 'image/jpeg', size: 10, ownerId: 'someone-else' },
      {},
      null,
      [],
      'image/jpeg',
    ];
    for (const example of examples) agree(example);
    expect(examples.filter((e) => zodBody.safeParse(e).success)).toHaveLength(4); // not agreement by refusing everything
  });

  it('agrees with zod on generated requests', () => {
    const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
    const request = fc.record(
      {
        contentType: maybe(fc.oneof(fc.constantFrom(...UPLOAD_CONTENT_TYPES), fc.string())),
        size: maybe(
          fc.oneof(
            fc.integer({ min: -2, max: DEFAULT_UPLOAD_MAX_BYTES + 2 }),
            fc.constantFrom(DEFAULT_UPLOAD_MAX_BYTES, DEFAULT_UPLOAD_MAX_BYTES + 1),
            fc.double(),
            fc.string(),
          ),
        ),
        visibility: maybe(fc.oneof(fc.constantFrom(...VISIBILITIES), fc.string(), fc.constant(null))),
        caption: maybe(fc.oneof(fc.string({ maxLength: 40 }), fc.constant(null))),
        extra: maybe(fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    // JSON cannot carry undefined or NaN: compare what a client can actually send.
    fc.assert(
      fc.property(request, (example) => void agree(JSON.parse(JSON.stringify(example)))),
      { numRuns: 500 },
    );
  });

  it('is stricter than zod in one known place: a caption trimmed under the limit but longer before', () => {
    // zod trims, then checks the length; JSON Schema has no trim, so the document's maxLength
    // counts the spaces too. A client that follows the document is never refused by the handler.
    const padded = { contentType: 'image/jpeg', size: 10, caption: `${'x'.repeat(CAPTION_MAX)} ` };
    expect(zodBody.safeParse(padded).success).toBe(true);
    expect(jsonBody(padded)).toBe(false);
  });

  it('leaves visibility optional with its default, as a client may send it', () => {
    const schema = operation('/content', 'post').requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(['contentType', 'size']);
    expect(schema.properties.visibility.default).toBe('private');
    expect(schema.additionalProperties).toBe(false);
  });

  it('documents the configured limit when given one', () => {
    const small = buildOpenApiDocument(routeList(apiRoutes({ uploadMaxBytes: 1000 })), apiInfo);
    expect(
      (small.paths['/content']!.post as any).requestBody.content['application/json'].schema.properties.size.maximum,
    ).toBe(1000);
  });
});

describe('GET /content/{id} path parameter', () => {
  const [param] = operation('/content/{id}', 'get').parameters;

  it('is contentIdSchema itself, the schema get.ts validates with', () => {
    expect(route('GET', '/content/{id}').request!.params!.shape.id).toBe(contentIdSchema);
    expect(param).toMatchObject({ name: 'id', in: 'path', required: true });
  });

  it.each([
    randomUUID(),
    randomUUID().toUpperCase(),
    '00000000-0000-0000-0000-000000000000',
    'not-a-uuid',
    '',
    '3f2b8c1e-9a4d-0e6f-8b7a-1c2d3e4f5a6b',
    `urn:uuid:${randomUUID()}`,
    `${randomUUID()}x`,
  ])('agrees with zod on %j', (value) => {
    const jsonParam = schemaAt(doc, ['paths', '/content/{id}', 'get', 'parameters', '0', 'schema']);
    expect(jsonParam(value)).toBe(contentIdSchema.safeParse(value).success);
  });
});

describe('response bodies', () => {
  it('are named components referenced from the operations', () => {
    expect(Object.keys(doc.components.schemas).sort()).toEqual([
      'ContentCreated',
      'ContentPage',
      'ContentView',
      'Device',
      'Error',
      'Me',
      'MediaMetadata',
      'Notification',
      'NotificationPage',
    ]);
    expect(operation('/content/{id}', 'get').responses[200].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ContentView',
    });
    expect(JSON.stringify(doc)).not.toContain('#/$defs/');
  });

  it('describe a content view as ownerView builds it', () => {
    const view = schemaAt(doc, ['components', 'schemas', 'ContentView']);
    const base = {
      contentId: randomUUID(),
      ownerId: 'user-1',
      status: 'READY',
      visibility: 'private',
      contentType: 'image/jpeg',
      createdAt: '2024-06-01T12:00:00.000Z',
      updatedAt: '2024-06-01T12:00:05.000Z',
      version: 3,
      metadata: { width: 640, height: 480, takenAt: '2024:05:01 10:00:00', gps: { latitude: 1.5, longitude: -2 } },
      urls: {
        thumbnail: {
          url: 'http://127.0.0.1:4569/b/derived/x/thumbnail.webp?X-Amz-Signature=1',
          width: 320,
          height: 240,
          contentType: 'image/webp',
        },
        original: { url: 'http://127.0.0.1:4569/b/uploads/u/x' },
      },
    };
    expect(view(base), JSON.stringify(view.errors)).toBe(true);
    expect(view({ ...base, status: 'GONE' })).toBe(false);
    expect(view({ ...base, secret: 1 })).toBe(false);
  });
});

describe('building the document', () => {
  const ok: RouteSpec = {
    method: 'GET',
    path: '/things/{id}',
    operationId: 'getThing',
    summary: 's',
    auth: true,
    request: { params: z.object({ id: z.string() }) },
    responses: { 200: { description: 'ok' } },
  };
  const build = (...routes: RouteSpec[]) => buildOpenApiDocument(routes, apiInfo);

  it('refuses registry mistakes, naming the route', () => {
    expect(() => build(ok, { ...ok, operationId: 'other' })).toThrow('GET /things/{id}: listed twice');
    expect(() => build(ok, { ...ok, method: 'DELETE' })).toThrow('operationId getThing is already used');
    expect(() => build({ ...ok, request: {} })).toThrow(
      "request.params must have exactly the path's parameters [id], has []",
    );
    expect(() => build({ ...ok, request: { params: z.object({ thingId: z.string() }) } })).toThrow(
      '[id], has [thingId]',
    );
    expect(() => build({ ...ok, responses: { 404: { description: 'no' } } })).toThrow('no 2xx response');
    expect(() => build({ ...ok, path: 'things/{id}' })).toThrow('must start with /');
  });

  it('refuses what JSON Schema cannot describe, naming where', () => {
    const transformed = z.object({ n: z.string().transform(Number) });
    expect(() => build({ ...ok, responses: { 200: { description: 'ok', body: transformed } } })).toThrow(
      /GET \/things\/\{id\} 200: cannot be described/,
    );
    type Tree = { children: Tree[] };
    const tree: z.ZodType<Tree> = z.lazy(() => z.object({ children: z.array(tree) }));
    expect(() => build({ ...ok, responses: { 200: { description: 'ok', body: z.object({ root: tree }) } } })).toThrow(
      /needs \.meta\(\{ id/,
    );
  });

  it('lets a route replace a standard response', () => {
    const custom = build({ ...ok, responses: { 200: { description: 'ok' }, 404: { description: 'No such thing.' } } });
    expect((custom.paths['/things/{id}']!.get as any).responses[404]).toEqual({ description: 'No such thing.' });
  });

  it('splits a named schema whose request form differs from its response form', () => {
    const thing = z.object({ name: z.string(), colour: z.enum(['red', 'blue']).default('red') }).meta({ id: 'Thing' });
    const holder = z.object({ thing }).meta({ id: 'ThingHolder' });
    const same = z.enum(['a', 'b']).meta({ id: 'Letter' });
    const out = build({
      method: 'POST',
      path: '/things',
      operationId: 'createThing',
      summary: 's',
      auth: true,
      request: { body: z.object({ holder, letter: same }) },
      responses: { 201: { description: 'ok', body: z.object({ holder, letter: same }) } },
    });
    const schemas = out.components.schemas as Record<string, any>;
    expect(Object.keys(schemas)).toEqual(['Error', 'Letter', 'Thing', 'ThingHolder', 'ThingHolderInput', 'ThingInput']);
    expect(schemas.Thing.required).toEqual(['name', 'colour']);
    expect(schemas.ThingInput.required).toEqual(['name']);
    // ThingHolder is the same text in both forms, but its input form must refer to ThingInput.
    expect(schemas.ThingHolderInput.properties.thing).toEqual({ $ref: '#/components/schemas/ThingInput' });
    expect(schemas.ThingHolder.properties.thing).toEqual({ $ref: '#/components/schemas/Thing' });
    const op = out.paths['/things']!.post as any;
    expect(op.requestBody.content['application/json'].schema.properties).toEqual({
      holder: { $ref: '#/components/schemas/ThingHolderInput' },
      letter: { $ref: '#/components/schemas/Letter' },
    });
  });

  it('turns query and header objects into parameters, required as zod sees them', async () => {
    const out = build({
      method: 'GET',
      path: '/things',
      operationId: 'listThings',
      summary: 's',
      auth: false,
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(100).default(20).describe('Page size.'),
          cursor: z.string().optional(),
        }),
        headers: z.object({ 'if-match': z.string() }),
      },
      responses: { 200: { description: 'ok' } },
    });
    expect((out.paths['/things']!.get as any).parameters).toEqual([
      {
        name: 'limit',
        in: 'query',
        required: false,
        description: 'Page size.',
        schema: { default: 20, type: 'integer', minimum: 1, maximum: 100 },
      },
      { name: 'cursor', in: 'query', required: false, schema: { type: 'string' } },
      { name: 'if-match', in: 'header', required: true, schema: { type: 'string' } },
    ]);
    expect((await new Validator().validate(structuredClone(out) as unknown as Record<string, unknown>)).valid).toBe(
      true,
    );
  });
});
