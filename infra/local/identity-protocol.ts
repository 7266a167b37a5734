// The local identity provider's side of the wire: Cognito's AWS JSON 1.1 protocol (X-Amz-Target
// dispatch, bodies, error shapes), the errors it answers with and the request schemas.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { localLog } from './log';

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';
const AMZ_JSON = 'application/x-amz-json-1.1';
const MAX_BODY_BYTES = 256 * 1024;

const log = localLog('identity');

// ---------------------------------------------------------------------------------------------
// Errors, shaped as Cognito returns them: HTTP 400, body {"__type": Type, "message": ...}.

export class CognitoError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const notAuthorized = (message = 'Incorrect username or password.') =>
  new CognitoError('NotAuthorizedException', message);
export const invalidParameter = (message: string) => new CognitoError('InvalidParameterException', message);

/** Turns a zod failure into Cognito's validation message, naming members but never their values. */
function validationError(error: z.ZodError): CognitoError {
  const problems = error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || 'request';
    return `Value at '${path}' failed to satisfy constraint: ${issue.message}`;
  });
  const count = problems.length;
  return invalidParameter(`${count} validation error${count === 1 ? '' : 's'} detected: ${problems.join('; ')}`);
}

export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// Request schemas. Members the local pool ignores (ClientMetadata, SecretHash, AnalyticsMetadata,
// UserContextData, ValidationData, ...) are accepted and dropped, as Cognito accepts them.

export const clientIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w+]+$/, 'Member must satisfy regular expression pattern: [\\w+]+');

export const SignUpRequest = z.object({
  ClientId: clientIdSchema,
  Username: z.string().min(1).max(128),
  Password: z.string().min(1).max(256),
  UserAttributes: z
    .array(z.object({ Name: z.string().min(1).max(32), Value: z.string().max(2048).optional() }))
    .optional(),
});

const AUTH_FLOWS = [
  'USER_SRP_AUTH',
  'REFRESH_TOKEN_AUTH',
  'REFRESH_TOKEN',
  'CUSTOM_AUTH',
  'ADMIN_NO_SRP_AUTH',
  'USER_PASSWORD_AUTH',
  'ADMIN_USER_PASSWORD_AUTH',
  'USER_AUTH',
] as const;

export const InitiateAuthRequest = z.object({
  AuthFlow: z.enum(AUTH_FLOWS),
  ClientId: clientIdSchema,
  AuthParameters: z.record(z.string(), z.string()).optional(),
});

// Standard attributes a client may write at sign-up. `sub` and the *_verified flags are the
// pool's to set; the pool defines no custom attributes.
export const WRITABLE_ATTRIBUTES = new Set([
  'address',
  'birthdate',
  'email',
  'family_name',
  'gender',
  'given_name',
  'locale',
  'middle_name',
  'name',
  'nickname',
  'phone_number',
  'picture',
  'preferred_username',
  'profile',
  'updated_at',
  'website',
  'zoneinfo',
]);

export const emailSchema = z.email();

// ---------------------------------------------------------------------------------------------
// The protocol: one POST per operation, named by X-Amz-Target.

/** An operation of the pool: the request body in, the response body out (or a CognitoError). */
export type Operation = (body: unknown) => Promise<unknown>;

export function send(res: ServerResponse, status: number, body: unknown, contentType = AMZ_JSON): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(payload);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Reads to the end even when too large (keeping nothing past the limit): leaving the loop
  // early would destroy the socket before the 413 could be sent.
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  if (size > MAX_BODY_BYTES) throw new CognitoError('SerializationException', 'Request body too large.', 413);
  return Buffer.concat(chunks).toString('utf8');
}

export async function handleApi(
  req: IncomingMessage,
  res: ServerResponse,
  operations: Record<string, Operation>,
): Promise<void> {
  const target = req.headers['x-amz-target'];
  const operation =
    typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
  try {
    const run = operation !== undefined && Object.hasOwn(operations, operation) ? operations[operation] : undefined;
    if (!run)
      throw new CognitoError('UnknownOperationException', `Unknown operation ${String(target ?? '(no X-Amz-Target)')}`);
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== AMZ_JSON && contentType !== 'application/json') {
      throw new CognitoError('SerializationException', `Expected Content-Type ${AMZ_JSON}`);
    }
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new CognitoError('SerializationException', 'Request body is not valid JSON.');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new CognitoError('SerializationException', 'Request body must be a JSON object.');
    }
    const result = await run(body);
    send(res, 200, result);
    log.info(`${operation} 200`);
  } catch (error) {
    if (error instanceof CognitoError) {
      send(res, error.status, { __type: error.type, message: error.message });
      log.info(`${operation ?? 'unknown operation'} ${error.status} ${error.type}`);
    } else {
      send(res, 500, { __type: 'InternalErrorException', message: 'Internal error in the local identity provider.' });
      log.error(
        `${operation ?? 'unknown operation'} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
