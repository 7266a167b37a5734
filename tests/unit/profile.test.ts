import {
  avatarProblem,
  DEFAULT_NOTIFICATION_PREFERENCES,
  DISPLAY_NAME_MAX,
  meView,
  publicProfile,
  putProfileSchema,
  userIdSchema,
  type Profile,
} from '#shared/users/model';

const AVATAR = '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b';
const valid = {
  displayName: 'Ada',
  avatarContentId: AVATAR,
  notificationPreferences: { newContent: false, friendRequests: true, friendAccepts: false },
};
const profile: Profile = {
  userId: 'u1',
  displayName: 'Ada',
  avatarContentId: AVATAR,
  notificationPreferences: { newContent: false, friendRequests: true, friendAccepts: false },
  createdAt: '2024-05-01T10:00:00.000Z',
  updatedAt: '2024-06-01T10:00:00.000Z',
};

const failingPaths = (body: unknown) =>
  putProfileSchema.safeParse(body).error?.issues.map((i) => i.path.join('.')) ?? [];

describe('putProfileSchema', () => {
  it('accepts a full profile, and an avatar that is null or absent', () => {
    expect(putProfileSchema.parse(valid)).toEqual(valid);
    expect(putProfileSchema.parse({ ...valid, avatarContentId: null }).avatarContentId).toBeNull();
    const { avatarContentId, ...noAvatar } = valid;
    expect(putProfileSchema.parse(noAvatar).avatarContentId).toBeUndefined();
  });

  it('trims the display name and refuses an empty, too long or control-character one', () => {
    expect(putProfileSchema.parse({ ...valid, displayName: '  Ada  ' }).displayName).toBe('Ada');
    for (const displayName of ['', '   ', 'x'.repeat(DISPLAY_NAME_MAX + 1), 'A\u0000da', 'line\nbreak', 42, null]) {
      expect(failingPaths({ ...valid, displayName }), JSON.stringify(displayName)).toEqual(['displayName']);
    }
    expect(putProfileSchema.safeParse({ ...valid, displayName: 'x'.repeat(DISPLAY_NAME_MAX) }).success).toBe(true);
  });

  it('needs the avatar to be a uuid', () => {
    expect(failingPaths({ ...valid, avatarContentId: 'not-a-uuid' })).toEqual(['avatarContentId']);
  });

  it('needs newContent and friendRequests, takes friendAccepts optionally, all as booleans, and nothing else', () => {
    expect(failingPaths({ ...valid, notificationPreferences: { newContent: 'yes', friendRequests: true } })).toEqual([
      'notificationPreferences.newContent',
    ]);
    expect(failingPaths({ ...valid, notificationPreferences: { newContent: true } })).toEqual([
      'notificationPreferences.friendRequests',
    ]);
    expect(failingPaths({ ...valid, notificationPreferences: { newContent: true, friendAccepts: true } })).toEqual([
      'notificationPreferences.friendRequests',
    ]);
    for (const friendAccepts of ['yes', 1, null]) {
      expect(
        failingPaths({ ...valid, notificationPreferences: { ...valid.notificationPreferences, friendAccepts } }),
        JSON.stringify(friendAccepts),
      ).toEqual(['notificationPreferences.friendAccepts']);
    }
    expect(
      failingPaths({ ...valid, notificationPreferences: { ...valid.notificationPreferences, email: true } }),
    ).toEqual(['notificationPreferences']);
    const { notificationPreferences, ...without } = valid;
    expect(failingPaths(without)).toEqual(['notificationPreferences']);
  });

  it('accepts preferences without friendAccepts (clients older than it), leaving it absent', () => {
    const older = { ...valid, notificationPreferences: { newContent: true, friendRequests: false } };
    const parsed = putProfileSchema.parse(older);
    expect(parsed).toEqual(older);
    expect(parsed.notificationPreferences.friendAccepts).toBeUndefined();
  });

  it("refuses unknown fields, such as a userId or createdAt of the client's choosing", () => {
    expect(failingPaths({ ...valid, userId: 'someone-else', createdAt: '2000-01-01' })).toEqual(['']);
  });
});

describe('userIdSchema', () => {
  it('accepts Cognito subs and other plain ids', () => {
    for (const id of [
      '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
      'user@example.com',
      'a',
      'x'.repeat(128),
      'us-east-1:abc_def+1=',
    ]) {
      expect(userIdSchema.safeParse(id).success, id).toBe(true);
    }
  });

  it('refuses empty, too long and unsafe ids', () => {
    for (const id of ['', 'x'.repeat(129), 'a/b', 'a#b', 'a b', 'a\u0000', '%2F', 'é', undefined, 7]) {
      expect(userIdSchema.safeParse(id).success, String(id)).toBe(false);
    }
  });
});

describe('meView', () => {
  it('gives a user without a profile the defaults: null name and avatar, default preferences, no dates', () => {
    expect(meView('u1', undefined)).toEqual({
      userId: 'u1',
      displayName: null,
      avatarContentId: null,
      notificationPreferences: DEFAULT_NOTIFICATION_PREFERENCES,
    });
    expect(DEFAULT_NOTIFICATION_PREFERENCES).toEqual({ newContent: true, friendRequests: true, friendAccepts: true });
  });

  it('shows a stored profile', () => {
    expect(meView('u1', profile)).toEqual({ ...profile });
    const { avatarContentId, ...noAvatar } = profile;
    expect(meView('u1', noAvatar).avatarContentId).toBeNull();
  });

  it('fills in friendAccepts (true) for a profile stored before it existed', () => {
    const older = { ...profile, notificationPreferences: { newContent: false, friendRequests: true } } as Profile;
    expect(meView('u1', older).notificationPreferences).toEqual({
      newContent: false,
      friendRequests: true,
      friendAccepts: true,
    });
  });
});

describe('publicProfile', () => {
  it('shows name, avatar and relationship, but not preferences or dates', () => {
    expect(publicProfile(profile, 'friend')).toEqual({
      userId: 'u1',
      displayName: 'Ada',
      avatar: { contentId: AVATAR },
      relationship: 'friend',
    });
    const { avatarContentId, ...noAvatar } = profile;
    expect(publicProfile(noAvatar, 'none')).toEqual({ userId: 'u1', displayName: 'Ada', relationship: 'none' });
  });
});

describe('avatarProblem', () => {
  it("accepts the user's own READY picture", () => {
    expect(avatarProblem('u1', { ownerId: 'u1', status: 'READY' })).toBeUndefined();
  });

  it("gives a missing, someone else's or deleted item the same reason", () => {
    const reason = avatarProblem('u1', undefined);
    expect(reason).toMatch(/your own/);
    expect(avatarProblem('u1', { ownerId: 'u2', status: 'READY' })).toBe(reason);
    expect(avatarProblem('u1', { ownerId: 'u1', status: 'DELETED' })).toBe(reason);
    expect(avatarProblem('u1', { ownerId: 'u1', status: 'READY', deletedAt: '2024-06-01T00:00:00Z' })).toBe(reason);
  });

  it("refuses the user's own picture until it is processed, and a rejected one", () => {
    expect(avatarProblem('u1', { ownerId: 'u1', status: 'PENDING' })).toMatch(/PENDING/);
    expect(avatarProblem('u1', { ownerId: 'u1', status: 'REJECTED' })).toMatch(/REJECTED/);
  });
});
