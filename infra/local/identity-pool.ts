// The user-pool operations of the local identity provider (SignUp, InitiateAuth) on the pool's users
// and refresh tokens (identity-store.ts), and the access and id tokens they issue.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { hashPassword, passwordPolicyViolation, verifyPassword } from './identity-passwords';
import {
  CognitoError,
  emailSchema,
  InitiateAuthRequest,
  invalidParameter,
  notAuthorized,
  parseInput,
  SignUpRequest,
  WRITABLE_ATTRIBUTES,
  type Operation,
} from './identity-protocol';
import {
  readJson,
  REFRESH_TOKENS_FILE,
  RefreshTokensFile,
  USERS_FILE,
  UsersFile,
  writeJsonAtomic,
  type RefreshRecord,
  type SigningKey,
  type UserRecord,
} from './identity-store';

const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
const ACCESS_TOKEN_SCOPE = 'aws.cognito.signin.user.admin';

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

interface UserPoolSettings {
  dataDir: string;
  clientId: string;
  accessTokenTtlSeconds: number;
  signingKey: SigningKey;
  /** The `iss` of the tokens, known once the server listens (the issuer contains the bound port). */
  issuer: () => string;
}

/** The pool's operations by name, on the users and refresh tokens kept in `dataDir`. */
export async function userPoolOperations(pool: UserPoolSettings): Promise<Record<string, Operation>> {
  const { dataDir, clientId, accessTokenTtlSeconds, signingKey } = pool;
  const usersFile = join(dataDir, USERS_FILE);
  const refreshFile = join(dataDir, REFRESH_TOKENS_FILE);
  let users: UserRecord[] = readJson(usersFile, UsersFile)?.users ?? [];
  let refreshTokens: RefreshRecord[] = readJson(refreshFile, RefreshTokensFile)?.tokens ?? [];

  // Used to spend the same scrypt time on unknown users as on known ones.
  const dummyPasswordHash = await hashPassword(randomUUID());

  const findByEmail = (email: string) => users.find((u) => u.email.toLowerCase() === email.toLowerCase());
  const findByLogin = (login: string) => findByEmail(login) ?? users.find((u) => u.username === login);

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
      .setIssuer(pool.issuer())
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
      .setIssuer(pool.issuer())
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
      emailVerified: true, // auto-verified by the (emulated) pre-sign-up trigger, see identity.ts
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

  const operations: Record<string, Operation> = {
    SignUp: signUp,
    InitiateAuth: initiateAuth,
  };
  return operations;
}
