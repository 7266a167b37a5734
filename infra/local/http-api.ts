import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthorizerDefinition } from './definition';
import { FunctionError } from './runtime';
import { localLog } from './log';

const log = localLog('http-api');

export interface Route {
  method: string; // GET, POST, ... or ANY
  path: string; // /content/{id}, /files/{proxy+}
  functionName: string;
  authorizer?: AuthorizerDefinition & { name: string };
}

/**
 * The HTTP API's CORS configuration, as the service definition states it (`provider.httpApi.cors`,
 * see corsRules): API Gateway answers preflights itself and adds these headers to the answers of a
 * cross-origin request.
 */
export interface CorsRules {
  allowOrigins: string[];
  allowHeaders: string[];
  allowMethods: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  maxAge?: number;
}

// The Serverless Framework's defaults for `cors: true` (its http-api compiler).
const DEFAULT_ALLOWED_HEADERS = [
  'Content-Type',
  'X-Amz-Date',
  'Authorization',
  'X-Api-Key',
  'X-Amz-Security-Token',
  'X-Amz-User-Agent',
];

/**
 * `provider.httpApi.cors` of the service definition as rules, the way the Serverless Framework
 * compiles it into the template: `true` gives its defaults (any origin, its default headers, the
 * methods of the routes); an object gives what it names, with the same defaults for what it
 * leaves out. Undefined when CORS is off.
 */
export function corsRules(cors: unknown, routes: Route[]): CorsRules | undefined {
  if (!cors) return undefined;
  const routeMethods = ['OPTIONS', ...new Set(routes.map((r) => r.method).filter((m) => m !== 'ANY'))];
  if (cors === true) {
    return {
      allowOrigins: ['*'],
      allowHeaders: DEFAULT_ALLOWED_HEADERS,
      allowMethods: routeMethods,
      exposeHeaders: [],
      allowCredentials: false,
    };
  }
  const c = cors as {
    allowedOrigins?: string[];
    allowedHeaders?: string[];
    allowedMethods?: string[];
    exposedResponseHeaders?: string[];
    allowCredentials?: boolean;
    maxAge?: number;
  };
  return {
    allowOrigins: c.allowedOrigins ?? ['*'],
    allowHeaders: c.allowedHeaders ?? DEFAULT_ALLOWED_HEADERS,
    allowMethods: c.allowedMethods ?? routeMethods,
    exposeHeaders: c.exposedResponseHeaders ?? [],
    allowCredentials: c.allowCredentials ?? false,
    ...(c.maxAge === undefined ? {} : { maxAge: c.maxAge }),
  };
}

export interface HttpApiOptions {
  port: number;
  host: string;
  routes: Route[];
  cors?: CorsRules;
  invoke(functionName: string, event: unknown): Promise<unknown>;
  accountId: string;
  /** Local-only control routes under /_local/ (not part of the service's API). */
  control?: Record<string, (url: URL) => Promise<unknown>>;
  /** API Gateway's payload limit. */
  maxBodyBytes?: number;
}

interface CompiledRoute extends Route {
  routeKey: string;
  pattern: RegExp;
  params: string[];
  specificity: number;
}

function compile(route: Route): CompiledRoute {
  const params: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const greedy = /^\{(.+)\+\}$/.exec(segment);
      if (greedy) {
        params.push(greedy[1]!);
        return '(.+)';
      }
      const param = /^\{(.+)\}$/.exec(segment);
      if (param) {
        params.push(param[1]!);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return {
    ...route,
    routeKey: `${route.method.toUpperCase()} ${route.path}`,
    pattern: new RegExp(`^${source}$`),
    params,
    // Like API Gateway, the most specific route wins: literal segments before parameters.
    specificity:
      route.path.split('/').filter((s) => !s.startsWith('{')).length * 10 - (route.path.includes('+}') ? 5 : 0),
  };
}

interface CachedAuthorization {
  expires: number;
  context: Record<string, unknown>;
  authorized: boolean;
}

/**
 * An HTTP API (API Gateway v2) on one port: matches routes from the service definition, runs the
 * Lambda REQUEST authorizer (simple responses, payload 2.0) with its result cache, builds
 * payload 2.0 events and maps function results to HTTP responses as API Gateway does.
 */
export async function startHttpApi(options: HttpApiOptions): Promise<{ url: string; close(): Promise<void> }> {
  const routes = options.routes.map(compile).sort((a, b) => b.specificity - a.specificity);
  const authCache = new Map<string, CachedAuthorization>();
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const apiId = 'local';

  // Only a request with an allowed Origin gets CORS headers, as from API Gateway: the preflight
  // (OPTIONS with Access-Control-Request-Method) the allow-* set, any other answer the origin and
  // the exposed headers.
  const corsHeaders = (req: http.IncomingMessage): Record<string, string> => {
    const cors = options.cors;
    const origin = req.headers.origin;
    if (!cors || !origin || !(cors.allowOrigins.includes('*') || cors.allowOrigins.includes(origin))) return {};
    const headers: Record<string, string> = {
      'access-control-allow-origin': cors.allowOrigins.includes('*') && !cors.allowCredentials ? '*' : origin,
      ...(cors.allowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
      vary: 'Origin',
    };
    if (isPreflight(req)) {
      headers['access-control-allow-methods'] = cors.allowMethods.join(',');
      headers['access-control-allow-headers'] = cors.allowHeaders.join(',');
      if (cors.maxAge !== undefined) headers['access-control-max-age'] = String(cors.maxAge);
    } else if (cors.exposeHeaders.length > 0) {
      headers['access-control-expose-headers'] = cors.exposeHeaders.join(',');
    }
    return headers;
  };
  const isPreflight = (req: http.IncomingMessage) =>
    req.method === 'OPTIONS' && Boolean(req.headers['access-control-request-method']);

  const send = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string | string[]> = {},
  ) => {
    res.writeHead(status, {
      'apigw-requestid': String(res.getHeader('apigw-requestid') ?? ''),
      ...corsHeaders(req),
      ...headers,
    });
    res.end(body);
  };
  const message = (req: http.IncomingMessage, res: http.ServerResponse, status: number, text: string) =>
    send(req, res, status, JSON.stringify({ message: text }), { 'content-type': 'application/json' });

  const server = http.createServer(async (req, res) => {
    const requestId = randomUUID();
    res.setHeader('apigw-requestid', requestId);
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    try {
      if (options.cors && isPreflight(req)) return send(req, res, 204, '');
      const control = url.pathname.startsWith('/_local/')
        ? options.control?.[url.pathname.slice('/_local/'.length)]
        : undefined;
      if (control)
        return send(req, res, 200, JSON.stringify(await control(url)), { 'content-type': 'application/json' });
      let match: ReturnType<typeof findRoute>;
      try {
        match = findRoute(routes, method, url.pathname);
      } catch {
        return message(req, res, 400, 'Bad Request'); // a path parameter that is not valid %-encoding
      }
      if (!match) return message(req, res, 404, 'Not Found');

      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > maxBody) return message(req, res, 413, 'Request Entity Too Large');
        chunks.push(chunk as Buffer);
      }
      const body = Buffer.concat(chunks);
      const event = buildEvent(req, url, body, match.route, match.pathParameters, requestId, options.accountId, apiId);

      if (match.route.authorizer) {
        const outcome = await authorize(match.route, event);
        if (outcome === 'unauthorized') return message(req, res, 401, 'Unauthorized');
        if (outcome === 'forbidden') return message(req, res, 403, 'Forbidden');
        if (outcome === 'error') return message(req, res, 500, 'Internal Server Error');
        (event.requestContext as Record<string, unknown>).authorizer = { lambda: outcome };
      }

      let result: unknown;
      try {
        result = await options.invoke(match.route.functionName, event);
      } catch (error) {
        log.warn(`${match.route.routeKey}: function ${match.route.functionName} failed: ${(error as Error).message}`);
        // A function error or timeout (below API Gateway's own 30 s limit) is a plain 500.
        return message(req, res, 500, 'Internal Server Error');
      }
      respond(req, res, result);
    } catch (error) {
      log.error(`request failed: ${(error as Error).stack}`);
      if (!res.headersSent) message(req, res, 500, 'Internal Server Error');
    } finally {
      log.info(`${method} ${url.pathname} -> ${res.statusCode} (${Date.now() - started} ms)`);
    }
  });

  function respond(req: http.IncomingMessage, res: http.ServerResponse, result: unknown) {
    // Payload 2.0: a result without statusCode is taken as a 200 JSON body.
    if (!result || typeof result !== 'object' || !('statusCode' in result)) {
      return send(req, res, 200, typeof result === 'string' ? result : JSON.stringify(result), {
        'content-type': 'application/json',
      });
    }
    const r = result as {
      statusCode: number;
      headers?: Record<string, string>;
      body?: unknown;
      isBase64Encoded?: boolean;
      cookies?: string[];
    };
    if (!Number.isInteger(r.statusCode) || (r.body !== undefined && typeof r.body !== 'string')) {
      // API Gateway answers a malformed Lambda response with a 500.
      log.error(
        `malformed function response: statusCode ${JSON.stringify(r.statusCode)}, body of type ${typeof r.body}`,
      );
      return send(req, res, 500, JSON.stringify({ message: 'Internal Server Error' }), {
        'content-type': 'application/json',
      });
    }
    const headers: Record<string, string | string[]> = { ...(r.headers ?? {}) };
    if (r.cookies?.length) headers['set-cookie'] = r.cookies;
    const body = r.body === undefined ? '' : r.isBase64Encoded ? Buffer.from(r.body, 'base64') : r.body;
    res.writeHead(r.statusCode, {
      'apigw-requestid': String(res.getHeader('apigw-requestid')),
      ...corsHeaders(req),
      ...headers,
    });
    res.end(body);
  }

  async function authorize(
    route: CompiledRoute,
    event: Record<string, any>,
  ): Promise<Record<string, unknown> | 'unauthorized' | 'forbidden' | 'error'> {
    const authorizer = route.authorizer!;
    const sources = [authorizer.identitySource ?? '$request.header.Authorization'].flat();
    const identity: string[] = [];
    for (const source of sources) {
      const value = identityValue(source, event);
      // API Gateway answers 401 without calling the authorizer when an identity source is missing.
      if (!value) return 'unauthorized';
      identity.push(value);
    }
    const cacheKey = `${authorizer.name}\n${identity.join('\n')}`;
    const ttl = authorizer.resultTtlInSeconds ?? 0;
    const cached = ttl > 0 ? authCache.get(cacheKey) : undefined;
    if (cached && cached.expires > Date.now()) return cached.authorized ? cached.context : 'forbidden';

    const authEvent = {
      version: '2.0',
      type: 'REQUEST',
      routeArn: `arn:aws:execute-api:${process.env.AWS_REGION ?? 'us-east-1'}:${options.accountId}:${apiId}/$default/${route.method.toUpperCase()}${route.path}`,
      identitySource: identity,
      routeKey: event.routeKey,
      rawPath: event.rawPath,
      rawQueryString: event.rawQueryString,
      cookies: event.cookies,
      headers: event.headers,
      queryStringParameters: event.queryStringParameters,
      requestContext: event.requestContext,
      pathParameters: event.pathParameters,
      stageVariables: undefined,
    };
    let result: unknown;
    try {
      result = await options.invoke(authorizer.functionName, authEvent);
    } catch (error) {
      // An authorizer that throws 'Unauthorized' makes API Gateway answer 401; any other error is a 500.
      if (error instanceof FunctionError && error.message === 'Unauthorized') return 'unauthorized';
      return 'error';
    }
    const simple = result as { isAuthorized?: unknown; context?: Record<string, unknown> };
    if (typeof simple?.isAuthorized !== 'boolean') {
      log.error(
        `authorizer ${authorizer.functionName} returned no isAuthorized boolean (simple responses are enabled)`,
      );
      return 'error';
    }
    const entry = { authorized: simple.isAuthorized, context: simple.context ?? {}, expires: Date.now() + ttl * 1000 };
    if (ttl > 0) {
      authCache.set(cacheKey, entry);
      if (authCache.size > 10_000) authCache.delete(authCache.keys().next().value!);
    }
    return entry.authorized ? entry.context : 'forbidden';
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function findRoute(routes: CompiledRoute[], method: string, pathname: string) {
  for (const route of routes) {
    if (route.method.toUpperCase() !== method && route.method.toUpperCase() !== 'ANY' && route.method !== '*') continue;
    const m = route.pattern.exec(pathname);
    if (!m) continue;
    const pathParameters: Record<string, string> = {};
    route.params.forEach((name, i) => {
      pathParameters[name] = decodeURIComponent(m[i + 1]!);
    });
    return { route, pathParameters };
  }
  return undefined;
}

function identityValue(source: string, event: Record<string, any>): string | undefined {
  const header = /^\$request\.header\.(.+)$/i.exec(source);
  if (header) return event.headers[header[1]!.toLowerCase()];
  const query = /^\$request\.querystring\.(.+)$/i.exec(source);
  if (query) return event.queryStringParameters?.[query[1]!];
  return undefined;
}

function buildEvent(
  req: http.IncomingMessage,
  url: URL,
  body: Buffer,
  route: CompiledRoute,
  pathParameters: Record<string, string>,
  requestId: string,
  accountId: string,
  apiId: string,
) {
  // Payload 2.0: header names lowercased, repeated headers joined with commas, cookies apart.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const queryStringParameters: Record<string, string> = {};
  for (const [k, v] of url.searchParams)
    queryStringParameters[k] = k in queryStringParameters ? `${queryStringParameters[k]},${v}` : v;
  const cookies = req.headers.cookie
    ?.split(';')
    .map((c) => c.trim())
    .filter(Boolean);
  const contentType = headers['content-type'] ?? '';
  const textual =
    /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript)|.*\+json)/i.test(contentType) ||
    body.length === 0;
  const now = new Date();
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(Object.keys(queryStringParameters).length ? { queryStringParameters } : {}),
    requestContext: {
      accountId,
      apiId,
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0],
      http: {
        method: (req.method ?? 'GET').toUpperCase(),
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(route.params.length ? { pathParameters } : {}),
    ...(body.length ? { body: textual ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: !textual,
  };
}
