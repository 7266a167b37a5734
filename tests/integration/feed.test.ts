// GET /feed on the local stack: what reaches a feed through the Content and Friendships streams
// (READY, caption and visibility changes, delete, friendship accepted, unfriend, block), checked
// both in the served feed and in the Feed table (a purge removes entries, it does not only hide them).
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { api, type Session } from '../../scripts/lib/client';
import { clients, eventually } from '../support/aws';
import { befriend, block, readyContent, signUp, unfriend } from '../support/social';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
const { dynamo } = clients(endpoints);

type Item = { contentId: string; caption?: string; visibility: string; ownerId: string; createdAt: string };

async function feedOf(viewer: Session, limit = 100): Promise<Item[]> {
  const res = await api(endpoints, 'GET', `/feed?limit=${limit}`, { token: viewer.accessToken });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items;
}

/** Waits until `check` holds for the viewer's first feed page. */
async function feedWhere(what: string, viewer: Session, check: (items: Item[]) => boolean): Promise<Item[]> {
  return eventually(what, async () => {
    const items = await feedOf(viewer);
    return check(items) ? items : undefined;
  });
}

const has = (id: string) => (items: Item[]) => items.some((i) => i.contentId === id);
/** Matchers for a feed that lists the item `id`, or does not. */
const listing = (id: string) => expect.arrayContaining([expect.objectContaining({ contentId: id })]);
const notListing = (id: string) => expect.not.arrayContaining([expect.objectContaining({ contentId: id })]);

/** The Feed table entries of a user's partition that point at `ownerId`'s items. */
async function entriesIn(userId: string, ownerId: string): Promise<string[]> {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: endpoints.tables.FeedTable,
      KeyConditionExpression: 'feedKey = :k',
      FilterExpression: 'ownerId = :o',
      ExpressionAttributeValues: { ':k': `user#${userId}`, ':o': ownerId },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []).map((i) => i.contentId as string);
}

async function patch(owner: Session, id: string, body: Record<string, unknown>) {
  const etag = (await api(endpoints, 'GET', `/content/${id}`, { token: owner.accessToken })).headers.get('etag')!;
  const res = await api(endpoints, 'PATCH', `/content/${id}`, {
    token: owner.accessToken,
    headers: { 'if-match': etag },
    body,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

describe('GET /feed', () => {
  let owner: Session;
  let friend: Session;
  let stranger: Session;

  beforeAll(async () => {
    [owner, friend, stranger] = await Promise.all([signUp(endpoints), signUp(endpoints), signUp(endpoints)]);
    await befriend(endpoints, owner, friend);
  });

  it('follows an item through READY, caption edits, friends -> public -> private -> friends, and delete', async () => {
    const id = await readyContent(endpoints, owner, { visibility: 'friends', caption: 'first' });
    await feedWhere('the friends-only item in the friend feed', friend, has(id));
    await feedWhere('the item in the owner feed', owner, has(id));
    expect(await feedOf(stranger)).toEqual(notListing(id));
    expect(await entriesIn(friend.userId, owner.userId)).toContain(id);

    await patch(owner, id, { caption: 'edited' });
    expect((await feedOf(friend)).find((i) => i.contentId === id)?.caption).toBe('edited');

    await patch(owner, id, { visibility: 'public' });
    await feedWhere('the public item in a stranger feed', stranger, has(id));
    expect(await feedOf(friend)).toEqual(listing(id));
    // Public items live in the day partition, not in every friend's.
    await eventually('the friend entry moved to the public partition', async () =>
      (await entriesIn(friend.userId, owner.userId)).includes(id) ? undefined : true,
    );

    await patch(owner, id, { visibility: 'private' });
    // Served feeds check the item as it is now: hidden at once, before the builder catches up.
    expect(await feedOf(friend)).toEqual(notListing(id));
    expect(await feedOf(stranger)).toEqual(notListing(id));
    expect(await feedOf(owner)).toEqual(listing(id));

    await patch(owner, id, { visibility: 'friends' });
    await feedWhere('the item back in the friend feed', friend, has(id));
    expect(await feedOf(stranger)).toEqual(notListing(id));

    expect((await api(endpoints, 'DELETE', `/content/${id}`, { token: owner.accessToken })).status).toBe(204);
    expect(await feedOf(friend)).toEqual(notListing(id));
    expect(await feedOf(owner)).toEqual(notListing(id));
    await eventually('the entries of the deleted item gone', async () =>
      (await entriesIn(friend.userId, owner.userId)).includes(id) ? undefined : true,
    );
  });

  it('a new friendship backfills both feeds; unfriend and block purge them', async () => {
    const [a, b] = await Promise.all([signUp(endpoints), signUp(endpoints)]);
    const [fromA, fromB, privateB] = await Promise.all([
      readyContent(endpoints, a, { visibility: 'friends' }),
      readyContent(endpoints, b, { visibility: 'friends' }),
      readyContent(endpoints, b, { visibility: 'private' }),
    ]);
    expect(await feedOf(a)).toEqual(notListing(fromB));

    await befriend(endpoints, a, b);
    await feedWhere('B backfilled into A', a, has(fromB));
    await feedWhere('A backfilled into B', b, has(fromA));
    expect(await feedOf(a)).toEqual(notListing(privateB));

    await unfriend(endpoints, a, b);
    expect(await feedOf(a)).toEqual(notListing(fromB));
    await eventually('unfriend purged both partitions', async () =>
      (await entriesIn(a.userId, b.userId)).length + (await entriesIn(b.userId, a.userId)).length === 0
        ? true
        : undefined,
    );

    await befriend(endpoints, a, b);
    await feedWhere('B back in A after a new friendship', a, has(fromB));
    await block(endpoints, b, a);
    expect(await feedOf(a)).toEqual(notListing(fromB));
    expect(await feedOf(b)).toEqual(notListing(fromA));
    await eventually('block purged both partitions', async () =>
      (await entriesIn(a.userId, b.userId)).length + (await entriesIn(b.userId, a.userId)).length === 0
        ? true
        : undefined,
    );
  });

  it("everyone's public items, except across a block", async () => {
    const [poster, reader, blocker] = await Promise.all([signUp(endpoints), signUp(endpoints), signUp(endpoints)]);
    await block(endpoints, blocker, poster);
    const id = await readyContent(endpoints, poster, { visibility: 'public' });
    await feedWhere('a public item in a stranger feed', reader, has(id));
    await feedWhere('a public item in the owner feed', poster, has(id));
    expect(await feedOf(blocker)).toEqual(notListing(id));
  });

  it('pages newest first with an opaque cursor, and refuses bad input with a reason', async () => {
    const me = await signUp(endpoints);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await readyContent(endpoints, me, { visibility: 'private' }));
    await feedWhere('five private items in the owner feed', me, (items) =>
      ids.every((id) => items.some((i) => i.contentId === id)),
    );
    // Public items of other tests interleave; the owner's own keep their order.
    const seen: Item[] = [];
    let cursor: string | undefined;
    do {
      const res = await api(endpoints, 'GET', `/feed?limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
        token: me.accessToken,
      });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items);
      cursor = res.body.cursor;
    } while (cursor);
    expect(new Set(seen.map((i) => i.contentId)).size).toBe(seen.length);
    const keys = seen.map((i) => `${i.createdAt}#${i.contentId}`);
    expect(keys).toEqual([...keys].sort().reverse());
    expect(seen.filter((i) => ids.includes(i.contentId)).map((i) => i.contentId)).toEqual([...ids].reverse());

    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'cursor=not-a-cursor', 'other=1']) {
      const res = await api(endpoints, 'GET', `/feed?${query}`, { token: me.accessToken });
      expect(res.status, query).toBe(400);
      expect(res.body.message, query).toBeTruthy();
    }
    // Another user's cursor is refused, not followed.
    const first = await api(endpoints, 'GET', '/feed?limit=1', { token: me.accessToken });
    expect(first.body.cursor).toBeTruthy();
    expect(
      (await api(endpoints, 'GET', `/feed?limit=1&cursor=${first.body.cursor}`, { token: stranger.accessToken }))
        .status,
    ).toBe(400);
    // Hand-made for the caller's own feed: a 400, not a 500.
    for (const before of [5, '', 'x#y']) {
      const handMade = Buffer.from(JSON.stringify({ v: 1, scope: `feed:${me.userId}`, key: { before } })).toString(
        'base64url',
      );
      expect(
        (await api(endpoints, 'GET', `/feed?cursor=${handMade}`, { token: me.accessToken })).status,
        JSON.stringify(before),
      ).toBe(400);
    }
    expect((await api(endpoints, 'GET', '/feed')).status).toBe(401);
  });
});

describe('scrolling past the precomputed window (default cap, 800)', () => {
  it('returns the older items in order, with no gap and no repeat', async () => {
    const [reader, poster] = await Promise.all([signUp(endpoints), signUp(endpoints)]);
    // 900 READY friends-only items of the poster, written straight into the Content table (the
    // pipeline would take minutes for that many); the stream takes them from there.
    const TOTAL = 900;
    const start = Date.parse('2025-06-01T08:00:00.000Z');
    const items = Array.from({ length: TOTAL }, (_, i) => {
      const contentId = randomUUID();
      const at = new Date(start + i * 60_000).toISOString();
      return {
        contentId,
        ownerId: poster.userId,
        status: 'READY',
        visibility: 'friends',
        contentType: 'image/jpeg',
        declaredBytes: 100,
        originalKey: `uploads/${poster.userId}/${contentId}`,
        createdAt: at,
        updatedAt: at,
        version: 1,
        derivatives: {
          thumbnail: {
            key: `derived/${contentId}/thumbnail.webp`,
            contentType: 'image/webp',
            width: 320,
            height: 320,
            bytes: 100,
          },
        },
        galleryOwner: poster.userId,
        galleryFriends: poster.userId,
      };
    });
    for (let i = 0; i < TOTAL; i += 25) {
      const out = await dynamo.send(
        new BatchWriteCommand({
          RequestItems: {
            [endpoints.tables.ContentTable!]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
          },
        }),
      );
      expect(Object.keys(out.UnprocessedItems ?? {})).toEqual([]);
    }
    await befriend(endpoints, reader, poster);

    // The backfill keeps the newest 800 and raises the reader's window floor to the first one left out.
    const window = await eventually(
      "the reader's window floor",
      async () =>
        (
          await dynamo.send(
            new GetCommand({
              TableName: endpoints.tables.FeedTable,
              Key: { feedKey: `user#${reader.userId}`, sortKey: '~window' },
              ConsistentRead: true,
            }),
          )
        ).Item,
      60_000,
      // Still going while the stream is at work: the poster's own entries, then the reader's.
      async () => [
        (await entriesIn(poster.userId, poster.userId)).length,
        (await entriesIn(reader.userId, poster.userId)).length,
      ],
    );
    const expected = items.map((i) => ({ id: i.contentId, key: `${i.createdAt}#${i.contentId}` })).reverse();
    expect(window.floor).toBe(expected[800]!.key);
    const entries = async () => (await entriesIn(reader.userId, poster.userId)).length;
    await eventually(
      '800 entries of the poster in the reader partition',
      async () => ((await entries()) >= 800 ? true : undefined),
      60_000,
      entries,
    );

    const served: Item[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await api(endpoints, 'GET', `/feed?limit=100${cursor ? `&cursor=${cursor}` : ''}`, {
        token: reader.accessToken,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      served.push(...res.body.items);
      cursor = res.body.cursor;
      expect(++pages).toBeLessThan(50);
    } while (cursor);
    const keys = served.map((i) => `${i.createdAt}#${i.contentId}`);
    expect(new Set(keys).size, 'no repeat').toBe(keys.length);
    expect(keys, 'newest first').toEqual([...keys].sort().reverse());
    const fromPoster = served.filter((i) => i.ownerId === poster.userId).map((i) => i.contentId);
    // All 900: the newest 800 from the window, the 100 older ones computed on read.
    expect(fromPoster).toEqual(expected.map((e) => e.id));
  }, 600_000); // a backstop: the waits above fail first when the streams stop moving
});
