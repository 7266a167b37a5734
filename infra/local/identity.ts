// Local identity provider: the subset of the Cognito User Pools API that the app's clients call
// (SignUp, InitiateAuth with USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH), spoken over the AWS
// JSON 1.1 protocol exactly as the AWS SDK v3 CognitoIdentityProviderClient sends it, plus the
// pool's JWKS and OpenID configuration at Cognito's paths (issuer + '/.well-known/...').
//
// Behaviour follows the pool in infra/resources/identity.yml:
// - email is the username (UsernameAttributes: [email]); as in Cognito, the user's internal
//   username is then a generated UUID equal to `sub`, and that is what the `username` (access
//   token) and `cognito:username` (id token) claims carry. USERNAME at sign-in may be the email
//   (matched case-insensitively) or that internal username.
// - password policy: at least 10 characters, a lowercase letter (a-z) and a number (0-9).
// - PreventUserExistenceErrors: ENABLED, so an unknown user and a wrong password both get
//   NotAuthorizedException "Incorrect username or password.".
// - access and id tokens live accessTokenTtlSeconds (default 3600 = AccessTokenValidity 60 min),
//   refresh tokens 30 days.
// - SignUp auto-confirms the user and marks the email verified, as a pool with a pre-sign-up
//   Lambda trigger returning `autoConfirmUser: true, autoVerifyEmail: true` would: there is no
//   mail delivery locally, so there is no confirmation code step.
//
// State lives in `dataDir` (one provider per directory at a time):
//   signing-key.json      the RSA private key as a JWK, with its kid (tokens stay valid across restarts)
//   users.json            users: email, sub, scrypt password hash (salted), created time, attributes
//   refresh-tokens.json   SHA-256 hashes of issued refresh tokens and the session they belong to
// Every file is written atomically (temporary file, fsync, rename) with mode 0600.
//
// Never log passwords, tokens or emails here: one line per request carries the operation,
// the status and the error type only.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createHash,
  randomBytes,
  randomUUID,
  scrypt as scryptCallback,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';
import { localLog } from './log';

export interface IdentityProviderOptions {
  port: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  dataDir: string;
  userPoolId: string;
  clientId: string;
  region: string;
  /** Lifetime of access and id tokens; default 3600. */
  accessTokenTtlSeconds?: number;
}

export interface IdentityProvider {
  /** http://127.0.0.1:PORT (the port actually bound, also when asked for port 0). */
  endpoint: string;
  /** `${endpoint}/${userPoolId}`: the `iss` of every token. */
  issuer: string;
  /** `${issuer}/.well-known/jwks.json` */
  jwksUrl: string;
  close(): Promise<void>;
}

/** File in dataDir holding the signing key: `{ kid, alg: 'RS256', privateJwk, createdAt }`. */
export const SIGNING_KEY_FILE = 'signing-key.json';
export const USERS_FILE = 'users.json';
export const REFRESH_TOKENS_FILE = 'refresh-tokens.json';

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';
const AMZ_JSON = 'application/x-amz-json-1.1';
const MAX_BODY_BYTES = 256 * 1024;
const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
const ACCESS_TOKEN_SCOPE = 'aws.cognito.signin.user.admin';

const log = localLog('identity');

// ---------------------------------------------------------------------------------------------
// Errors, shaped as Cognito returns them: HTTP 400, body {"__type": Type, "message": ...}.

class CognitoError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const notAuthorized = (message = 'Incorrect username or password.') =>
  new CognitoError('NotAuthorizedException', message);
const invalidParameter = (message: string) => new CognitoError('InvalidParameterException', message);

/** Turns a zod failure into Cognito's validation message, naming members but never their values. */
function validationError(error: z.ZodError): CognitoError {
  const problems = error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || 'request';
    return `Value at '${path}' failed to satisfy constraint: ${issue.message}`;
  });
  const count = problems.length;
  return invalidParameter(`${count} validation error${count === 1 ? '' : 's'} detected: ${problems.join('; ')}`);
}

function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// Request schemas. Members the local pool ignores (ClientMetadata, SecretHash, AnalyticsMetadata,
// UserContextData, ValidationData, ...) are accepted and dropped, as Cognito accepts them.

const clientIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w+]+$/, 'Member must satisfy regular expression pattern: [\\w+]+');

const SignUpRequest = z.object({
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

const InitiateAuthRequest = z.object({
  AuthFlow: z.enum(AUTH_FLOWS),
  ClientId: clientIdSchema,
  AuthParameters: z.record(z.string(), z.string()).optional(),
});

// Standard attributes a client may write at sign-up. `sub` and the *_verified flags are the
// pool's to set; the pool defines no custom attributes.
const WRITABLE_ATTRIBUTES = new Set([
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

const emailSchema = z.email();

// ---------------------------------------------------------------------------------------------
// Persistence

const UserRecord = z.object({
  sub: z.uuid(),
  username: z.string(),
  email: z.string(),
  emailVerified: z.boolean(),
  attributes: z.record(z.string(), z.string()),
  passwordHash: z.string(),
  createdAt: z.string(),
});
type UserRecord = z.infer<typeof UserRecord>;

const UsersFile = z.object({ version: z.literal(1), users: z.array(UserRecord) });

const RefreshRecord = z.object({
  tokenHash: z.string(),
  sub: z.string(),
  clientId: z.string(),
  authTime: z.number(),
  originJti: z.string(),
  eventId: z.string(),
  issuedAt: z.number(),
  expiresAt: z.number(),
});
type RefreshRecord = z.infer<typeof RefreshRecord>;

const RefreshTokensFile = z.object({ version: z.literal(1), tokens: z.array(RefreshRecord) });

const SigningKeyFile = z.object({
  kid: z.string().min(1),
  alg: z.literal('RS256'),
  privateJwk: z.object({ kty: z.literal('RSA'), n: z.string(), e: z.string(), d: z.string() }).loose(),
  createdAt: z.string(),
});

function writeJsonAtomic(file: string, data: unknown): void {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeFileSync(fd, `${JSON.stringify(data, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

function readJson<T extends z.ZodType>(file: string, schema: T): z.output<T> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file} is not a valid identity provider state file: ${parsed.error.message}`);
  return parsed.data;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const file = join(dataDir, SIGNING_KEY_FILE);
  let stored = readJson(file, SigningKeyFile);
  if (!stored) {
    const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint({ kty: 'RSA', n: privateJwk.n, e: privateJwk.e });
    stored = SigningKeyFile.parse({ kid, alg: 'RS256', privateJwk, createdAt: new Date().toISOString() });
    writeJsonAtomic(file, stored);
  }
  const privateKey = await importJWK({ ...stored.privateJwk, alg: 'RS256' }, 'RS256');
  if (privateKey instanceof Uint8Array) throw new Error(`${file} does not hold an RSA key`);
  // Cognito's JWKS entries: { alg, e, kid, kty, n, use }.
  const publicJwk: JWK = {
    alg: 'RS256',
    e: stored.privateJwk.e,
    kid: stored.kid,
    kty: 'RSA',
    n: stored.privateJwk.n,
    use: 'sig',
  };
  return { kid: stored.kid, privateKey, publicJwk };
}

// ---------------------------------------------------------------------------------------------
// Passwords: scrypt with a random 16-byte salt, stored as scrypt$N$r$p$salt$hash (base64url).

const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 64 } as const;

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function passwordPolicyViolation(password: string): string | undefined {
  if (password.length < 10) return 'Password not long enough';
  if (!/[a-z]/.test(password)) return 'Password must have lowercase characters';
  if (!/[0-9]/.test(password)) return 'Password must have numeric characters';
  return undefined;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

// ---------------------------------------------------------------------------------------------

export async function startIdentityProvider(opts: IdentityProviderOptions): Promise<IdentityProvider> {
  const options = z
    .object({
      port: z.number().int().min(0).max(65535),
      host: z.string().min(1).default('127.0.0.1'),
      dataDir: z.string().min(1),
      userPoolId: z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must look like a Cognito user pool id (region_id)'),
      clientId: clientIdSchema,
      region: z.string().min(1),
      accessTokenTtlSeconds: z.number().int().positive().default(3600),
    })
    .parse(opts);
  const { dataDir, userPoolId, clientId, accessTokenTtlSeconds } = options;

  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const signingKey = await loadOrCreateSigningKey(dataDir);
  const usersFile = join(dataDir, USERS_FILE);
  const refreshFile = join(dataDir, REFRESH_TOKENS_FILE);
  let users: UserRecord[] = readJson(usersFile, UsersFile)?.users ?? [];
  let refreshTokens: RefreshRecord[] = readJson(refreshFile, RefreshTokensFile)?.tokens ?? [];

  // Used to spend the same scrypt time on unknown users as on known ones.
  const dummyPasswordHash = await hashPassword(randomUUID());

  const findByEmail = (email: string) => users.find((u) => u.email.toLowerCase() === email.toLowerCase());
  const findByLogin = (login: string) => findByEmail(login) ?? users.find((u) => u.username === login);

  // Set once the server listens (the issuer contains the bound port).
  let issuer = '';

  function saveUsers(next: UserRecord[]): void {
    writeJsonAtomic(usersFile, { version: 1, users: next });
    users = next;
  }

  function saveRefreshTokens(next: RefreshRecord[]): void {
    const now = nowSeconds();
    const live = next.filter((t) => t.expiresAt > now);
    writeJsonAtomic(refreshFile, { version: 1, tokens: live });
    refreshTokens = live;
  }

  function requireClient(requested: string): void {
    if (requested !== clientId) {
      throw new CognitoError('ResourceNotFoundException', `User pool client ${requested} does not exist.`);
    }
  }

  interface Session {
    authTime: number;
    originJti: string;
    eventId: string;
  }

  async function issueTokens(user: UserRecord, session: Session) {
    const iat = nowSeconds();
    const exp = iat + accessTokenTtlSeconds;
    const header = { alg: 'RS256', kid: signingKey.kid };
    const accessToken = await new SignJWT({
      client_id: clientId,
      origin_jti: session.originJti,
      event_id: session.eventId,
      token_use: 'access',
      scope: ACCESS_TOKEN_SCOPE,
      auth_time: session.authTime,
      username: user.username,
    })
      .setProtectedHeader(header)
      .setSubject(user.sub)
      .setIssuer(issuer)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(signingKey.privateKey);
    const idToken = await new SignJWT({
      ...user.attributes,
      email: user.email,
      email_verified: user.emailVerified,
      'cognito:username': user.username,
      origin_jti: session.originJti,
      event_id: session.eventId,
      token_use: 'id',
      auth_time: session.authTime,
    })
      .setProtectedHeader(header)
      .setSubject(user.sub)
      .setAudience(clientId)
      .setIssuer(issuer)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(signingKey.privateKey);
    return { AccessToken: accessToken, IdToken: idToken, ExpiresIn: accessTokenTtlSeconds, TokenType: 'Bearer' };
  }

  async function signUp(body: unknown) {
    const input = parseInput(SignUpRequest, body);
    requireClient(input.ClientId);
    if (!emailSchema.safeParse(input.Username).success) throw invalidParameter('Username should be an email.');

    const attributes: Record<string, string> = {};
    for (const { Name, Value = '' } of input.UserAttributes ?? []) {
      if (Name === 'sub' || Name.endsWith('_verified')) {
        throw notAuthorized('A client attempted to write unauthorized attribute');
      }
      if (!WRITABLE_ATTRIBUTES.has(Name)) {
        throw invalidParameter(
          `Attributes did not conform to the schema: ${Name}: Attribute does not exist in the schema.`,
        );
      }
      attributes[Name] = Value;
    }
    if (attributes.email !== undefined && attributes.email.toLowerCase() !== input.Username.toLowerCase()) {
      throw invalidParameter('The email attribute must match the Username in a pool whose usernames are emails.');
    }
    delete attributes.email;

    if (/^\s|\s$/.test(input.Password)) {
      throw invalidParameter(
        "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$",
      );
    }
    const violation = passwordPolicyViolation(input.Password);
    if (violation)
      throw new CognitoError('InvalidPasswordException', `Password did not conform with policy: ${violation}`);

    const exists = () => new CognitoError('UsernameExistsException', 'An account with the given email already exists.');
    if (findByEmail(input.Username)) throw exists();
    const passwordHash = await hashPassword(input.Password);
    // Checked again: another SignUp for the same email may have finished while we hashed.
    if (findByEmail(input.Username)) throw exists();

    const sub = randomUUID();
    const user: UserRecord = {
      sub,
      username: sub,
      email: input.Username,
      emailVerified: true, // auto-verified by the (emulated) pre-sign-up trigger, see the header
      attributes,
      passwordHash,
      createdAt: new Date().toISOString(),
    };
    saveUsers([...users, user]);
    return { UserConfirmed: true, UserSub: sub };
  }

  async function initiateAuth(body: unknown) {
    const input = parseInput(InitiateAuthRequest, body);
    requireClient(input.ClientId);
    const params = input.AuthParameters ?? {};
    const required = (name: string): string => {
      const value = params[name];
      if (value === undefined || value === '') throw invalidParameter(`Missing required parameter ${name}`);
      return value;
    };

    switch (input.AuthFlow) {
      case 'USER_PASSWORD_AUTH': {
        const login = required('USERNAME');
        const password = required('PASSWORD');
        const user = findByLogin(login);
        const ok = await verifyPassword(password, user?.passwordHash ?? dummyPasswordHash);
        if (!user || !ok) throw notAuthorized();

        const session: Session = { authTime: nowSeconds(), originJti: randomUUID(), eventId: randomUUID() };
        const tokens = await issueTokens(user, session);
        const refreshToken = randomBytes(48).toString('base64url');
        saveRefreshTokens([
          ...refreshTokens,
          {
            tokenHash: sha256(refreshToken),
            sub: user.sub,
            clientId,
            ...session,
            issuedAt: session.authTime,
            expiresAt: session.authTime + REFRESH_TOKEN_TTL_SECONDS,
          },
        ]);
        return { AuthenticationResult: { ...tokens, RefreshToken: refreshToken }, ChallengeParameters: {} };
      }
      case 'REFRESH_TOKEN_AUTH':
      case 'REFRESH_TOKEN': {
        const token = required('REFRESH_TOKEN');
        const record = refreshTokens.find((t) => t.tokenHash === sha256(token));
        if (!record || record.clientId !== input.ClientId) throw notAuthorized('Invalid Refresh Token');
        if (record.expiresAt <= nowSeconds()) throw notAuthorized('Refresh Token has expired');
        const user = users.find((u) => u.sub === record.sub);
        if (!user) throw notAuthorized('Invalid Refresh Token');
        const tokens = await issueTokens(user, record);
        return { AuthenticationResult: tokens, ChallengeParameters: {} };
      }
      default:
        throw invalidParameter(
          `Initiate Auth method ${input.AuthFlow} is not supported by the local identity provider.`,
        );
    }
  }

  const operations: Record<string, (body: unknown) => Promise<unknown>> = {
    SignUp: signUp,
    InitiateAuth: initiateAuth,
  };

  function send(res: ServerResponse, status: number, body: unknown, contentType = AMZ_JSON): void {
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

  async function handleApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.headers['x-amz-target'];
    const operation =
      typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
    try {
      const run = operation !== undefined && Object.hasOwn(operations, operation) ? operations[operation] : undefined;
      if (!run)
        throw new CognitoError(
          'UnknownOperationException',
          `Unknown operation ${String(target ?? '(no X-Amz-Target)')}`,
        );
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

  const wellKnown = `/${userPoolId}/.well-known/`;

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && path === '/') {
      void handleApi(req, res);
      return;
    }
    if (req.method === 'GET' && path === `${wellKnown}jwks.json`) {
      send(res, 200, { keys: [signingKey.publicJwk] }, 'application/json');
      return;
    }
    if (req.method === 'GET' && path === `${wellKnown}openid-configuration`) {
      send(
        res,
        200,
        {
          issuer,
          jwks_uri: `${issuer}/.well-known/jwks.json`,
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          scopes_supported: ['openid', 'email', 'profile'],
          token_endpoint_auth_methods_supported: ['none'],
        },
        'application/json',
      );
      return;
    }
    send(res, 404, { message: 'Not Found' }, 'application/json');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  issuer = `${endpoint}/${userPoolId}`;
  log.info(`listening on ${endpoint} (pool ${userPoolId}, client ${clientId}, region ${options.region})`);

  let closing: Promise<void> | undefined;
  return {
    endpoint,
    issuer,
    jwksUrl: `${issuer}/.well-known/jwks.json`,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections (SDK clients, JWKS fetchers) would hold close() open.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
