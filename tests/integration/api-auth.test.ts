// The authorizer as clients meet it: through the local HTTP API (API Gateway's 401 for a missing
// identity source, the Lambda REQUEST authorizer, its result cache), with tokens forged with the
// local identity provider's own signing key where the attack needs it.
import path from 'node:path';
import { api, signUp, type Session } from '../../scripts/lib/client';
import {
  algNoneToken,
  expiredAccessToken,
  garbageTokens,
  hs256WithPublicKeyToken,
  idToken,
  loadIdentityProviderKey,
  notYetValidAccessToken,
  tamperPayload,
  unknownKidAccessToken,
  validAccessToken,
  wrongClientAccessToken,
  wrongIssuerAccessToken,
  type SigningKit,
} from '../support/tokens';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
let user: Session;
let kit: SigningKit;
let publicJwk: Awaited<ReturnType<typeof loadIdentityProviderKey>>['publicJwk'];

beforeAll(async () => {
  user = await signUp(endpoints);
  const key = await loadIdentityProviderKey(path.join(endpoints.dataDir, 'cognito'));
  publicJwk = key.publicJwk;
  kit = {
    privateKey: key.privateKey,
    kid: key.kid,
    issuer: endpoints.cognito.issuer,
    clientId: endpoints.cognito.clientId,
  };
});

const get = (authorization?: string) =>
  api(endpoints, 'GET', `/content/${crypto.randomUUID()}`, {
    headers: authorization === undefined ? {} : { authorization },
  });

describe('HTTP API authorizer', () => {
  it('lets a real Cognito access token through with the user id (404 = the function ran for that user)', async () => {
    const res = await get(`Bearer ${user.accessToken}`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ code: 'NOT_FOUND', message: 'Content not found.' });
  });

  it('passes the token subject to the function as the user id', async () => {
    const forged = await validAccessToken(kit, { sub: user.userId });
    const created = await api(endpoints, 'POST', '/content', {
      token: forged,
      body: { contentType: 'image/jpeg', size: 10 },
    });
    expect(created.status).toBe(201);
    expect(created.body.upload.fields.key).toBe(`uploads/${user.userId}/${created.body.contentId}`);
  });

  const cases: Array<[string, () => Promise<string | undefined> | string | undefined]> = [
    ['no token', () => undefined],
    ['an empty header', () => ''],
    ['a token without the Bearer scheme', () => user.accessToken],
    ['an expired token', async () => `Bearer ${await expiredAccessToken(kit, { sub: user.userId })}`],
    ['a token not yet valid', async () => `Bearer ${await notYetValidAccessToken(kit, { sub: user.userId })}`],
    ['a token from another issuer', async () => `Bearer ${await wrongIssuerAccessToken(kit, { sub: user.userId })}`],
    ['a token for another app client', async () => `Bearer ${await wrongClientAccessToken(kit, { sub: user.userId })}`],
    ['an unsigned token (alg none)', () => `Bearer ${algNoneToken(kit, { sub: user.userId })}`],
    [
      'HS256 signed with the public key',
      () => `Bearer ${hs256WithPublicKeyToken(kit, publicJwk, { sub: user.userId })}`,
    ],
    ['a tampered payload', () => `Bearer ${tamperPayload(user.accessToken, { sub: 'someone-else' })}`],
    [
      'a token signed by an unknown key',
      async () => `Bearer ${await unknownKidAccessToken(kit, { sub: user.userId })}`,
    ],
    ['an id token instead of an access token', () => `Bearer ${user.idToken}`],
    ['a forged id token', async () => `Bearer ${await idToken(kit, { sub: user.userId })}`],
    // (Tokens over Node's 16 KiB header limit never reach the emulation: left out.)
    ...garbageTokens
      .filter((g) => g.length < 8000)
      .map((g, i): [string, () => string] => [`garbage #${i + 1}`, () => `Bearer ${g}`]),
  ];

  it.each(cases)('answers 401 to %s, and the function never runs', async (_name, make) => {
    const res = await get(await make());
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: 'Unauthorized' });
  });
});
