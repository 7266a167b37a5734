// A small client of the running backend, as an app would use it: Cognito for tokens, the HTTP API,
// and a browser-style multipart POST straight to S3. Used by `npm run demo` and the integration tests.
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Endpoints } from '../../infra/local/stack';

export type { Endpoints };

/**
 * Points the shared modules at the local stack's DynamoDB Local: they make their client when
 * loaded, from the SDK's environment variables, so call this before importing them.
 */
export function useLocalDynamoDb(endpoints: Endpoints): void {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamodb;
  process.env.AWS_REGION = endpoints.region;
  process.env.AWS_ACCESS_KEY_ID = endpoints.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = endpoints.credentials.secretAccessKey;
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
  return new CognitoIdentityProviderClient({ endpoint: endpoints.cognito.endpoint, region: endpoints.region, credentials: endpoints.credentials });
}

/** Signs a new user up and logs them in with USER_PASSWORD_AUTH. */
export async function signUp(endpoints: Endpoints, email = `user-${randomUUID()}@example.com`, password = 'correct-horse-42'): Promise<Session> {
  const cognito = cognitoClient(endpoints);
  const { UserSub } = await cognito.send(
    new SignUpCommand({ ClientId: endpoints.cognito.clientId, Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] }),
  );
  const auth = await cognito.send(
    new InitiateAuthCommand({ ClientId: endpoints.cognito.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } }),
  );
  const r = auth.AuthenticationResult!;
  return { email, userId: UserSub!, accessToken: r.AccessToken!, idToken: r.IdToken!, refreshToken: r.RefreshToken! };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function api<T = any>(endpoints: Endpoints, method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<ApiResponse<T>> {
  const res = await fetch(`${endpoints.api}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
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
export async function postToS3(ticket: UploadTicket, data: Uint8Array, contentType: string, filename = 'photo.jpg'): Promise<number> {
  const form = new FormData();
  for (const [name, value] of Object.entries(ticket.upload.fields)) form.append(name, value);
  form.append('file', new Blob([data], { type: contentType }), filename);
  const res = await fetch(ticket.upload.url, { method: 'POST', body: form });
  if (res.status >= 300) throw new Error(`S3 POST failed: ${res.status} ${await res.text()}`);
  return res.status;
}

/** Polls GET /content/{id} until the item leaves PENDING (or the deadline passes). */
export async function waitForProcessed(endpoints: Endpoints, token: string, contentId: string, timeoutMs = 30_000): Promise<ApiResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api(endpoints, 'GET', `/content/${contentId}`, { token });
    if (res.status === 200 && res.body.status !== 'PENDING') return res;
    if (Date.now() > deadline) throw new Error(`content ${contentId} still ${res.body?.status ?? res.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Local stack only: waits until no asynchronous event (S3 -> SNS -> function) is in flight. */
export async function waitForAsyncIdle(endpoints: Endpoints, timeoutMs = 30_000): Promise<void> {
  const res = await fetch(`${endpoints.api}/_local/async-idle?timeoutMs=${timeoutMs}`);
  const body = (await res.json()) as { idle: boolean; inflight?: number };
  if (!body.idle) throw new Error(`asynchronous events still in flight after ${timeoutMs} ms: ${body.inflight}`);
}
