// The Lambda REQUEST authorizer of the HTTP API (services/auth/authorizer.ts is its entry) (payload 2.0, simple responses). Verifies the Cognito
// access token in `Authorization: Bearer <jwt>` against the pool's JWKS.
//
// Every authentication failure throws Error('Unauthorized'): API Gateway answers 401 for exactly
// that message (a simple `{isAuthorized: false}` would give 403). Other failures (the JWKS cannot
// be fetched) throw a different error, which API Gateway answers with 500: the token may well be
// valid, and a 401 would send clients to sign in again for nothing.
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
  Context,
} from 'aws-lambda';
import { createRemoteJWKSet } from 'jose';
import type { AuthorizerContext } from '#shared/auth/context';
import { createTokenVerifier, normalizeIssuer, UnauthorizedError } from '#shared/auth/verify-token';
import { requireEnv } from '#shared/lambda/config';
import { countBy, logger } from '#shared/core/observability';

export interface AuthorizerConfig {
  issuer: string;
  clientId: string;
}

/** The pool to trust, from the function's environment; a missing variable throws, naming it. */
export function authorizerConfig(env: NodeJS.ProcessEnv = process.env): AuthorizerConfig {
  // In AWS, USER_POOL_ISSUER is `!GetAtt UserPool.ProviderURL` (no scheme); locally the emulated pool's issuer.
  return {
    issuer: normalizeIssuer(requireEnv('USER_POOL_ISSUER', env)),
    clientId: requireEnv('USER_POOL_CLIENT_ID', env),
  };
}

export function authorizerHandler({ issuer, clientId }: AuthorizerConfig) {
  // Created once per container: caches the keys, refetches on an unknown kid (30 s cooldown).
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  const verifier = createTokenVerifier({ issuer, clientId, jwks });

  return async (
    event: APIGatewayRequestAuthorizerEventV2,
    context?: Context,
  ): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> => {
    if (context) logger.addContext(context);
    // v2 events carry lower-cased header names; identitySource holds the same value.
    const authorization = event.headers?.authorization ?? event.identitySource?.[0];
    try {
      const { userId, username } = await verifier.verify(authorization);
      return { isAuthorized: true, context: { userId, username } };
    } catch (error) {
      const where = { routeKey: event.routeKey, requestId: event.requestContext?.requestId };
      if (error instanceof UnauthorizedError) {
        logger.info('Request not authorized', { ...where, reason: error.reason, detail: error.detail });
        countBy('AuthorizerRefusals', 'reason', error.reason);
        throw new Error('Unauthorized');
      }
      logger.error('Token verification could not complete', { ...where, error: error as Error });
      throw new Error('Token verification unavailable');
    }
  };
}
