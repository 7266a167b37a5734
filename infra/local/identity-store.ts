// The local identity provider's state in its `dataDir` (one provider per directory at a time):
//   signing-key.json      the RSA private key as a JWK, with its kid (tokens stay valid across restarts)
//   users.json            users: email, sub, scrypt password hash (salted), created time, attributes
//   refresh-tokens.json   SHA-256 hashes of issued refresh tokens and the session they belong to
// Every file is written atomically (temporary file, fsync, rename) with mode 0600.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';

/** File in dataDir holding the signing key: `{ kid, alg: 'RS256', privateJwk, createdAt }`. */
export const SIGNING_KEY_FILE = 'signing-key.json';
export const USERS_FILE = 'users.json';
export const REFRESH_TOKENS_FILE = 'refresh-tokens.json';

export const UserRecord = z.object({
  sub: z.uuid(),
  username: z.string(),
  email: z.string(),
  emailVerified: z.boolean(),
  attributes: z.record(z.string(), z.string()),
  passwordHash: z.string(),
  createdAt: z.string(),
});
export type UserRecord = z.infer<typeof UserRecord>;

export const UsersFile = z.object({ version: z.literal(1), users: z.array(UserRecord) });

export const RefreshRecord = z.object({
  tokenHash: z.string(),
  sub: z.string(),
  clientId: z.string(),
  authTime: z.number(),
  originJti: z.string(),
  eventId: z.string(),
  issuedAt: z.number(),
  expiresAt: z.number(),
});
export type RefreshRecord = z.infer<typeof RefreshRecord>;

export const RefreshTokensFile = z.object({ version: z.literal(1), tokens: z.array(RefreshRecord) });

const SigningKeyFile = z.object({
  kid: z.string().min(1),
  alg: z.literal('RS256'),
  privateJwk: z.object({ kty: z.literal('RSA'), n: z.string(), e: z.string(), d: z.string() }).loose(),
  createdAt: z.string(),
});

export function writeJsonAtomic(file: string, data: unknown): void {
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

export function readJson<T extends z.ZodType>(file: string, schema: T): z.output<T> | undefined {
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

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
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
