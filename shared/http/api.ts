// The one wrapper of the HTTP API's handlers. A route object (shared/http/routes.ts) says what a
// request may carry; `apiRoute` parses and validates params, query, headers and body from it before
// the handler runs, so a handler receives typed, checked values and returns a reply whose body type
// is the route's own response schema. The same route objects make the OpenAPI document
// (shared/http/openapi.ts): what is documented is what is enforced.
import type {
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { z } from 'zod';
import type { AuthorizerContext } from '#shared/auth/context';
import { DomainError } from '#shared/core/errors';
import { BadRequestError, HttpError, ValidationError } from '#shared/http/errors';
import { flushMetrics, logger } from '#shared/core/observability';
import type { RouteDefinition } from '#shared/http/openapi';

export type ApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;
export type ApiResult = APIGatewayProxyStructuredResultV2;

type Part = 'params' | 'query' | 'headers' | 'body';
/** The parsed form of one part of a route's request; `undefined` where the route declares none. */
type Parsed<R extends RouteDefinition, P extends Part> = R extends { request: { [K in P]: infer S extends z.ZodType } }
  ? z.output<S>
  : undefined;

/** What a handler receives: the caller and the request, validated against its route. */
export interface RouteInput<R extends RouteDefinition> {
  /** The caller (from the authorizer); `undefined` on a public route. */
  userId: R extends { auth: true } ? string : undefined;
  params: Parsed<R, 'params'>;
  query: Parsed<R, 'query'>;
  headers: Parsed<R, 'headers'>;
  body: Parsed<R, 'body'>;
  context: Context;
}

type SuccessStatus = 200 | 201 | 202 | 204;

/** A handler's answer: one of the route's 2xx responses, its body typed by that response's schema. */
export type RouteReply<R extends RouteDefinition> = {
  [S in keyof R['responses'] & SuccessStatus]: R['responses'][S] extends { body: infer B extends z.ZodType }
    ? { status: S; body: z.output<B>; headers?: Record<string, string> }
    : { status: S; headers?: Record<string, string> };
}[keyof R['responses'] & SuccessStatus];

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * The Lambda handler of one route: adds the Lambda context and the request id to the logs,
 * validates the request against the route (a 400 naming each failing field), runs `fn`, and maps
 * an HttpError to its status, code and headers; anything unexpected becomes a plain 500.
 */
export function apiRoute<R extends RouteDefinition>(route: R, fn: (input: RouteInput<R>) => Promise<RouteReply<R>>) {
  return async (event: ApiEvent, context: Context): Promise<ApiResult> => {
    logger.addContext(context);
    logger.appendKeys({ route: event.routeKey, requestId: event.requestContext?.requestId });
    try {
      const userId = event.requestContext?.authorizer?.lambda?.userId;
      if (route.auth && !userId) {
        // The authorizer guarantees a user on every route that uses it; reaching here means a
        // route was deployed without it.
        throw new Error(`Route ${event.routeKey} reached without an authorized user`);
      }
      const reply = await fn({ ...parseRequest(route, event), userId, context } as RouteInput<R>);
      return 'body' in reply
        ? json(reply.status, reply.body, reply.headers)
        : { statusCode: reply.status, headers: reply.headers ?? {} };
    } catch (thrown) {
      const error = thrown instanceof DomainError ? fromDomain(thrown) : thrown;
      if (error instanceof HttpError && error.statusCode < 500) {
        logger.info('Request refused', { statusCode: error.statusCode, code: error.code, reason: error.message });
        return json(
          error.statusCode,
          {
            code: error.code,
            message: error.message,
            ...(error.details === undefined ? {} : { details: error.details }),
          },
          error.headers,
        );
      }
      logger.error('Request failed', error as Error);
      return json(500, { code: 'INTERNAL', message: 'Internal server error' });
    } finally {
      logger.resetKeys();
      flushMetrics();
    }
  };
}

const DOMAIN_STATUS = { invalid: 400, 'not-found': 404, conflict: 409 } as const;

/** A domain refusal as the HTTP answer it gets: its kind decides the status. */
function fromDomain(error: DomainError): HttpError {
  return new HttpError(DOMAIN_STATUS[error.kind], error.code, error.message, { details: error.details, cause: error });
}

/** Every part the route declares, parsed by its schema; the first part that fails answers 400. */
function parseRequest(route: RouteDefinition, event: ApiEvent) {
  const { params, query, headers, body } = route.request ?? {};
  return {
    params: params && validate(params, event.pathParameters ?? {}),
    query: query && validate(query, event.queryStringParameters ?? {}),
    // Payload 2.0 lowercases header names, as the header schemas name them.
    headers: headers && validate(headers, event.headers ?? {}),
    body: body && validate(body, jsonBody(event)),
  };
}

function jsonBody(event: ApiEvent): unknown {
  if (!event.body) throw new BadRequestError('Request body is required (JSON).', undefined, 'BODY_REQUIRED');
  try {
    return JSON.parse(event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body);
  } catch {
    throw new BadRequestError('Request body is not valid JSON.', undefined, 'BODY_NOT_JSON');
  }
}

function validate<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  return result.data;
}
