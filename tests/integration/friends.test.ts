// Friendships through the HTTP API of the real local stack: requests, accepting, listing, removing,
// declining, blocking and unblocking, concurrent requests both ways, idempotency and bad input.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { api, signUp, type Session } from '../../scripts/lib/client';
import { clients } from '../support/aws';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
const { dynamo } = clients(endpoints);

const two = () => Promise.all([signUp(endpoints), signUp(endpoints)]);
const three = () => Promise.all([signUp(endpoints), signUp(endpoints), signUp(endpoints)]);

const request = (from: Session, to: Session | string) =>
  api(endpoints, 'POST', `/friends/${encodeURIComponent(typeof to === 'string' ? to : to.userId)}`, {
    token: from.accessToken,
  });
const remove = (from: Session, to: Session) =>
  api(endpoints, 'DELETE', `/friends/${to.userId}`, { token: from.accessToken });
const block = (from: Session, to: Session) =>
  api(endpoints, 'POST', `/blocks/${to.userId}`, { token: from.accessToken });
const unblock = (from: Session, to: Session) =>
  api(endpoints, 'DELETE', `/blocks/${to.userId}`, { token: from.accessToken });

async function lists(session: Session) {
  const res = await api(endpoints, 'GET', '/friends', { token: session.accessToken });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as {
    friends: { userId: string; since: string; displayName?: string }[];
    incoming: { userId: string; requestedAt: string; displayName?: string }[];
    outgoing: { userId: string; requestedAt: string; displayName?: string }[];
    blocked: { userId: string }[];
  };
}

const EMPTY = { friends: [], incoming: [], outgoing: [], blocked: [] };

/** The items stored in a user's partition of the Friendships table. */
async function storedEdges(session: Session) {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: endpoints.tables.FriendshipsTable,
      KeyConditionExpression: 'userId = :u',
      ExpressionAttributeValues: { ':u': session.userId },
    }),
  );
  return out.Items ?? [];
}

describe('friend requests', () => {
  let ann: Session;
  let ben: Session;
  beforeAll(async () => {
    [ann, ben] = await two();
  });

  it('sends a request, shows it on both sides, and accepting it makes both friends', async () => {
    const asked = await request(ann, ben);
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    expect(asked.body).toEqual({ userId: ben.userId, state: 'outgoing', requestedAt: expect.any(String) });

    expect(await lists(ann)).toEqual({
      ...EMPTY,
      outgoing: [{ userId: ben.userId, requestedAt: asked.body.requestedAt }],
    });
    expect(await lists(ben)).toEqual({
      ...EMPTY,
      incoming: [{ userId: ann.userId, requestedAt: asked.body.requestedAt }],
    });

    const accepted = await request(ben, ann);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ userId: ann.userId, state: 'accepted', since: expect.any(String) });
    expect(Date.parse(accepted.body.since)).toBeGreaterThanOrEqual(Date.parse(asked.body.requestedAt));

    expect(await lists(ann)).toEqual({ ...EMPTY, friends: [{ userId: ben.userId, since: accepted.body.since }] });
    expect(await lists(ben)).toEqual({ ...EMPTY, friends: [{ userId: ann.userId, since: accepted.body.since }] });
  });

  it('answers a repeated accept with the current state, unchanged', async () => {
    const before = await lists(ann);
    for (const [from, to] of [
      [ann, ben],
      [ben, ann],
    ] as const) {
      const again = await request(from, to);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ userId: to.userId, state: 'accepted', since: before.friends[0]!.since });
    }
    expect(await lists(ann)).toEqual(before);
  });

  it('unfriends with DELETE from either side, deletes both edges, and answers 204 when there is nothing left', async () => {
    const gone = await remove(ben, ann);
    expect(gone.status).toBe(204);
    expect(gone.body).toBeUndefined();
    expect(await lists(ann)).toEqual(EMPTY);
    expect(await lists(ben)).toEqual(EMPTY);
    expect(await storedEdges(ann)).toEqual([]);
    expect(await storedEdges(ben)).toEqual([]);

    expect((await remove(ben, ann)).status).toBe(204);
    expect((await remove(ann, ben)).status).toBe(204);
  });
});

describe('pending requests', () => {
  let ann: Session;
  let ben: Session;
  let cat: Session;
  beforeAll(async () => {
    [ann, ben, cat] = await three();
  });

  it('answers a repeated request with the same pending request', async () => {
    const first = await request(ann, ben);
    const second = await request(ann, ben);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect((await lists(ann)).outgoing).toHaveLength(1);
  });

  it('lets the other side decline a request', async () => {
    expect((await remove(ben, ann)).status).toBe(204);
    expect(await lists(ann)).toEqual(EMPTY);
    expect(await lists(ben)).toEqual(EMPTY);
  });

  it('lets the sender cancel a request', async () => {
    await request(ann, cat);
    expect((await lists(cat)).incoming.map((e) => e.userId)).toEqual([ann.userId]);
    expect((await remove(ann, cat)).status).toBe(204);
    expect(await lists(cat)).toEqual(EMPTY);
    expect(await storedEdges(cat)).toEqual([]);
  });

  it('lists display names of users who have a profile, and none for those who do not', async () => {
    const put = await api(endpoints, 'PUT', '/me', {
      token: ben.accessToken,
      body: { displayName: 'Ben', notificationPreferences: { newContent: true, friendRequests: true } },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    await request(ann, ben);
    await request(ann, cat);
    await request(ben, cat);
    await request(cat, ben); // accepts
    const annLists = await lists(ann);
    expect(annLists.outgoing).toEqual(
      expect.arrayContaining([
        { userId: ben.userId, requestedAt: expect.any(String), displayName: 'Ben' },
        { userId: cat.userId, requestedAt: expect.any(String) },
      ]),
    );
    expect(annLists.outgoing).toHaveLength(2);
    expect((await lists(cat)).friends).toEqual([{ userId: ben.userId, since: expect.any(String), displayName: 'Ben' }]);
    expect((await lists(cat)).incoming).toEqual([{ userId: ann.userId, requestedAt: expect.any(String) }]);
  });
});

describe('concurrent requests both ways', () => {
  it('end as friends, never as two lost requests', async () => {
    const rounds = 6;
    for (let round = 0; round < rounds; round++) {
      const [ann, ben] = await two();
      const [ab, ba] = await Promise.all([request(ann, ben), request(ben, ann)]);
      expect([ab.status, ba.status], JSON.stringify([ab.body, ba.body])).toEqual([200, 200]);
      // The one that committed first sent the request, the other accepted it.
      expect([ab.body.state, ba.body.state].sort()).toEqual(['accepted', 'outgoing']);
      const [annLists, benLists] = await Promise.all([lists(ann), lists(ben)]);
      expect(annLists).toEqual({ ...EMPTY, friends: [{ userId: ben.userId, since: expect.any(String) }] });
      expect(benLists).toEqual({ ...EMPTY, friends: [{ userId: ann.userId, since: annLists.friends[0]!.since }] });
    }
  });

  it('end as friends when several requests of each side race', async () => {
    const [ann, ben] = await two();
    const results = await Promise.all([request(ann, ben), request(ben, ann), request(ann, ben), request(ben, ann)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect((await lists(ann)).friends.map((f) => f.userId)).toEqual([ben.userId]);
    expect((await lists(ben)).friends.map((f) => f.userId)).toEqual([ann.userId]);
  });
});

describe('blocks', () => {
  let ann: Session;
  let ben: Session;
  beforeAll(async () => {
    [ann, ben] = await two();
    await request(ann, ben);
    await request(ben, ann);
  });

  it('drops the friendship, lists the block for the blocker only, and hides it from the blocked', async () => {
    const blocked = await block(ann, ben);
    expect(blocked.status).toBe(204);
    expect(await lists(ann)).toEqual({ ...EMPTY, blocked: [{ userId: ben.userId }] });
    expect(await lists(ben)).toEqual(EMPTY);
    expect((await block(ann, ben)).status).toBe(204);
    expect(await lists(ann)).toEqual({ ...EMPTY, blocked: [{ userId: ben.userId }] });
  });

  it('answers a request across the block, either way, with the 404 of an unknown user', async () => {
    const fromBlocked = await request(ben, ann);
    const fromBlocker = await request(ann, ben);
    expect(fromBlocked.status).toBe(404);
    expect(fromBlocker.status).toBe(404);
    expect(fromBlocked.body).toEqual({ code: 'NOT_FOUND', message: 'User not found.' });
    expect(fromBlocker.body).toEqual(fromBlocked.body);
    // DELETE /friends changes nothing across a block, and says nothing about it.
    expect((await remove(ben, ann)).status).toBe(204);
    expect(await lists(ann)).toEqual({ ...EMPTY, blocked: [{ userId: ben.userId }] });
  });

  it('lets only the blocker lift the block', async () => {
    expect((await unblock(ben, ann)).status).toBe(204);
    expect((await request(ben, ann)).status).toBe(404);
    expect(await lists(ann)).toEqual({ ...EMPTY, blocked: [{ userId: ben.userId }] });

    expect((await unblock(ann, ben)).status).toBe(204);
    expect(await lists(ann)).toEqual(EMPTY);
    expect(await lists(ben)).toEqual(EMPTY);
    // Nothing is left of the pair, and the old friendship does not come back.
    expect(await storedEdges(ann)).toEqual([]);
    expect(await storedEdges(ben)).toEqual([]);
    expect((await unblock(ann, ben)).status).toBe(204);

    const asked = await request(ben, ann);
    expect(asked.status).toBe(200);
    expect(asked.body.state).toBe('outgoing');
    expect((await remove(ann, ben)).status).toBe(204);
  });

  it("keeps the other side's block when one of two blocks is lifted", async () => {
    await block(ann, ben);
    await block(ben, ann);
    expect(await lists(ben)).toEqual({ ...EMPTY, blocked: [{ userId: ann.userId }] });
    expect((await unblock(ann, ben)).status).toBe(204);
    expect(await lists(ann)).toEqual(EMPTY);
    expect(await lists(ben)).toEqual({ ...EMPTY, blocked: [{ userId: ann.userId }] });
    expect((await request(ann, ben)).status).toBe(404);
    await unblock(ben, ann);
    expect(await storedEdges(ann)).toEqual([]);
  });

  it('drops a pending request when either side blocks', async () => {
    await request(ann, ben);
    await block(ben, ann);
    expect(await lists(ann)).toEqual(EMPTY);
    expect(await lists(ben)).toEqual({ ...EMPTY, blocked: [{ userId: ann.userId }] });
    await unblock(ben, ann);
    expect(await lists(ann)).toEqual(EMPTY);
  });
});

describe('bad input', () => {
  let ann: Session;
  beforeAll(async () => {
    ann = await signUp(endpoints);
  });

  it('refuses to befriend, block or unfriend yourself with a 400', async () => {
    for (const [method, path] of [
      ['POST', '/friends'],
      ['DELETE', '/friends'],
      ['POST', '/blocks'],
      ['DELETE', '/blocks'],
    ] as const) {
      const res = await api(endpoints, method, `${path}/${ann.userId}`, { token: ann.accessToken });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body.details).toEqual([{ path: 'userId', message: expect.any(String) }]);
    }
    expect(await lists(ann)).toEqual(EMPTY);
  });

  it('answers an invalid user id with a 400 naming the field', async () => {
    for (const id of ['x'.repeat(129), 'has space', 'semi;colon', 'hash#tag', 'ünïcode']) {
      for (const [method, path] of [
        ['POST', '/friends'],
        ['DELETE', '/friends'],
        ['POST', '/blocks'],
        ['DELETE', '/blocks'],
      ] as const) {
        const res = await api(endpoints, method, `${path}/${encodeURIComponent(id)}`, { token: ann.accessToken });
        expect(res.status, `${method} ${path}/${id}`).toBe(400);
        expect(res.body.details.map((d: { path: string }) => d.path)).toEqual(['userId']);
      }
    }
  });

  it('accepts a request to an id nobody has (user existence is not checked) and lets it be cancelled', async () => {
    const res = await request(ann, 'nobody-has-this-id');
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('outgoing');
    expect((await api(endpoints, 'DELETE', '/friends/nobody-has-this-id', { token: ann.accessToken })).status).toBe(
      204,
    );
  });

  it('needs a token on every route', async () => {
    for (const [method, path] of [
      ['GET', '/friends'],
      ['POST', `/friends/${ann.userId}`],
      ['DELETE', `/blocks/${ann.userId}`],
    ] as const) {
      expect((await api(endpoints, method, path)).status).toBe(401);
    }
  });
});
