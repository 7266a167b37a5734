// The content API beyond single reads: visibility changes and unfriending applied on the very
// next request, optimistic concurrency under 50 concurrent edits, gallery pagination, bulk
// upload tickets and bulk reads, and the delete cascade.
import { api, postToS3, waitForProcessed, type Session } from '../../scripts/lib/client';
import { makeJpeg } from '../../scripts/lib/images';
import { clients, eventually, listKeys } from '../support/aws';
import { befriend, readyContent, signUp, unfriend } from '../support/social';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
let owner: Session;
let friend: Session;
let stranger: Session;

beforeAll(async () => {
  [owner, friend, stranger] = await Promise.all([signUp(endpoints), signUp(endpoints), signUp(endpoints)]);
  await befriend(endpoints, owner, friend);
});

async function patch(id: string, body: Record<string, unknown>, etag?: string) {
  const ifMatch =
    etag ?? (await api(endpoints, 'GET', `/content/${id}`, { token: owner.accessToken })).headers.get('etag')!;
  return api(endpoints, 'PATCH', `/content/${id}`, {
    token: owner.accessToken,
    headers: { 'if-match': ifMatch },
    body,
  });
}
const sees = async (viewer: Session, id: string) =>
  (await api(endpoints, 'GET', `/content/${id}`, { token: viewer.accessToken })).status === 200;
const inGallery = async (viewer: Session, id: string) =>
  (
    await api(endpoints, 'GET', `/users/${owner.userId}/content?limit=100`, { token: viewer.accessToken })
  ).body.items.some((i: { contentId: string }) => i.contentId === id);

describe('changes apply on the very next request', () => {
  it('friends -> public -> private -> friends, then unfriend', async () => {
    const id = await readyContent(endpoints, owner, { visibility: 'friends' });
    expect([await sees(friend, id), await sees(stranger, id)]).toEqual([true, false]);

    expect((await patch(id, { visibility: 'public' })).status).toBe(200);
    expect([await sees(friend, id), await sees(stranger, id), await inGallery(stranger, id)]).toEqual([
      true,
      true,
      true,
    ]);

    expect((await patch(id, { visibility: 'private' })).status).toBe(200);
    expect([
      await sees(friend, id),
      await sees(stranger, id),
      await inGallery(friend, id),
      await inGallery(stranger, id),
    ]).toEqual([false, false, false, false]);

    expect((await patch(id, { visibility: 'friends' })).status).toBe(200);
    expect([await sees(friend, id), await inGallery(friend, id), await sees(stranger, id)]).toEqual([
      true,
      true,
      false,
    ]);

    await unfriend(endpoints, friend, owner);
    expect([await sees(friend, id), await inGallery(friend, id)]).toEqual([false, false]);
    const bulk = await api(endpoints, 'GET', `/content?ids=${id}`, { token: friend.accessToken });
    expect(bulk.body.items).toEqual([]);
    await befriend(endpoints, owner, friend);
    expect(await sees(friend, id)).toBe(true);
  });
});

describe('PATCH with optimistic concurrency', () => {
  it('lets exactly one of 50 concurrent edits of the same version win; the rest get 412', async () => {
    const id = await readyContent(endpoints, owner, { visibility: 'public', caption: 'before' });
    const current = await api(endpoints, 'GET', `/content/${id}`, { token: owner.accessToken });
    const etag = current.headers.get('etag')!;
    expect(etag).toBe(`"v${current.body.version}"`);

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        patch(id, { caption: `edit ${i}`, visibility: i % 2 ? 'friends' : 'private' }, etag).then((r) => ({ i, r })),
      ),
    );
    const winners = results.filter(({ r }) => r.status === 200);
    const losers = results.filter(({ r }) => r.status === 412);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(49);
    expect(losers[0]!.r.body.message).toMatch(/changed since version/);

    const w = winners[0]!.i;
    const stored = await api(endpoints, 'GET', `/content/${id}`, { token: owner.accessToken });
    expect(stored.body).toMatchObject({
      caption: `edit ${w}`,
      visibility: w % 2 ? 'friends' : 'private',
      version: current.body.version + 1,
    });
    expect(stored.headers.get('etag')).toBe(winners[0]!.r.headers.get('etag'));
  });

  it('answers 428 without If-Match, 412 for a stale one, 400 for a bad body', async () => {
    const id = await readyContent(endpoints, owner);
    const none = await api(endpoints, 'PATCH', `/content/${id}`, { token: owner.accessToken, body: { caption: 'x' } });
    expect(none.status).toBe(428);
    expect(none.body).toMatchObject({ code: 'PRECONDITION_REQUIRED', message: expect.stringMatching(/If-Match/) });
    const stale = await patch(id, { caption: 'x' }, '"v999"');
    expect(stale.status).toBe(412);
    // The answer names the current version, as the ETag to retry with after reading it again.
    expect(stale.body.code).toBe('PRECONDITION_FAILED');
    const current = (await api(endpoints, 'GET', `/content/${id}`, { token: owner.accessToken })).headers.get('etag');
    expect(stale.headers.get('etag')).toBe(current);
    // The header schema is enforced, not only documented: an If-Match past its size cap is a 400.
    const huge = await patch(id, { caption: 'x' }, `"v${'9'.repeat(100)}"`);
    expect(huge.status).toBe(400);
    expect(huge.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'if-match' }] });
    const bad = await patch(id, { visibility: 'everyone', extra: true });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    const empty = await patch(id, {});
    expect(empty.status).toBe(400);
  });

  it('sets and clears caption and location; others see the location, never the EXIF GPS', async () => {
    const id = await readyContent(endpoints, owner, { visibility: 'public', caption: 'c' });
    const set = await patch(id, { location: { name: 'Lisbon', latitude: 38.72, longitude: -9.14 } });
    expect(set.body.location).toEqual({ name: 'Lisbon', latitude: 38.72, longitude: -9.14 });
    const seen = await api(endpoints, 'GET', `/content/${id}`, { token: stranger.accessToken });
    expect(seen.body.location.name).toBe('Lisbon');
    expect(seen.body.metadata.gps).toBeUndefined();
    const cleared = await patch(id, { caption: null, location: null });
    expect(cleared.body.caption).toBeUndefined();
    expect(cleared.body.location).toBeUndefined();
  });
});

describe('gallery', () => {
  it('pages newest first with full pages, no gap and no repeat, for the owner and for a stranger', async () => {
    const user = await signUp(endpoints);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++)
      ids.push(await readyContent(endpoints, user, { visibility: i % 2 ? 'private' : 'public' }));
    const publicIds = ids.filter((_, i) => i % 2 === 0);

    async function all(viewer: Session, limit: number) {
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const res = await api(
          endpoints,
          'GET',
          `/users/${user.userId}/content?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
          { token: viewer.accessToken },
        );
        expect(res.status).toBe(200);
        pages.push(res.body.items.map((i: { contentId: string }) => i.contentId));
        cursor = res.body.cursor;
      } while (cursor);
      return pages;
    }
    expect(await all(user, 3)).toEqual([ids.slice(4).reverse(), ids.slice(1, 4).reverse(), [ids[0]]]);
    // Private pictures in between do not make a stranger's pages short or empty.
    expect(await all(stranger, 2)).toEqual([
      [publicIds[3], publicIds[2]],
      [publicIds[1], publicIds[0]],
    ]);
  });

  it('refuses a bad limit or a cursor from another gallery', async () => {
    expect(
      (await api(endpoints, 'GET', `/users/${owner.userId}/content?limit=101`, { token: owner.accessToken })).status,
    ).toBe(400);
    expect(
      (await api(endpoints, 'GET', `/users/${owner.userId}/content?limit=0`, { token: owner.accessToken })).status,
    ).toBe(400);
    await readyContent(endpoints, owner);
    await readyContent(endpoints, owner);
    const first = await api(endpoints, 'GET', `/users/${owner.userId}/content?limit=1`, { token: owner.accessToken });
    expect(first.body.cursor).toBeDefined();
    const foreign = await api(
      endpoints,
      'GET',
      `/users/${stranger.userId}/content?limit=1&cursor=${first.body.cursor}`,
      { token: stranger.accessToken },
    );
    expect(foreign.status).toBe(400);
    const garbage = await api(endpoints, 'GET', `/users/${owner.userId}/content?cursor=not-a-cursor`, {
      token: owner.accessToken,
    });
    expect(garbage.status).toBe(400);
    // Hand-made for the caller's own gallery: a key the query could not have produced is a 400, not a 500.
    const handMade = (key: unknown) =>
      Buffer.from(JSON.stringify({ v: 1, scope: `ownerGallery:${owner.userId}`, key })).toString('base64url');
    for (const key of [
      {},
      { contentId: 1 },
      { contentId: crypto.randomUUID(), createdAt: new Date().toISOString(), galleryOwner: stranger.userId },
    ]) {
      const res = await api(endpoints, 'GET', `/users/${owner.userId}/content?cursor=${handMade(key)}`, {
        token: owner.accessToken,
      });
      expect(res.status, JSON.stringify(key)).toBe(400);
    }
  });
});

describe('bulk', () => {
  it('issues up to 25 upload tickets at once, and refuses 26', async () => {
    const jpeg = await makeJpeg(64, 48);
    const many = await api(endpoints, 'POST', '/content/batch', {
      token: owner.accessToken,
      body: {
        items: Array.from({ length: 25 }, (_, i) => ({
          contentType: 'image/jpeg',
          size: jpeg.length,
          caption: `batch ${i}`,
        })),
      },
    });
    expect(many.status).toBe(201);
    expect(many.body.items).toHaveLength(25);
    expect(new Set(many.body.items.map((t: { contentId: string }) => t.contentId)).size).toBe(25);
    await postToS3(many.body.items[24], jpeg, 'image/jpeg');
    const done = await waitForProcessed(endpoints, owner.accessToken, many.body.items[24].contentId);
    expect(done.body).toMatchObject({ status: 'READY', caption: 'batch 24' });

    const tooMany = await api(endpoints, 'POST', '/content/batch', {
      token: owner.accessToken,
      body: { items: Array.from({ length: 26 }, () => ({ contentType: 'image/jpeg', size: 10 })) },
    });
    expect(tooMany.status).toBe(400);
    const oneBad = await api(endpoints, 'POST', '/content/batch', {
      token: owner.accessToken,
      body: {
        items: [
          { contentType: 'image/jpeg', size: 10 },
          { contentType: 'text/plain', size: 10 },
        ],
      },
    });
    expect(oneBad.status).toBe(400);
    expect(oneBad.body.details[0].path).toBe('items.1.contentType');
  });

  it('reads up to 100 ids at once: visible ones in the order asked, the rest absent; 101 is refused', async () => {
    const mine = await readyContent(endpoints, owner, { visibility: 'friends' });
    const theirs = await readyContent(endpoints, stranger, { visibility: 'private' });
    const pub = await readyContent(endpoints, stranger, { visibility: 'public' });
    const missing = crypto.randomUUID();
    const res = await api(endpoints, 'GET', `/content?ids=${pub},${theirs},${missing},${mine},${pub}`, {
      token: friend.accessToken,
    });
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: { contentId: string }) => i.contentId)).toEqual([pub, mine]);
    const ids = Array.from({ length: 101 }, () => crypto.randomUUID()).join(',');
    expect((await api(endpoints, 'GET', `/content?ids=${ids}`, { token: friend.accessToken })).status).toBe(400);
    const hundred = Array.from({ length: 99 }, (): string => crypto.randomUUID())
      .concat(mine)
      .join(',');
    const big = await api(endpoints, 'GET', `/content?ids=${hundred}`, { token: owner.accessToken });
    expect(big.body.items.map((i: { contentId: string }) => i.contentId)).toEqual([mine]);
    expect((await api(endpoints, 'GET', '/content?ids=not-a-uuid', { token: owner.accessToken })).status).toBe(400);
  });
});

describe('delete cascade', () => {
  it('removes the files, then the item itself', async () => {
    const id = await readyContent(endpoints, owner);
    const { s3 } = clients(endpoints);
    expect(await listKeys(s3, endpoints.bucket, `derived/${id}/`)).toHaveLength(2);
    expect((await api(endpoints, 'DELETE', `/content/${id}`, { token: owner.accessToken })).status).toBe(204);
    expect((await api(endpoints, 'GET', `/content/${id}`, { token: owner.accessToken })).status).toBe(404);
    const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const { dynamo } = clients(endpoints);
    await eventually('files and item to be gone', async () => {
      const files = [
        ...(await listKeys(s3, endpoints.bucket, `derived/${id}/`)),
        ...(await listKeys(s3, endpoints.bucket, `uploads/${owner.userId}/${id}`)),
      ];
      const item = (
        await dynamo.send(
          new GetCommand({ TableName: endpoints.tables.ContentTable, Key: { contentId: id }, ConsistentRead: true }),
        )
      ).Item;
      return files.length === 0 && !item ? true : undefined;
    });
  });
});
