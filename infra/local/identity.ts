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
// State lives in `dataDir` (identity-store.ts); passwords are identity-passwords.ts, the protocol and
// the request schemas identity-protocol.ts, the operations identity-pool.ts.
//
// Never log passwords, tokens or emails in any of them: one line per request carries the
// operation, the status and the error type only.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { z } from 'zod';
import { userPoolOperations } from './identity-pool';
import { clientIdSchema, handleApi, send } from './identity-protocol';
import { loadOrCreateSigningKey } from './identity-store';
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

const log = localLog('identity');

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
  // Set once the server listens (the issuer contains the bound port).
  let issuer = '';
  const operations = await userPoolOperations({
    dataDir,
    clientId,
    accessTokenTtlSeconds,
    signingKey,
    issuer: () => issuer,
  });

  const wellKnown = `/${userPoolId}/.well-known/`;

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && path === '/') {
      void handleApi(req, res, operations);
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
