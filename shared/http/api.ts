import type {
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { z } from 'zod';
import { BadRequestError, HttpError } from '#shared/errors';
import { logger } from '#shared/logger';

/** What the authorizer puts into the request context (services/auth/authorizer.ts). */
export interface AuthorizerContext {
  userId: string;
  username: string;
}

export type ApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;
export type ApiResult = APIGatewayProxyStructuredResultV2;

export interface ApiRequest {
  event: ApiEvent;
  userId: string;
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * Wraps an API handler: adds the request id to the logs, maps domain errors to their status
 * and hides everything unexpected behind a plain 500.
 */
export function apiHandler(fn: (request: ApiRequest) => Promise<ApiResult>) {
  return async (event: ApiEvent, context: Context): Promise<ApiResult> => {
    logger.addContext(context);
    logger.appendKeys({ route: event.routeKey, requestId: event.requestContext?.requestId });
    try {
      const userId = event.requestContext?.authorizer?.lambda?.userId;
      if (!userId) {
        // The authorizer guarantees a user on every route that uses it; reaching here means a
        // route was configured without it.
        throw new Error(`Route ${event.routeKey} reached without an authorized user`);
      }
      return await fn({ event, userId });
    } catch (error) {
      if (error instanceof HttpError && error.statusCode < 500) {
        logger.info('Request refused', { statusCode: error.statusCode, reason: error.message });
        return json(error.statusCode, {
          message: error.message,
          ...(error.details === undefined ? {} : { details: error.details }),
        });
      }
      logger.error('Request failed', error as Error);
      return json(500, { message: 'Internal server error' });
    } finally {
      logger.resetKeys();
    }
  };
}

/** Parses and validates a JSON body; every failure is a 400 naming the failing fields. */
export function parseJsonBody<T extends z.ZodType>(event: ApiEvent, schema: T): z.infer<T> {
  if (!event.body) throw new BadRequestError('Request body is required (JSON).');
  let raw: unknown;
  try {
    raw = JSON.parse(event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body);
  } catch {
    throw new BadRequestError('Request body is not valid JSON.');
  }
  return validate(schema, raw);
}

export function validate<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new BadRequestError(
      'Request validation failed.',
      result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  return result.data;
}
