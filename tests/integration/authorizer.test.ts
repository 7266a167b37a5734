// The HTTP API's Lambda authorizer against the local identity provider: real sign-up and sign-in
// for the happy path, forged tokens (tests/support/tokens.ts) for every way in that must fail.
// Forged tokens that need the pool's own key read it from `<dataDir>/signing-key.json`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNativeError } from 'node:util/types';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createLocalJWKSet, createRemoteJWKSet, type JWK } from 'jose';
import { authorizerConfig, authorizerHandler } from '#shared/auth/lambda-authorizer';
import { logger } from '#shared/core/observability';
import {
  createTokenVerifier,
  normalizeIssuer,
  UnauthorizedError,
  type UnauthorizedReason,
} from '#shared/auth/verify-token';
import { startIdentityProvider, type IdentityProvider } from '../../infra/local/identity';
import {
  accessTokenClaims,
  algNoneToken,
  bearer,
  expiredAccessToken,
  foreignKeySameKidAccessToken,
  garbageTokens,
  hs256WithPublicKeyToken,
  idToken,
  issuedInFutureAccessToken,
  loadIdentityProviderKey,
  notYetValidAccessToken,
  signRs256Raw,
  tamperPayload,
  unknownKidAccessToken,
  validAccessToken,
  wrongClientAccessToken,
  wrongIssuerAccessToken,
  type SigningKit,
} from '../support/tokens';

type Handler = ReturnType<typeof authorizerHandler>;

const region = 'us-east-1';
const userPoolId = 'us-east-1_AuthzTest';
const clientId = 'authzappclient';

function authorizerEvent(
  authorization: string | undefined,
  opts: { identitySourceOnly?: boolean } = {},
): APIGatewayRequestAuthorizerEventV2 {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-length': '0',
    host: 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
    'user-agent': 'jest',
    'x-amzn-trace-id': 'Root=1-67a1b2c3-0123456789abcdef01234567',
    'x-forwarded-for': '203.0.113.10',
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
  };
  if (authorization !== undefined && !opts.identitySourceOnly) headers.authorization = authorization;
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/$default/GET/media',
    identitySource: authorization !== undefined ? [authorization] : [],
    routeKey: 'GET /media',
    rawPath: '/media',
    rawQueryString: 'limit=10',
    cookies: [],
    headers,
    queryStringParameters: { limit: '10' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      domainName: 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'a1b2c3d4e5',
      http: { method: 'GET', path: '/media', protocol: 'HTTP/1.1', sourceIp: '203.0.113.10', userAgent: 'jest' },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: 'GET /media',
      stage: '$default',
      time: '21/Nov/2025:23:40:00 +0000',
      timeEpoch: 1763768400000,
    },
    pathParameters: {},
    stageVariables: {},
  };
}

describe('Lambda authorizer (services/auth/authorizer.ts) with the local identity provider', () => {
  let dataDir: string;
  let idp: IdentityProvider;
  let cognito: CognitoIdentityProviderClient;
  let handler: Handler;
  let kit: SigningKit;
  let publicJwk: JWK;
  let user: { sub: string; accessToken: string; idToken: string };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'media-share-authz-'));
    idp = await startIdentityProvider({ port: 0, dataDir, userPoolId, clientId, region });

    // As the function's entry makes it, from the environment the definition gives it.
    handler = authorizerHandler(authorizerConfig({ USER_POOL_ISSUER: idp.issuer, USER_POOL_CLIENT_ID: clientId }));

    const key = await loadIdentityProviderKey(dataDir);
    kit = { privateKey: key.privateKey, kid: key.kid, issuer: idp.issuer, clientId };
    publicJwk = key.publicJwk;

    cognito = new CognitoIdentityProviderClient({
      endpoint: idp.endpoint,
      region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const email = `bob.${Date.now()}@example.com`;
    const password = 'a long password 7';
    const { UserSub } = await cognito.send(
      new SignUpCommand({ ClientId: clientId, Username: email, Password: password }),
    );
    const { AuthenticationResult } = await cognito.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    user = { sub: UserSub!, accessToken: AuthenticationResult!.AccessToken!, idToken: AuthenticationResult!.IdToken! };
  });

  afterAll(async () => {
    cognito?.destroy();
    await idp?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    jest.restoreAllMocks();
  });

  let infoLog: jest.SpiedFunction<typeof logger.info>;
  let errorLog: jest.SpiedFunction<typeof logger.info>;
  beforeEach(() => {
    jest.restoreAllMocks();
    infoLog = jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    errorLog = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
  });

  it('authorizes a real access token and passes the user to the route', async () => {
    const result = await handler(authorizerEvent(bearer(user.accessToken)));
    expect(result).toEqual({ isAuthorized: true, context: { userId: user.sub, username: user.sub } });
    expect(infoLog).not.toHaveBeenCalled();
  });

  it('accepts the scheme in any case and reads identitySource when the header map lacks it', async () => {
    await expect(handler(authorizerEvent(`bearer ${user.accessToken}`))).resolves.toMatchObject({ isAuthorized: true });
    await expect(
      handler(authorizerEvent(bearer(user.accessToken), { identitySourceOnly: true })),
    ).resolves.toMatchObject({
      context: { userId: user.sub },
    });
  });

  it('authorizes a token forged with the pool key (sanity check for the forgery kit)', async () => {
    const token = await validAccessToken(kit, { sub: 'forged-sub', username: 'forged-user' });
    await expect(handler(authorizerEvent(bearer(token)))).resolves.toEqual({
      isAuthorized: true,
      context: { userId: 'forged-sub', username: 'forged-user' },
    });
  });

  // A non-JWT may fail as malformed or, when its header happens to decode, on the signature.
  const garbageReason = expect.stringMatching(/^(malformed_token|bad_signature)$/) as unknown as UnauthorizedReason;
  const rejected: [string, () => Promise<string | undefined> | string | undefined, UnauthorizedReason][] = [
    ['no Authorization header', () => undefined, 'missing_token'],
    ['an empty Authorization header', () => '', 'missing_token'],
    ['missing "Bearer" prefix', () => user.accessToken, 'malformed_authorization_header'],
    ['Basic scheme', () => `Basic ${Buffer.from('bob:pw').toString('base64')}`, 'malformed_authorization_header'],
    ['"Bearer" without a token', () => 'Bearer ', 'malformed_authorization_header'],
    ...garbageTokens.map((g, i): [string, () => string, UnauthorizedReason] => [
      `garbage #${i + 1}`,
      () => bearer(g),
      garbageReason,
    ]),
    ['an expired token (by an hour)', () => expiredAccessToken(kit, { sub: user.sub }).then(bearer), 'expired'],
    [
      'a not-yet-valid token (nbf in an hour)',
      () => notYetValidAccessToken(kit, { sub: user.sub }).then(bearer),
      'not_yet_valid',
    ],
    [
      'a token issued in the future (iat in an hour)',
      () => issuedInFutureAccessToken(kit, { sub: user.sub }).then(bearer),
      'issued_in_future',
    ],
    ['a wrong issuer', () => wrongIssuerAccessToken(kit, { sub: user.sub }).then(bearer), 'wrong_issuer'],
    ['a wrong client_id', () => wrongClientAccessToken(kit, { sub: user.sub }).then(bearer), 'wrong_client'],
    ['alg none', () => bearer(algNoneToken(kit, { sub: user.sub })), 'algorithm_not_allowed'],
    [
      'HS256 signed with the public key PEM',
      () => bearer(hs256WithPublicKeyToken(kit, publicJwk, { sub: user.sub })),
      'algorithm_not_allowed',
    ],
    [
      'HS256 signed with the public key DER',
      () => bearer(hs256WithPublicKeyToken(kit, publicJwk, { sub: user.sub, form: 'der' })),
      'algorithm_not_allowed',
    ],
    [
      'a tampered payload (sub changed after signing)',
      () => bearer(tamperPayload(user.accessToken, { sub: 'someone-else' })),
      'bad_signature',
    ],
    [
      'an unknown kid (signed with another key)',
      () => unknownKidAccessToken(kit, { sub: user.sub }).then(bearer),
      'unknown_key',
    ],
    [
      'another key under the real kid',
      () => foreignKeySameKidAccessToken(kit, { sub: user.sub }).then(bearer),
      'bad_signature',
    ],
    // Id tokens carry no client_id, so the required-claims check stops them first.
    ['a real id token', () => bearer(user.idToken), 'missing_claim'],
    ['a forged id token', () => idToken(kit, { sub: user.sub }).then(bearer), 'missing_claim'],
    [
      'a forged id token that also has client_id',
      () => idToken(kit, { sub: user.sub, claims: { client_id: clientId } }).then(bearer),
      'wrong_token_use',
    ],
    [
      'an access token with token_use "id"',
      () => validAccessToken(kit, { sub: user.sub, claims: { token_use: 'id' } }).then(bearer),
      'wrong_token_use',
    ],
    [
      'a token without exp',
      () => validAccessToken(kit, { sub: user.sub, claims: { exp: undefined } }).then(bearer),
      'missing_claim',
    ],
    [
      'a token without client_id',
      () => validAccessToken(kit, { sub: user.sub, claims: { client_id: undefined } }).then(bearer),
      'missing_claim',
    ],
  ];

  it.each(rejected)('refuses %s with Error("Unauthorized") and logs why', async (_, make, reason) => {
    const authorization = await make();
    const failure = await handler(authorizerEvent(authorization)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(failure).toMatchObject({ name: 'Error', message: 'Unauthorized' });

    expect(infoLog).toHaveBeenCalledTimes(1);
    const [message, fields] = infoLog.mock.calls[0] as [string, Record<string, unknown>];
    expect(message).toBe('Request not authorized');
    expect(fields).toMatchObject({ reason, routeKey: 'GET /media' });
    // The token is never logged.
    const token = authorization?.replace(/^\S+\s+/, '');
    if (token && token.length > 8) expect(JSON.stringify(infoLog.mock.calls)).not.toContain(token);
    expect(errorLog).not.toHaveBeenCalled();
  });
});

describe('token verifier (shared/auth/verify-token.ts) with a local JWKS', () => {
  const issuer = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Unit';
  let kit: SigningKit;
  let verifier: ReturnType<typeof createTokenVerifier>;

  beforeAll(async () => {
    const { generateKeyPair, exportJWK } = await import('jose');
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'unit-key', alg: 'RS256', use: 'sig' };
    kit = { privateKey, kid: 'unit-key', issuer, clientId: 'unitclient' };
    verifier = createTokenVerifier({ issuer, clientId: 'unitclient', jwks: createLocalJWKSet({ keys: [jwk] }) });
  });

  const reasonOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'accepted',
      (error: unknown) => (error instanceof UnauthorizedError ? error.reason : error),
    );

  it('allows a few seconds of clock skew but not more', async () => {
    const now = Math.floor(Date.now() / 1000);
    // Expired 2 s ago: within the 5 s tolerance.
    await expect(
      reasonOf(verifier.verify(bearer(await validAccessToken(kit, { now: now - 62, ttlSeconds: 60 })))),
    ).resolves.toBe('accepted');
    // Expired 30 s ago.
    await expect(
      reasonOf(verifier.verify(bearer(await validAccessToken(kit, { now: now - 90, ttlSeconds: 60 })))),
    ).resolves.toBe('expired');
    // Issued 2 s ahead (a slightly fast issuer clock), and 60 s ahead.
    await expect(reasonOf(verifier.verify(bearer(await validAccessToken(kit, { now: now + 2 }))))).resolves.toBe(
      'accepted',
    );
    await expect(reasonOf(verifier.verify(bearer(await validAccessToken(kit, { now: now + 60 }))))).resolves.toBe(
      'issued_in_future',
    );
  });

  it('requires a string sub and username', async () => {
    await expect(
      reasonOf(verifier.verify(bearer(await validAccessToken(kit, { claims: { sub: undefined } })))),
    ).resolves.toBe('missing_claim');
    await expect(
      reasonOf(verifier.verify(bearer(await validAccessToken(kit, { claims: { username: 42 } })))),
    ).resolves.toBe('invalid_claim');
    await expect(
      reasonOf(verifier.verify(bearer(await validAccessToken(kit, { claims: { token_use: undefined } })))),
    ).resolves.toBe('missing_claim');
  });

  it('refuses a token whose critical header it does not understand', async () => {
    const token = signRs256Raw(kit, { crit: ['x-unknown'], 'x-unknown': true }, accessTokenClaims(kit));
    await expect(reasonOf(verifier.verify(bearer(token)))).resolves.toBe('unsupported_token');
    // The same claims and key without the crit header pass: the header alone made the difference.
    await expect(reasonOf(verifier.verify(bearer(signRs256Raw(kit, {}, accessTokenClaims(kit)))))).resolves.toBe(
      'accepted',
    );
  });

  it('lets an unreachable JWKS surface as an error that is not UnauthorizedError', async () => {
    const down = createTokenVerifier({
      issuer,
      clientId: 'unitclient',
      jwks: createRemoteJWKSet(new URL('http://127.0.0.1:1/us-east-1_Unit/.well-known/jwks.json'), {
        timeoutDuration: 2000,
      }),
    });
    const outcome = await reasonOf(down.verify(bearer(await validAccessToken(kit))));
    // An Error of Node's own realm (fetch's TypeError), which `instanceof Error` in a test sandbox cannot see.
    expect(isNativeError(outcome), `an Error, not ${String(outcome)}`).toBe(true);
    expect(outcome).not.toBeInstanceOf(UnauthorizedError);
  });

  it('normalizes the issuer from UserPool.ProviderURL', () => {
    expect(normalizeIssuer('cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc')).toBe(
      'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc',
    );
    expect(normalizeIssuer('https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc/')).toBe(
      'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc',
    );
    expect(normalizeIssuer('http://127.0.0.1:9229/us-east-1_Local')).toBe('http://127.0.0.1:9229/us-east-1_Local');
  });
});

describe('authorizer configuration', () => {
  it('names the missing variable when the environment is incomplete (the entry reads it at load)', () => {
    expect(() => authorizerConfig({ USER_POOL_CLIENT_ID: 'x' })).toThrow('USER_POOL_ISSUER');
    expect(() =>
      authorizerConfig({
        USER_POOL_ISSUER: 'cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc',
        USER_POOL_CLIENT_ID: ' ',
      }),
    ).toThrow('USER_POOL_CLIENT_ID');
    expect(
      authorizerConfig({
        USER_POOL_ISSUER: 'cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc',
        USER_POOL_CLIENT_ID: 'x',
      }),
    ).toEqual({
      issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc',
      clientId: 'x',
    });
  });
});
