// A small client of the running backend, as an app would use it: Cognito for tokens, the HTTP API,
// and a browser-style multipart POST straight to S3. Used by `npm run demo` and the integration tests.
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../shared/aws/clients';
import type { Endpoints } from '../../infra/local/stack';

export type { Endpoints };

/** A document client of the local stack's DynamoDB Local, for the features' stores (their dynamo-store.ts). */
export function localDocumentClient(endpoints: Endpoints): DynamoDBDocumentClient {
  return documentClient(
    new DynamoDBClient({ endpoint: endpoints.dynamodb, region: endpoints.region, credentials: endpoints.credentials }),
  );
}

// Development runs on Node 20; the deployed functions run on nodejs22.x. The SDK's notice about
// its future Node 22 requirement is known and would repeat in every execution environment.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export async function readEndpoints(file: string, timeoutMs = 0): Promise<Endpoints> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as Endpoints;
    } catch (error) {
      if (Date.now() >= deadline) {
        throw new Error(`No ${file}: start the backend first with 'npm start' (${(error as Error).message})`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export interface Session {
  email: string;
  userId: string;
  accessToken: string;
  idToken: string;
  refreshToken: string;
}

export function cognitoClient(endpoints: Endpoints): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    endpoint: endpoints.cognito.endpoint,
    region: endpoints.region,
    credentials: endpoints.credentials,
  });
}

/** Signs a new user up and logs them in with USER_PASSWORD_AUTH. */
export async function signUp(
  endpoints: Endpoints,
  email = `user-${randomUUID()}@example.com`,
  password = 'correct-horse-42',
): Promise<Session> {
  const cognito = cognitoClient(endpoints);
  const { UserSub } = await cognito.send(
    new SignUpCommand({
      ClientId: endpoints.cognito.clientId,
      Username: email,
      Password: password,
      UserAttributes: [{ Name: 'email', Value: email }],
    }),
  );
  const auth = await cognito.send(
    new InitiateAuthCommand({
      ClientId: endpoints.cognito.clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  const r = auth.AuthenticationResult!;
  return { email, userId: UserSub!, accessToken: r.AccessToken!, idToken: r.IdToken!, refreshToken: r.RefreshToken! };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function api<T = any>(
  endpoints: Endpoints,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const res = await fetch(`${endpoints.api}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}

export interface UploadTicket {
  contentId: string;
  upload: { url: string; fields: Record<string, string>; maxBytes: number };
}

/** A browser-style form POST of the file to the presigned URL (the file field goes last). */
export async function postToS3(
  ticket: UploadTicket,
  data: Uint8Array,
  contentType: string,
  filename = 'photo.jpg',
): Promise<number> {
  const form = new FormData();
  for (const [name, value] of Object.entries(ticket.upload.fields)) form.append(name, value);
  form.append('file', new Blob([data], { type: contentType }), filename);
  const res = await fetch(ticket.upload.url, { method: 'POST', body: form });
  if (res.status >= 300) throw new Error(`S3 POST failed: ${res.status} ${await res.text()}`);
  return res.status;
}

/**
 * Local stack only: asynchronous events (S3 -> SNS -> function, with retries) in flight and ended so
 * far, once nothing is in flight or after `timeoutMs`. Undefined where there is no local stack.
 */
async function asyncActivity(
  endpoints: Endpoints,
  timeoutMs = 0,
): Promise<{ idle: boolean; inflight: number; completed: number } | undefined> {
  const res = await fetch(`${endpoints.api}/_local/async-idle?timeoutMs=${timeoutMs}`).catch(() => undefined);
  if (!res?.ok) return undefined;
  return (await res.json()) as { idle: boolean; inflight: number; completed: number };
}

/**
 * Polls GET /content/{id} until the item leaves PENDING. The wait scales with the work ahead of it:
 * it gives up only after `stallMs` in which the local stack finished no asynchronous event (an
 * upload queued behind others waits its turn); against AWS, after `stallMs` in all.
 */
export async function waitForProcessed(
  endpoints: Endpoints,
  token: string,
  contentId: string,
  stallMs = 30_000,
): Promise<ApiResponse> {
  let deadline = Date.now() + stallMs;
  let completed = (await asyncActivity(endpoints))?.completed;
  for (;;) {
    const res = await api(endpoints, 'GET', `/content/${contentId}`, { token });
    if (res.status === 200 && res.body.status !== 'PENDING') return res;
    if (Date.now() > deadline) {
      const now = (await asyncActivity(endpoints))?.completed;
      if (now === undefined || now === completed) {
        throw new Error(
          `content ${contentId} still ${res.body?.status ?? res.status}: nothing finished processing in the last ${stallMs} ms`,
        );
      }
      completed = now;
      deadline = Date.now() + stallMs;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Local stack only: waits until no asynchronous event is in flight. The wait scales with the
 * work: it fails only after `stallMs` in which no event ended, however many are queued (each
 * function's own timeout bounds a single event).
 */
export async function waitForAsyncIdle(endpoints: Endpoints, stallMs = 30_000): Promise<void> {
  let completed: number | undefined;
  for (;;) {
    const activity = await asyncActivity(endpoints, stallMs);
    if (!activity) throw new Error(`no local stack at ${endpoints.api} to wait on`);
    if (activity.idle) return;
    if (activity.completed === completed) {
      throw new Error(
        `asynchronous events still in flight: none of ${activity.inflight} ended in the last ${stallMs} ms`,
      );
    }
    completed = activity.completed;
  }
}
