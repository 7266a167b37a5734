// The local identity provider, driven by the real AWS SDK Cognito client.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  ListUsersCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startIdentityProvider, type IdentityProvider, type IdentityProviderOptions } from '../../infra/local/identity';
import { REFRESH_TOKENS_FILE, SIGNING_KEY_FILE, USERS_FILE } from '../../infra/local/identity-store';

const region = 'us-east-1';
const userPoolId = 'us-east-1_LocalPool';
const clientId = 'localappclient1';
const password = 'correct horse 42';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function sdkClient(idp: IdentityProvider) {
  return new CognitoIdentityProviderClient({
    endpoint: idp.endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

describe('local identity provider', () => {
  let dataDir: string;
  let options: IdentityProviderOptions;
  let idp: IdentityProvider;
  let client: CognitoIdentityProviderClient;
  let consoleOutput: string[];
  const email = `Alice.${Date.now()}@example.com`;
  let userSub: string;

  let quiet: string | undefined;
  beforeAll(async () => {
    // The stack's test setup silences info lines; this file needs them to check what is printed.
    quiet = process.env.LOCAL_STACK_QUIET;
    delete process.env.LOCAL_STACK_QUIET;
    // Everything the provider prints, to check that no secret is ever logged.
    consoleOutput = [];
    for (const method of ['log', 'info', 'warn', 'error'] as const) {
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        consoleOutput.push(args.map(String).join(' '));
      });
    }
    dataDir = await mkdtemp(join(tmpdir(), 'media-share-idp-'));
    options = { port: 0, dataDir: join(dataDir, 'nested', 'idp'), userPoolId, clientId, region };
    idp = await startIdentityProvider(options);
    client = sdkClient(idp);
  });

  afterAll(async () => {
    client?.destroy();
    await idp?.close();
    jest.restoreAllMocks();
    if (quiet !== undefined) process.env.LOCAL_STACK_QUIET = quiet;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('reports the bound port and Cognito-style issuer and JWKS URLs', () => {
    expect(idp.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(idp.endpoint).not.toMatch(/:0$/);
    expect(idp.issuer).toBe(`${idp.endpoint}/${userPoolId}`);
    expect(idp.jwksUrl).toBe(`${idp.issuer}/.well-known/jwks.json`);
  });

  it('serves the JWKS and the OpenID configuration at the issuer', async () => {
    const jwks = (await (await fetch(idp.jwksUrl)).json()) as { keys: Record<string, string>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(Object.keys(jwks.keys[0]!).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(jwks.keys[0]).toMatchObject({ alg: 'RS256', kty: 'RSA', use: 'sig' });

    const config = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(config.issuer).toBe(idp.issuer);
    expect(config.jwks_uri).toBe(idp.jwksUrl);

    expect((await fetch(`${idp.endpoint}/us-east-1_Other/.well-known/jwks.json`)).status).toBe(404);
  });

  it('signs up a user, auto-confirmed', async () => {
    const out = await client.send(
      new SignUpCommand({
        ClientId: clientId,
        Username: email,
        Password: password,
        UserAttributes: [{ Name: 'email', Value: email }],
      }),
    );
    expect(out.UserConfirmed).toBe(true);
    expect(out.UserSub).toMatch(UUID);
    userSub = out.UserSub!;
  });

  it('refuses a second sign-up with the same email, in any case', async () => {
    for (const username of [email, email.toLowerCase()]) {
      const error = await errorOf(
        client.send(new SignUpCommand({ ClientId: clientId, Username: username, Password: password })),
      );
      expect(error).toEqual({
        name: 'UsernameExistsException',
        message: 'An account with the given email already exists.',
        status: 400,
      });
    }
  });

  it.each([
    ['too short', 'short1a', 'Password not long enough'],
    ['no lowercase letter', 'ABCDEFGHIJ123', 'Password must have lowercase characters'],
    ['no number', 'abcdefghijklmn', 'Password must have numeric characters'],
  ])('refuses a weak password (%s)', async (_, weak, why) => {
    const error = await errorOf(
      client.send(
        new SignUpCommand({ ClientId: clientId, Username: `weak.${Date.now()}@example.com`, Password: weak }),
      ),
    );
    expect(error).toEqual({
      name: 'InvalidPasswordException',
      message: `Password did not conform with policy: ${why}`,
      status: 400,
    });
  });

  it('accepts a password meeting the pool policy exactly (10 chars, lowercase, number)', async () => {
    const out = await client.send(
      new SignUpCommand({ ClientId: clientId, Username: `min.${Date.now()}@example.com`, Password: 'abcdefghi1' }),
    );
    expect(out.UserConfirmed).toBe(true);
  });

  it('refuses bad input with InvalidParameterException', async () => {
    const notEmail = await errorOf(
      client.send(new SignUpCommand({ ClientId: clientId, Username: 'alice', Password: password })),
    );
    expect(notEmail).toMatchObject({
      name: 'InvalidParameterException',
      message: 'Username should be an email.',
      status: 400,
    });

    const attribute = await errorOf(
      client.send(
        new SignUpCommand({
          ClientId: clientId,
          Username: `x.${Date.now()}@example.com`,
          Password: password,
          UserAttributes: [{ Name: 'custom:role', Value: 'admin' }],
        }),
      ),
    );
    expect(attribute.name).toBe('InvalidParameterException');

    const noPassword = await errorOf(
      client.send(
        new InitiateAuthCommand({
          ClientId: clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: email },
        }),
      ),
    );
    expect(noPassword).toMatchObject({
      name: 'InvalidParameterException',
      message: 'Missing required parameter PASSWORD',
    });

    const srp = await errorOf(
      client.send(
        new InitiateAuthCommand({
          ClientId: clientId,
          AuthFlow: 'USER_SRP_AUTH',
          AuthParameters: { USERNAME: email, SRP_A: 'abc' },
        }),
      ),
    );
    expect(srp.name).toBe('InvalidParameterException');
  });

  it('refuses an unknown app client with ResourceNotFoundException', async () => {
    const signUp = await errorOf(
      client.send(
        new SignUpCommand({ ClientId: 'wrongclient', Username: `y.${Date.now()}@example.com`, Password: password }),
      ),
    );
    expect(signUp).toEqual({
      name: 'ResourceNotFoundException',
      message: 'User pool client wrongclient does not exist.',
      status: 400,
    });
    const auth = await errorOf(
      client.send(
        new InitiateAuthCommand({
          ClientId: 'wrongclient',
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: email, PASSWORD: password },
        }),
      ),
    );
    expect(auth.name).toBe('ResourceNotFoundException');
  });

  it('refuses a wrong password or an unknown user alike (NotAuthorizedException)', async () => {
    for (const [username, pw] of [
      [email, 'wrong password 1'],
      [`nobody.${Date.now()}@example.com`, password],
    ] as const) {
      const error = await errorOf(
        client.send(
          new InitiateAuthCommand({
            ClientId: clientId,
            AuthFlow: 'USER_PASSWORD_AUTH',
            AuthParameters: { USERNAME: username, PASSWORD: pw },
          }),
        ),
      );
      expect(error).toEqual({
        name: 'NotAuthorizedException',
        message: 'Incorrect username or password.',
        status: 400,
      });
    }
  });

  it('answers errors in the AWS JSON 1.1 shape', async () => {
    const post = (target: string | undefined, body: string) =>
      fetch(`${idp.endpoint}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', ...(target ? { 'x-amz-target': target } : {}) },
        body,
      });

    const wrong = await post(
      'AWSCognitoIdentityProviderService.InitiateAuth',
      JSON.stringify({
        ClientId: clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: 'nope nope 1' },
      }),
    );
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await wrong.json()).toEqual({
      __type: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
    });

    const unknown = await post('AWSCognitoIdentityProviderService.AdminDeleteUser', '{}');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { __type: string }).__type).toBe('UnknownOperationException');

    const noTarget = await post(undefined, '{}');
    expect(((await noTarget.json()) as { __type: string }).__type).toBe('UnknownOperationException');

    const notJson = await post('AWSCognitoIdentityProviderService.SignUp', '{not json');
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { __type: string }).__type).toBe('SerializationException');

    const badTypes = await post(
      'AWSCognitoIdentityProviderService.SignUp',
      JSON.stringify({ ClientId: clientId, Username: 42, Password: ['x'] }),
    );
    expect(badTypes.status).toBe(400);
    expect(((await badTypes.json()) as { __type: string }).__type).toBe('InvalidParameterException');
  });

  it('answers operations it does not implement with UnknownOperationException through the SDK too', async () => {
    const error = await errorOf(client.send(new ListUsersCommand({ UserPoolId: userPoolId })));
    expect(error).toMatchObject({ name: 'UnknownOperationException', status: 400 });
  });

  let accessToken: string;
  let refreshToken: string;

  it('signs in with USER_PASSWORD_AUTH and issues tokens with Cognito claims', async () => {
    const out = await client.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    expect(out.ChallengeParameters).toEqual({});
    const result = out.AuthenticationResult!;
    expect(result).toMatchObject({ ExpiresIn: 3600, TokenType: 'Bearer' });
    expect(result.RefreshToken).toEqual(expect.any(String));
    accessToken = result.AccessToken!;
    refreshToken = result.RefreshToken!;

    const jwks = createRemoteJWKSet(new URL(idp.jwksUrl));
    const served = (await (await fetch(idp.jwksUrl)).json()) as { keys: { kid: string }[] };
    expect(decodeProtectedHeader(accessToken)).toEqual({ alg: 'RS256', kid: served.keys[0]!.kid });

    const access = (await jwtVerify(accessToken, jwks, { issuer: idp.issuer, algorithms: ['RS256'] })).payload;
    expect(Object.keys(access).sort()).toEqual(
      [
        'auth_time',
        'client_id',
        'event_id',
        'exp',
        'iat',
        'iss',
        'jti',
        'origin_jti',
        'scope',
        'sub',
        'token_use',
        'username',
      ].sort(),
    );
    expect(access).toMatchObject({
      sub: userSub,
      iss: idp.issuer,
      client_id: clientId,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      username: userSub, // email-username pools: Cognito's username is the generated UUID
    });
    expect(access.exp! - access.iat!).toBe(3600);
    expect(access.auth_time).toBe(access.iat);
    expect(access.jti).toMatch(UUID);
    expect(access.aud).toBeUndefined();

    const id = (
      await jwtVerify(result.IdToken!, jwks, { issuer: idp.issuer, audience: clientId, algorithms: ['RS256'] })
    ).payload;
    expect(id).toMatchObject({
      sub: userSub,
      aud: clientId,
      iss: idp.issuer,
      token_use: 'id',
      email,
      email_verified: true,
      'cognito:username': userSub,
      auth_time: access.auth_time,
      origin_jti: access.origin_jti,
    });
    expect(id.jti).toMatch(UUID);
    expect(id.jti).not.toBe(access.jti);
  });

  it('signs in with the email in another case, or with the internal username', async () => {
    for (const login of [email.toUpperCase(), userSub]) {
      const out = await client.send(
        new InitiateAuthCommand({
          ClientId: clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: login, PASSWORD: password },
        }),
      );
      expect(out.AuthenticationResult?.AccessToken).toEqual(expect.any(String));
    }
  });

  it('refreshes with REFRESH_TOKEN_AUTH: new access and id tokens, no new refresh token, same session', async () => {
    const jwks = createRemoteJWKSet(new URL(idp.jwksUrl));
    const before = (await jwtVerify(accessToken, jwks, { issuer: idp.issuer })).payload;
    const out = await client.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: refreshToken },
      }),
    );
    const result = out.AuthenticationResult!;
    expect(result.RefreshToken).toBeUndefined();
    expect(result).toMatchObject({ ExpiresIn: 3600, TokenType: 'Bearer', IdToken: expect.any(String) });
    const after = (await jwtVerify(result.AccessToken!, jwks, { issuer: idp.issuer })).payload;
    expect(after).toMatchObject({
      sub: userSub,
      token_use: 'access',
      client_id: clientId,
      auth_time: before.auth_time,
      origin_jti: before.origin_jti,
    });
    expect(after.jti).not.toBe(before.jti);
  });

  it('refuses an unknown refresh token', async () => {
    const error = await errorOf(
      client.send(
        new InitiateAuthCommand({
          ClientId: clientId,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: `${refreshToken}x` },
        }),
      ),
    );
    expect(error).toEqual({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token', status: 400 });
  });

  it('stores no password or refresh token in the clear, and never prints one', async () => {
    const users = await readFile(join(options.dataDir, USERS_FILE), 'utf8');
    expect(users).toContain(userSub);
    expect(users).not.toContain(password);
    expect(users).toMatch(/"passwordHash": "scrypt\$/);
    const refresh = await readFile(join(options.dataDir, REFRESH_TOKENS_FILE), 'utf8');
    expect(refresh).not.toContain(refreshToken);
    const key = JSON.parse(await readFile(join(options.dataDir, SIGNING_KEY_FILE), 'utf8')) as {
      privateJwk: { d?: string };
    };
    expect(key.privateJwk.d).toEqual(expect.any(String));

    const printed = consoleOutput.join('\n');
    expect(printed).toContain('InitiateAuth 200'); // the provider did log: the check below is not vacuous
    for (const secret of [password, refreshToken, accessToken, email, email.toLowerCase()])
      expect(printed).not.toContain(secret);
  });

  it('keeps users and keys across a restart with the same dataDir', async () => {
    const port = Number(new URL(idp.endpoint).port);
    client.destroy();
    await idp.close();
    // Same port, so the issuer (which contains it) is the same, as with the local stack's fixed port.
    idp = await startIdentityProvider({ ...options, port });
    client = sdkClient(idp);
    expect(idp.issuer).toBe(`http://127.0.0.1:${port}/${userPoolId}`);

    const jwks = createRemoteJWKSet(new URL(idp.jwksUrl));
    const { payload } = await jwtVerify(accessToken, jwks, { issuer: idp.issuer, algorithms: ['RS256'] });
    expect(payload.sub).toBe(userSub);

    const login = await client.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    expect((await jwtVerify(login.AuthenticationResult!.AccessToken!, jwks, { issuer: idp.issuer })).payload.sub).toBe(
      userSub,
    );

    const refreshed = await client.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: refreshToken },
      }),
    );
    expect(refreshed.AuthenticationResult?.AccessToken).toEqual(expect.any(String));

    const duplicate = await errorOf(
      client.send(new SignUpCommand({ ClientId: clientId, Username: email, Password: password })),
    );
    expect(duplicate.name).toBe('UsernameExistsException');
  });

  it('honours accessTokenTtlSeconds', async () => {
    const other = await startIdentityProvider({
      ...options,
      dataDir: join(dataDir, 'ttl'),
      accessTokenTtlSeconds: 120,
    });
    const otherClient = sdkClient(other);
    try {
      const user = `ttl.${Date.now()}@example.com`;
      await otherClient.send(new SignUpCommand({ ClientId: clientId, Username: user, Password: password }));
      const out = await otherClient.send(
        new InitiateAuthCommand({
          ClientId: clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: user, PASSWORD: password },
        }),
      );
      expect(out.AuthenticationResult?.ExpiresIn).toBe(120);
      const { payload } = await jwtVerify(
        out.AuthenticationResult!.AccessToken!,
        createRemoteJWKSet(new URL(other.jwksUrl)),
        { issuer: other.issuer },
      );
      expect(payload.exp! - payload.iat!).toBe(120);
    } finally {
      otherClient.destroy();
      await other.close();
    }
  });
});
