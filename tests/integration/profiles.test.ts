// Profiles through the HTTP API of the real local stack: GET/PUT /me (defaults, validation, the
// avatar ownership check against real processed content) and GET /users/{id} with relationships
// and blocks.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { api, postToS3, signUp, waitForProcessed, type Session } from '../../scripts/lib/client';
import { makeJpeg } from '../../scripts/lib/images';
import { clients } from '../support/aws';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
const { dynamo } = clients(endpoints);
// What clients written before friendAccepts existed send; it reads back with the default.
const PREFS = { newContent: true, friendRequests: false };
const PREFS_SHOWN = { ...PREFS, friendAccepts: true };

const getMe = (s: Session) => api(endpoints, 'GET', '/me', { token: s.accessToken });
const putMe = (s: Session, body: unknown) => api(endpoints, 'PUT', '/me', { token: s.accessToken, body });
const getUser = (s: Session, id: string) =>
  api(endpoints, 'GET', `/users/${encodeURIComponent(id)}`, { token: s.accessToken });
const storedProfile = async (s: Session) =>
  (await dynamo.send(new GetCommand({ TableName: endpoints.tables.UsersTable, Key: { userId: s.userId } }))).Item;

/** A READY picture of `session`, uploaded as an app would. */
async function readyPicture(session: Session): Promise<string> {
  const data = await makeJpeg(64, 48);
  const created = await api(endpoints, 'POST', '/content', {
    token: session.accessToken,
    body: { contentType: 'image/jpeg', size: data.length, visibility: 'public' },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await postToS3(created.body, data, 'image/jpeg');
  const { body } = await waitForProcessed(endpoints, session.accessToken, created.body.contentId);
  expect(body.status).toBe('READY');
  return created.body.contentId;
}

describe('GET /me and PUT /me', () => {
  let ada: Session;
  let bob: Session;
  let adaPicture: string;
  let bobPicture: string;
  beforeAll(async () => {
    [ada, bob] = await Promise.all([signUp(endpoints), signUp(endpoints)]);
    [adaPicture, bobPicture] = await Promise.all([readyPicture(ada), readyPicture(bob)]);
  });

  it('gives a user without a profile the defaults, without writing anything', async () => {
    const res = await getMe(ada);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      userId: ada.userId,
      displayName: null,
      avatarContentId: null,
      notificationPreferences: { newContent: true, friendRequests: true, friendAccepts: true },
    });
    expect(await storedProfile(ada)).toBeUndefined();
  });

  it('creates the profile, trimmed, and shows it back', async () => {
    const put = await putMe(ada, { displayName: '  Ada Lovelace ', notificationPreferences: PREFS });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toEqual({
      userId: ada.userId,
      displayName: 'Ada Lovelace',
      avatarContentId: null,
      notificationPreferences: PREFS_SHOWN,
      createdAt: expect.any(String),
      updatedAt: put.body.createdAt,
    });
    expect((await getMe(ada)).body).toEqual(put.body);
    expect((await storedProfile(ada))?.notificationPreferences).toEqual(PREFS_SHOWN);
  });

  it('replaces the profile on the next PUT and keeps createdAt', async () => {
    const before = (await getMe(ada)).body;
    const put = await putMe(ada, {
      displayName: 'Ada',
      avatarContentId: adaPicture,
      notificationPreferences: { newContent: false, friendRequests: true },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({ displayName: 'Ada', avatarContentId: adaPicture, createdAt: before.createdAt });
    expect(Date.parse(put.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before.updatedAt));
    expect((await getMe(ada)).body).toEqual(put.body);
  });

  it('stores friendAccepts when given, and puts the default back when a later PUT leaves it out', async () => {
    const cy = await signUp(endpoints);
    const off = { newContent: true, friendRequests: true, friendAccepts: false };
    const put = await putMe(cy, { displayName: 'Cy', notificationPreferences: off });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.notificationPreferences).toEqual(off);
    expect((await getMe(cy)).body.notificationPreferences).toEqual(off);
    expect((await storedProfile(cy))?.notificationPreferences).toEqual(off);
    // PUT replaces: an absent friendAccepts means the default, not the stored value.
    const replaced = await putMe(cy, { displayName: 'Cy', notificationPreferences: PREFS });
    expect(replaced.body.notificationPreferences).toEqual(PREFS_SHOWN);
    expect((await storedProfile(cy))?.notificationPreferences).toEqual(PREFS_SHOWN);
  });

  it('removes the avatar when it is null or left out', async () => {
    const cleared = await putMe(ada, { displayName: 'Ada', avatarContentId: null, notificationPreferences: PREFS });
    expect(cleared.body.avatarContentId).toBeNull();
    await putMe(ada, { displayName: 'Ada', avatarContentId: adaPicture, notificationPreferences: PREFS });
    const omitted = await putMe(ada, { displayName: 'Ada', notificationPreferences: PREFS });
    expect(omitted.body.avatarContentId).toBeNull();
    expect(await storedProfile(ada)).not.toHaveProperty('avatarContentId');
  });

  it("refuses someone else's picture, an unknown id and an unprocessed picture as avatar", async () => {
    const before = await storedProfile(ada);
    const others = await putMe(ada, {
      displayName: 'Ada',
      avatarContentId: bobPicture,
      notificationPreferences: PREFS,
    });
    const unknown = await putMe(ada, {
      displayName: 'Ada',
      avatarContentId: crypto.randomUUID(),
      notificationPreferences: PREFS,
    });
    expect(others.status).toBe(400);
    expect(others.body.details).toEqual([{ path: 'avatarContentId', message: expect.stringMatching(/your own/) }]);
    // Someone else's picture and a missing one look the same: ids cannot be probed.
    expect(unknown.body).toEqual(others.body);

    const pending = await api(endpoints, 'POST', '/content', {
      token: ada.accessToken,
      body: { contentType: 'image/jpeg', size: 1000 },
    });
    const notReady = await putMe(ada, {
      displayName: 'Ada',
      avatarContentId: pending.body.contentId,
      notificationPreferences: PREFS,
    });
    expect(notReady.status).toBe(400);
    expect(notReady.body.details).toEqual([{ path: 'avatarContentId', message: expect.stringMatching(/PENDING/) }]);

    expect(await storedProfile(ada)).toEqual(before);
  });

  it('answers invalid bodies with a 400 naming the failing fields', async () => {
    const cases: [unknown, string[]][] = [
      [{ displayName: '', notificationPreferences: PREFS }, ['displayName']],
      [{ displayName: '   ', notificationPreferences: PREFS }, ['displayName']],
      [{ displayName: 'x'.repeat(81), notificationPreferences: PREFS }, ['displayName']],
      [{ displayName: 'bell\u0007', notificationPreferences: PREFS }, ['displayName']],
      [{ displayName: 'Ada', avatarContentId: 'not-a-uuid', notificationPreferences: PREFS }, ['avatarContentId']],
      [
        { displayName: 'Ada', notificationPreferences: { newContent: 'yes', friendRequests: true } },
        ['notificationPreferences.newContent'],
      ],
      [
        { displayName: 'Ada', notificationPreferences: { ...PREFS, friendAccepts: 'no' } },
        ['notificationPreferences.friendAccepts'],
      ],
      [{ displayName: 'Ada' }, ['notificationPreferences']],
      [{ displayName: 'Ada', notificationPreferences: PREFS, userId: 'someone-else' }, ['']],
    ];
    for (const [body, paths] of cases) {
      const res = await putMe(bob, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(
        res.body.details.map((d: { path: string }) => d.path),
        JSON.stringify(body),
      ).toEqual(paths);
    }
    const notJson = await api(endpoints, 'PUT', '/me', {
      token: bob.accessToken,
      body: '{nope',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body.message).toMatch(/JSON/);
    expect((await api(endpoints, 'PUT', '/me', { token: bob.accessToken })).status).toBe(400);
    expect(await storedProfile(bob)).toBeUndefined();
  });
});

describe('GET /users/{id}', () => {
  let ada: Session;
  let bob: Session;
  let cy: Session;
  let adaPicture: string;
  beforeAll(async () => {
    [ada, bob, cy] = await Promise.all([signUp(endpoints), signUp(endpoints), signUp(endpoints)]);
    adaPicture = await readyPicture(ada);
    const put = await putMe(ada, { displayName: 'Ada', avatarContentId: adaPicture, notificationPreferences: PREFS });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
  });

  it('shows the public profile only: name, avatar and how the caller stands to the user', async () => {
    const res = await getUser(bob, ada.userId);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      userId: ada.userId,
      displayName: 'Ada',
      avatar: { contentId: adaPicture },
      relationship: 'none',
    });
    expect((await getUser(ada, ada.userId)).body.relationship).toBe('self');
  });

  it('shows the avatar only to those who may see that picture', async () => {
    const current = await api(endpoints, 'GET', `/content/${adaPicture}`, { token: ada.accessToken });
    const toFriends = await api(endpoints, 'PATCH', `/content/${adaPicture}`, {
      token: ada.accessToken,
      headers: { 'if-match': current.headers.get('etag')! },
      body: { visibility: 'friends' },
    });
    expect(toFriends.status).toBe(200);
    expect((await getUser(cy, ada.userId)).body).toEqual({
      userId: ada.userId,
      displayName: 'Ada',
      relationship: 'none',
    });
    expect((await getUser(ada, ada.userId)).body.avatar).toEqual({ contentId: adaPicture });
    const back = await api(endpoints, 'PATCH', `/content/${adaPicture}`, {
      token: ada.accessToken,
      headers: { 'if-match': toFriends.headers.get('etag')! },
      body: { visibility: 'public' },
    });
    expect(back.status).toBe(200);
    expect((await getUser(cy, ada.userId)).body.avatar).toEqual({ contentId: adaPicture });
  });

  it('says pending for a request either way, and friend once accepted', async () => {
    await api(endpoints, 'POST', `/friends/${ada.userId}`, { token: bob.accessToken });
    expect((await getUser(bob, ada.userId)).body.relationship).toBe('pending');
    expect((await getUser(ada, bob.userId)).status).toBe(404); // bob has no profile
    await putMe(bob, { displayName: 'Bob', notificationPreferences: PREFS });
    expect((await getUser(ada, bob.userId)).body.relationship).toBe('pending');
    await api(endpoints, 'POST', `/friends/${bob.userId}`, { token: ada.accessToken });
    expect((await getUser(bob, ada.userId)).body.relationship).toBe('friend');
    expect((await getUser(ada, bob.userId)).body).toEqual({
      userId: bob.userId,
      displayName: 'Bob',
      relationship: 'friend',
    });
  });

  it('answers 404 for a user without a profile, and the same 404 across a block either way', async () => {
    const missing = await getUser(ada, cy.userId);
    expect(missing.status).toBe(404);

    const blocked = await api(endpoints, 'POST', `/blocks/${cy.userId}`, { token: ada.accessToken });
    expect(blocked.status).toBe(204);
    await putMe(cy, { displayName: 'Cy', notificationPreferences: PREFS });
    const blockedSees = await getUser(cy, ada.userId);
    const blockerSees = await getUser(ada, cy.userId);
    expect(blockedSees.status).toBe(404);
    expect(blockerSees.status).toBe(404);
    expect(blockedSees.body).toEqual(missing.body);
    expect(blockerSees.body).toEqual(missing.body);

    await api(endpoints, 'DELETE', `/blocks/${cy.userId}`, { token: ada.accessToken });
    expect((await getUser(cy, ada.userId)).body.relationship).toBe('none');
  });

  it('answers an invalid id with a 400 naming the field', async () => {
    for (const id of ['x'.repeat(129), 'a b', 'semi;colon']) {
      const res = await getUser(ada, id);
      expect(res.status, id).toBe(400);
      expect(res.body.details.map((d: { path: string }) => d.path)).toEqual(['id']);
    }
  });
});
