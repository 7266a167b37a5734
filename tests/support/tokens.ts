// Token forgery for tests: Cognito-shaped access and id tokens, valid ones and every kind of bad
// one an authorizer must refuse. Reusable by any test that needs a token without a sign-in.
//
// To sign as the local identity provider (infra/local/identity.ts), load its key with
// `loadIdentityProviderKey(dataDir)`: it reads `<dataDir>/signing-key.json`.
import { createHmac, createPublicKey, KeyObject, randomUUID, sign, type webcrypto, type JsonWebKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { SIGNING_KEY_FILE } from '../../infra/local/identity-store';

export interface SigningKit {
  /** RSA private key that the pool's JWKS publishes (under `kid`). */
  privateKey: CryptoKey | KeyObject;
  kid: string;
  issuer: string;
  clientId: string;
}

export interface TokenSubject {
  sub?: string;
  /** Defaults to sub, as Cognito does for a pool whose usernames are emails. */
  username?: string;
  email?: string;
}

export interface ForgeOptions extends TokenSubject {
  /** "Now" in epoch seconds; default the real now. */
  now?: number;
  ttlSeconds?: number;
  /** Merged over the generated claims (set a value to undefined to drop the claim). */
  claims?: Record<string, unknown>;
  /** Merged over the protected header { alg: 'RS256', kid }. */
  header?: Record<string, unknown>;
  /** Sign with this key instead of the kit's. */
  key?: CryptoKey | KeyObject;
}

const epoch = () => Math.floor(Date.now() / 1000);
const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

function withoutUndefined(record: Record<string, unknown>): JWTPayload {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as JWTPayload;
}

/** The claims Cognito puts in an access token. */
export function accessTokenClaims(kit: SigningKit, opts: ForgeOptions = {}): JWTPayload {
  const now = opts.now ?? epoch();
  const sub = opts.sub ?? randomUUID();
  return withoutUndefined({
    sub,
    iss: kit.issuer,
    client_id: kit.clientId,
    origin_jti: randomUUID(),
    event_id: randomUUID(),
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    auth_time: now,
    iat: now,
    exp: now + (opts.ttlSeconds ?? 3600),
    jti: randomUUID(),
    username: opts.username ?? sub,
    ...opts.claims,
  });
}

/** The claims Cognito puts in an id token. */
export function idTokenClaims(kit: SigningKit, opts: ForgeOptions = {}): JWTPayload {
  const now = opts.now ?? epoch();
  const sub = opts.sub ?? randomUUID();
  return withoutUndefined({
    sub,
    aud: kit.clientId,
    iss: kit.issuer,
    email_verified: true,
    email: opts.email ?? 'someone@example.com',
    'cognito:username': opts.username ?? sub,
    origin_jti: randomUUID(),
    event_id: randomUUID(),
    token_use: 'id',
    auth_time: now,
    iat: now,
    exp: now + (opts.ttlSeconds ?? 3600),
    jti: randomUUID(),
    ...opts.claims,
  });
}

/** Signs claims as RS256 with the kit's key (or opts.key) and kid. */
export async function signRs256(
  kit: SigningKit,
  claims: JWTPayload,
  opts: Pick<ForgeOptions, 'header' | 'key'> = {},
): Promise<string> {
  const header = { alg: 'RS256', kid: kit.kid, ...opts.header };
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(opts.key ?? kit.privateKey);
}

/**
 * RS256 built by hand, for headers jose refuses to produce (unknown `crit` parameters, odd
 * `typ`s): the signature is genuine, so only the verifier's header checks can refuse the token.
 */
export function signRs256Raw(
  kit: SigningKit,
  header: Record<string, unknown>,
  claims: JWTPayload,
  key = kit.privateKey,
): string {
  const keyObject = key instanceof KeyObject ? key : KeyObject.from(key as webcrypto.CryptoKey);
  const signingInput = `${b64url(JSON.stringify({ alg: 'RS256', kid: kit.kid, ...header }))}.${b64url(JSON.stringify(claims))}`;
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), keyObject).toString('base64url')}`;
}

export const validAccessToken = (kit: SigningKit, opts: ForgeOptions = {}) =>
  signRs256(kit, accessTokenClaims(kit, opts), opts);

export const idToken = (kit: SigningKit, opts: ForgeOptions = {}) => signRs256(kit, idTokenClaims(kit, opts), opts);

/** Expired an hour ago (issued two hours ago). */
export const expiredAccessToken = (kit: SigningKit, opts: ForgeOptions = {}) =>
  validAccessToken(kit, { ...opts, now: (opts.now ?? epoch()) - 7200, ttlSeconds: 3600 });

/** nbf and iat an hour ahead. */
export const notYetValidAccessToken = (kit: SigningKit, opts: ForgeOptions = {}) => {
  const future = (opts.now ?? epoch()) + 3600;
  return validAccessToken(kit, { ...opts, now: future, claims: { nbf: future, ...opts.claims } });
};

/** iat (and auth_time) an hour ahead, no nbf: only an iat check catches it. */
export const issuedInFutureAccessToken = (kit: SigningKit, opts: ForgeOptions = {}) =>
  validAccessToken(kit, { ...opts, now: (opts.now ?? epoch()) + 3600 });

export const wrongIssuerAccessToken = (
  kit: SigningKit,
  opts: ForgeOptions = {},
  issuer = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Attacker',
) => validAccessToken(kit, { ...opts, claims: { iss: issuer, ...opts.claims } });

export const wrongClientAccessToken = (kit: SigningKit, opts: ForgeOptions = {}, clientId = 'someotherappclient') =>
  validAccessToken(kit, { ...opts, claims: { client_id: clientId, ...opts.claims } });

/** Unsigned: header {"alg":"none"} (with the kid, to get past a naive key lookup), empty signature. */
export function algNoneToken(kit: SigningKit, opts: ForgeOptions = {}): string {
  const header = b64url(JSON.stringify({ alg: 'none', kid: kit.kid, ...opts.header }));
  const payload = b64url(JSON.stringify(accessTokenClaims(kit, opts)));
  return `${header}.${payload}.`;
}

/** The RSA public key in the forms a confused verifier might use as an HMAC secret. */
export function publicKeyBytes(publicKey: JWK | KeyObject | CryptoKey, form: 'pem' | 'der' = 'pem'): Buffer {
  const keyObject =
    publicKey instanceof KeyObject
      ? publicKey
      : 'kty' in publicKey
        ? createPublicKey({ key: publicKey as JsonWebKey, format: 'jwk' })
        : KeyObject.from(publicKey as webcrypto.CryptoKey);
  const pub = keyObject.type === 'private' ? createPublicKey(keyObject) : keyObject;
  return form === 'pem'
    ? Buffer.from(pub.export({ type: 'spki', format: 'pem' }) as string)
    : (pub.export({ type: 'spki', format: 'der' }) as Buffer);
}

/**
 * Key confusion: HS256, with the RSA public key's SPKI (PEM by default) as the HMAC secret and the
 * real kid. A verifier that lets the token pick its algorithm would accept it.
 */
export function hs256WithPublicKeyToken(
  kit: SigningKit,
  publicKey: JWK | KeyObject | CryptoKey,
  opts: ForgeOptions & { form?: 'pem' | 'der' } = {},
): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: kit.kid, ...opts.header }));
  const payload = b64url(JSON.stringify(accessTokenClaims(kit, opts)));
  const signature = createHmac('sha256', publicKeyBytes(publicKey, opts.form))
    .update(`${header}.${payload}`)
    .digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Replaces claims in a signed token's payload and keeps the original signature. */
export function tamperPayload(token: string, changes: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined) throw new Error('not a compact JWS');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${header}.${b64url(JSON.stringify({ ...claims, ...changes }))}.${signature}`;
}

/** Signed by a key the pool never published, under a kid the JWKS does not contain. */
export async function unknownKidAccessToken(kit: SigningKit, opts: ForgeOptions = {}): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  return validAccessToken(kit, {
    ...opts,
    key: privateKey,
    header: { kid: `unknown-${randomUUID()}`, ...opts.header },
  });
}

/** Signed by a different key under the pool's real kid. */
export async function foreignKeySameKidAccessToken(kit: SigningKit, opts: ForgeOptions = {}): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  return validAccessToken(kit, { ...opts, key: privateKey });
}

/** Strings that are not JWTs at all. */
export const garbageTokens: readonly string[] = [
  'garbage',
  'a.b.c',
  'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0', // two segments
  'eyJhbGciOiJSUzI1NiJ9.!!!.sig',
  '...',
  `${'A'.repeat(40_000)}.${'B'.repeat(10)}.${'C'.repeat(10)}`,
];

export const bearer = (token: string) => `Bearer ${token}`;

/** The kit for the local identity provider with this dataDir (reads `<dataDir>/signing-key.json`). */
export async function loadIdentityProviderKey(
  dataDir: string,
): Promise<{ kid: string; privateKey: CryptoKey; publicJwk: JWK }> {
  const stored = JSON.parse(await readFile(join(dataDir, SIGNING_KEY_FILE), 'utf8')) as {
    kid: string;
    privateJwk: JWK;
  };
  const privateKey = await importJWK({ ...stored.privateJwk, alg: 'RS256' }, 'RS256');
  if (privateKey instanceof Uint8Array) throw new Error('not an RSA key');
  const { kty, n, e } = stored.privateJwk;
  return { kid: stored.kid, privateKey, publicJwk: { kty, n, e, kid: stored.kid, alg: 'RS256', use: 'sig' } };
}
