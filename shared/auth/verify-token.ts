// Verification of Cognito access tokens presented as `Authorization: Bearer <jwt>`.
// Pure apart from the key lookup, which the caller passes in: `createRemoteJWKSet` in the Lambda
// authorizer, `createLocalJWKSet` in tests.
import { errors, type JWTPayload, jwtVerify, type JWTVerifyGetKey } from 'jose';

export type UnauthorizedReason =
  | 'missing_token' // no Authorization header (or an empty one)
  | 'malformed_authorization_header' // not `Bearer <token>`
  | 'malformed_token' // not a compact JWS / JWT
  | 'algorithm_not_allowed' // anything but RS256 (alg none, HS256, ...)
  | 'unsupported_token' // e.g. unknown critical header parameters
  | 'unknown_key' // kid not in the pool's JWKS
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid' // nbf in the future
  | 'issued_in_future' // iat in the future
  | 'wrong_issuer'
  | 'missing_claim'
  | 'invalid_claim'
  | 'wrong_token_use' // an id token (or anything not an access token)
  | 'wrong_client'; // client_id of another app client

/** An authentication failure: the caller answers 401. `detail` is safe to log (never the token). */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
  constructor(
    readonly reason: UnauthorizedReason,
    readonly detail?: string,
  ) {
    super(`Unauthorized: ${reason}${detail ? ` (${detail})` : ''}`);
  }
}

interface VerifiedUser {
  /** The token's `sub`: the Cognito user's stable id. */
  userId: string;
  /** The token's `username` claim (for a pool with email usernames, Cognito's generated UUID). */
  username: string;
}

export interface TokenVerifierOptions {
  /** The user pool's issuer, e.g. https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc. */
  issuer: string;
  /** The app client whose access tokens are accepted. */
  clientId: string;
  /** Key lookup: createRemoteJWKSet(issuer + '/.well-known/jwks.json') or createLocalJWKSet(...). */
  jwks: JWTVerifyGetKey;
  /** Allowed clock skew for exp, nbf and iat; default 5 s. */
  clockToleranceSeconds?: number;
}

export interface TokenVerifier {
  /** Resolves the user, or throws UnauthorizedError. Other errors (JWKS unreachable) propagate. */
  verify(authorizationHeader: string | undefined | null): Promise<VerifiedUser>;
}

/** `!GetAtt UserPool.ProviderURL` has no scheme: add https://, drop trailing slashes. */
export function normalizeIssuer(value: string): string {
  const trimmed = value.trim().replace(/\/+$/, '');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  const url = new URL(withScheme); // throws on nonsense
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`Unsupported issuer scheme: ${url.protocol}`);
  return withScheme;
}

const MAX_TOKEN_LENGTH = 16 * 1024;
const BEARER = /^Bearer +(\S+)$/i;

function extractBearerToken(header: string | undefined | null): string {
  if (header === undefined || header === null || header.trim() === '') throw new UnauthorizedError('missing_token');
  const match = BEARER.exec(header.trim());
  if (!match?.[1]) throw new UnauthorizedError('malformed_authorization_header');
  if (match[1].length > MAX_TOKEN_LENGTH) throw new UnauthorizedError('malformed_token', 'token too long');
  return match[1];
}

/** Maps jose's verification errors to reasons; returns undefined for infrastructure errors. */
function reasonFor(error: unknown): UnauthorizedError | undefined {
  if (error instanceof errors.JWTExpired) return new UnauthorizedError('expired', error.message);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return new UnauthorizedError('not_yet_valid', error.message);
    if (error.claim === 'iss') return new UnauthorizedError('wrong_issuer', error.message);
    if (error.reason === 'missing') return new UnauthorizedError('missing_claim', error.message);
    return new UnauthorizedError('invalid_claim', error.message);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return new UnauthorizedError('algorithm_not_allowed', error.message);
  if (error instanceof errors.JWKSNoMatchingKey) return new UnauthorizedError('unknown_key', error.message);
  // Cognito publishes two keys: a token without `kid` matches both, which is the client's fault.
  if (error instanceof errors.JWKSMultipleMatchingKeys) return new UnauthorizedError('unknown_key', error.message);
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new UnauthorizedError('bad_signature', error.message);
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return new UnauthorizedError('malformed_token', error.message);
  }
  if (error instanceof errors.JOSENotSupported) return new UnauthorizedError('unsupported_token', error.message);
  return undefined;
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { issuer, clientId, jwks } = options;
  const clockTolerance = options.clockToleranceSeconds ?? 5;

  return {
    async verify(authorizationHeader) {
      const token = extractBearerToken(authorizationHeader);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          algorithms: ['RS256'],
          issuer,
          requiredClaims: ['exp', 'iat', 'sub', 'token_use', 'client_id'],
          clockTolerance,
        }));
      } catch (error) {
        const unauthorized = reasonFor(error);
        if (unauthorized) throw unauthorized;
        throw error;
      }

      // jose checks iat's type but, without maxTokenAge, not that it lies in the past.
      if (typeof payload.iat !== 'number' || payload.iat > Date.now() / 1000 + clockTolerance) {
        throw new UnauthorizedError('issued_in_future', '"iat" claim is in the future');
      }
      if (payload.token_use !== 'access')
        throw new UnauthorizedError('wrong_token_use', `token_use is ${String(payload.token_use)}`);
      if (payload.client_id !== clientId) throw new UnauthorizedError('wrong_client', '"client_id" does not match');
      const { sub, username } = payload;
      if (typeof sub !== 'string' || sub === '')
        throw new UnauthorizedError('invalid_claim', '"sub" must be a non-empty string');
      if (typeof username !== 'string' || username === '') {
        throw new UnauthorizedError('invalid_claim', '"username" must be a non-empty string');
      }
      return { userId: sub, username };
    },
  };
}
