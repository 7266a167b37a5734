// apiRoute validates every part of a request its route declares, before the handler runs, and
// maps errors to their status, code and headers.
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { ForbiddenError, PreconditionFailedError } from '#shared/http/errors';
import { apiRoute, type ApiEvent } from '#shared/http/api';
import type { RouteDefinition } from '#shared/http/openapi';

const context = { functionName: 'test', awsRequestId: 'req-1' } as Context;

function event(parts: Partial<ApiEvent> & { userId?: string } = {}): ApiEvent {
  const { userId = 'user-1', ...rest } = parts;
  return {
    version: '2.0',
    routeKey: 'PATCH /things/{id}',
    rawPath: '/things/1',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      requestId: 'r1',
      authorizer: userId ? { lambda: { userId, username: 'u' } } : undefined,
    } as ApiEvent['requestContext'],
    ...rest,
  } as ApiEvent;
}

const thingRoute = {
  method: 'PATCH',
  path: '/things/{id}',
  summary: 'Change a thing',
  auth: true,
  request: {
    params: z.object({ id: z.uuid() }),
    query: z.object({ dryRun: z.enum(['true', 'false']).default('false') }),
    headers: z.object({ 'if-match': z.string().max(10).optional() }),
    body: z.strictObject({ name: z.string().min(1).max(20) }),
  },
  responses: {
    200: {
      description: 'ok',
      body: z.object({ id: z.string(), name: z.string(), dryRun: z.boolean(), ifMatch: z.string().optional() }),
    },
  },
} as const satisfies RouteDefinition;

const id = '4f1c2a3e-1d2b-4c3d-8e9f-0a1b2c3d4e5f';
const handler = apiRoute(thingRoute, async ({ userId, params, query, headers, body }) => ({
  status: 200,
  body: {
    id: `${userId}:${params.id}`,
    name: body.name,
    dryRun: query.dryRun === 'true',
    ifMatch: headers['if-match'],
  },
  headers: { etag: '"v2"' },
}));

const parse = (result: { body?: string }) => JSON.parse(result.body ?? 'null');

describe('apiRoute', () => {
  it('hands the handler typed, validated params, query, headers and body, and writes its reply', async () => {
    const result = await handler(
      event({
        pathParameters: { id },
        queryStringParameters: { dryRun: 'true' },
        headers: { 'if-match': '"v1"', 'x-other': 'dropped' },
        body: JSON.stringify({ name: 'n' }),
      }),
      context,
    );
    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({ 'content-type': 'application/json', etag: '"v2"' });
    expect(parse(result)).toEqual({ id: `user-1:${id}`, name: 'n', dryRun: true, ifMatch: '"v1"' });
  });

  it.each([
    ['a bad path parameter', { pathParameters: { id: 'nope' }, body: '{"name":"n"}' }, 'id'],
    [
      'a bad query value',
      { pathParameters: { id }, queryStringParameters: { dryRun: 'maybe' }, body: '{"name":"n"}' },
      'dryRun',
    ],
    [
      'a header past its cap',
      { pathParameters: { id }, headers: { 'if-match': '"v12345678901"' }, body: '{"name":"n"}' },
      'if-match',
    ],
    ['an unknown body field', { pathParameters: { id }, body: '{"name":"n","extra":1}' }, ''],
    ['a body field out of range', { pathParameters: { id }, body: JSON.stringify({ name: 'x'.repeat(21) }) }, 'name'],
  ])('answers 400 VALIDATION_FAILED naming the field for %s', async (_what, parts, path) => {
    let ran = false;
    const guarded = apiRoute(thingRoute, async () => {
      ran = true;
      return { status: 200, body: { id: '', name: '', dryRun: false } };
    });
    const result = await guarded(event(parts as Partial<ApiEvent>), context);
    expect(result.statusCode).toBe(400);
    expect(parse(result)).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'Request validation failed.',
      details: [expect.objectContaining({ path })],
    });
    expect(ran).toBe(false);
  });

  it('tells a missing body from one that is not JSON, base64 or not', async () => {
    expect(parse(await handler(event({ pathParameters: { id } }), context))).toMatchObject({ code: 'BODY_REQUIRED' });
    expect(parse(await handler(event({ pathParameters: { id }, body: '{name' }), context))).toMatchObject({
      code: 'BODY_NOT_JSON',
    });
    const encoded = await handler(
      event({ pathParameters: { id }, body: Buffer.from('{"name":"b64"}').toString('base64'), isBase64Encoded: true }),
      context,
    );
    expect(parse(encoded).name).toBe('b64');
  });

  it('maps an HttpError to its status, code, message and headers', async () => {
    const stale = apiRoute(thingRoute, async () => {
      throw new PreconditionFailedError('Changed meanwhile.', { etag: '"v7"' });
    });
    const result = await stale(event({ pathParameters: { id }, body: '{"name":"n"}' }), context);
    expect(result.statusCode).toBe(412);
    expect(result.headers).toMatchObject({ etag: '"v7"' });
    expect(parse(result)).toEqual({ code: 'PRECONDITION_FAILED', message: 'Changed meanwhile.' });
    const forbidden = new ForbiddenError('Not yours.');
    expect([forbidden.statusCode, forbidden.code, forbidden.name]).toEqual([403, 'FORBIDDEN', 'ForbiddenError']);
  });

  it('hides anything unexpected behind a plain 500, and refuses an authorized route reached without a user', async () => {
    const broken = apiRoute(thingRoute, async () => {
      throw new Error('secret detail');
    });
    const result = await broken(event({ pathParameters: { id }, body: '{"name":"n"}' }), context);
    expect(result.statusCode).toBe(500);
    expect(parse(result)).toEqual({ code: 'INTERNAL', message: 'Internal server error' });
    const anonymous = await handler(event({ userId: '', pathParameters: { id }, body: '{"name":"n"}' }), context);
    expect(anonymous.statusCode).toBe(500);
  });

  it('runs a public route without a user, with nothing to parse', async () => {
    const route = {
      method: 'GET',
      path: '/hello',
      summary: 'Hello',
      auth: false,
      responses: { 200: { description: 'ok', body: z.object({ who: z.string() }) }, 204: { description: 'none' } },
    } as const satisfies RouteDefinition;
    const hello = apiRoute(route, async ({ userId, params, body }) =>
      userId === undefined && params === undefined && body === undefined
        ? { status: 200, body: { who: 'anyone' } }
        : { status: 204 },
    );
    const result = await hello(event({ userId: '' }), context);
    expect([result.statusCode, parse(result)]).toEqual([200, { who: 'anyone' }]);
  });
});
