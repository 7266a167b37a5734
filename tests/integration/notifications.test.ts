// The inbox on the local stack: the notifier (Content and Friendships streams) writes entries for a
// friend request, its acceptance and a friend's new pictures; GET /notifications serves them checked
// against what the reader may see now; POST /notifications/seen moves the badge's mark.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { api, type Session } from '../../scripts/lib/client';
import { clients, eventually } from '../support/aws';
import { stackEndpoints } from '../support/endpoints';
import { block, readyContent, request, signUp, unfriend } from '../support/social';

const endpoints = stackEndpoints();
const { dynamo } = clients(endpoints);

type Entry = {
  id: string;
  type: string;
  actors: string[];
  contentIds: string[];
  count: number;
  at: string;
  seen: boolean;
};
type Page = { items: Entry[]; cursor?: string; unseen: number };

async function inbox(reader: Session, query = ''): Promise<Page> {
  const res = await api(endpoints, 'GET', `/notifications${query}`, { token: reader.accessToken });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const inboxWhere = (what: string, reader: Session, check: (page: Page) => boolean) =>
  eventually(what, async () => {
    const page = await inbox(reader);
    return check(page) ? page : undefined;
  });

/** The stored entries of a user (what the table keeps, whatever the API shows). */
async function storedEntries(userId: string): Promise<Array<Record<string, unknown>>> {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: endpoints.tables.NotificationsTable,
      KeyConditionExpression: 'userId = :u AND sortKey < :m',
      ExpressionAttributeValues: { ':u': userId, ':m': '~' },
    }),
  );
  return out.Items ?? [];
}

let ana: Session;
let ben: Session;
beforeAll(async () => {
  ana = await signUp(endpoints, `inbox-ana-${Date.now()}@example.com`, 'inbox-pass-42');
  ben = await signUp(endpoints, `inbox-ben-${Date.now()}@example.com`, 'inbox-pass-42');
});

it('tells the receiver of a friend request and the requester of its acceptance', async () => {
  await request(endpoints, ana, ben);
  const bens = await inboxWhere("the request in ben's inbox", ben, (p) =>
    p.items.some((e) => e.type === 'friend-request'),
  );
  expect(bens.items).toEqual([
    expect.objectContaining({ type: 'friend-request', actors: [ana.userId], count: 1, seen: false }),
  ]);
  expect(bens.unseen).toBe(1);

  await request(endpoints, ben, ana); // accepts
  const anas = await inboxWhere("the acceptance in ana's inbox", ana, (p) =>
    p.items.some((e) => e.type === 'friend-accepted'),
  );
  expect(anas.items).toEqual([expect.objectContaining({ type: 'friend-accepted', actors: [ben.userId] })]);
});

it("gathers a friend's new pictures in one entry with a count, once however the records are delivered", async () => {
  const first = await readyContent(endpoints, ana, { visibility: 'friends' });
  const second = await readyContent(endpoints, ana, { visibility: 'public' });
  const own = await readyContent(endpoints, ana, { visibility: 'private' });
  const page = await inboxWhere("both pictures in ben's inbox", ben, (p) =>
    [first, second].every((id) => p.items.some((e) => e.contentIds.includes(id))),
  );
  const pictures = page.items.filter((e) => e.type === 'new-content');
  expect(pictures.flatMap((e) => e.contentIds).sort()).toEqual([first, second].sort());
  expect(pictures.every((e) => e.actors[0] === ana.userId && e.count === e.contentIds.length)).toBe(true);
  expect(page.items.flatMap((e) => e.contentIds)).not.toContain(own);
  // Nothing for the owner herself.
  expect((await inbox(ana)).items.filter((e) => e.type === 'new-content')).toEqual([]);
  // Stored with expiry, 30 days after the entry's time.
  for (const entry of await storedEntries(ben.userId))
    expect(entry.expiresAt).toBe(Math.floor(Date.parse(entry.at as string) / 1000) + 30 * 24 * 3600);
});

it('stops counting a picture the reader may no longer see, and hides an entry left with none', async () => {
  const hidden = await readyContent(endpoints, ana, { visibility: 'friends' });
  const page = await inboxWhere("the picture in ben's inbox", ben, (p) =>
    p.items.some((e) => e.contentIds.includes(hidden)),
  );
  const entry = page.items.find((e) => e.contentIds.includes(hidden))!;

  const item = await api(endpoints, 'GET', `/content/${hidden}`, { token: ana.accessToken });
  const patched = await api(endpoints, 'PATCH', `/content/${hidden}`, {
    token: ana.accessToken,
    headers: { 'if-match': item.headers.get('etag')! },
    body: { visibility: 'private' },
  });
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  const after = (await inbox(ben)).items.find((e) => e.id === entry.id);
  // The entry may also hold the pictures of the previous test (same friend, same window).
  if (entry.count === 1) expect(after).toBeUndefined();
  else
    expect(after).toMatchObject({ count: entry.count - 1, contentIds: entry.contentIds.filter((id) => id !== hidden) });
  expect((await inbox(ben)).items.flatMap((e) => e.contentIds)).not.toContain(hidden);
});

it('shows nothing of a friend after an unfriend or a block, and marks the inbox seen up to a time', async () => {
  const cy = await signUp(endpoints, `inbox-cy-${Date.now()}@example.com`, 'inbox-pass-42');
  await request(endpoints, cy, ben);
  await request(endpoints, ben, cy);
  const picture = await readyContent(endpoints, cy, { visibility: 'friends' });
  const page = await inboxWhere("cy's picture in ben's inbox", ben, (p) =>
    p.items.some((e) => e.contentIds.includes(picture)),
  );
  expect(page.unseen).toBeGreaterThan(0);

  const seen = await api(endpoints, 'POST', '/notifications/seen', {
    token: ben.accessToken,
    body: { upTo: page.items[0]!.at },
  });
  expect(seen.status).toBe(204);
  const marked = await inbox(ben);
  expect(marked.unseen).toBe(0);
  expect(marked.items.every((e) => e.seen)).toBe(true);
  // The mark never moves back.
  await api(endpoints, 'POST', '/notifications/seen', {
    token: ben.accessToken,
    body: { upTo: '2020-01-01T00:00:00.000Z' },
  });
  expect((await inbox(ben)).unseen).toBe(0);

  await unfriend(endpoints, ben, cy);
  expect((await inbox(ben)).items.flatMap((e) => e.contentIds)).not.toContain(picture);
  await block(endpoints, ben, cy);
  expect((await inbox(ben)).items.flatMap((e) => e.actors)).not.toContain(cy.userId);
});

it('refuses a bad cursor, limit or mark with a 400 that says why', async () => {
  for (const query of ['?limit=0', '?limit=51', '?cursor=nope', '?other=1']) {
    const res = await api(endpoints, 'GET', `/notifications${query}`, { token: ben.accessToken });
    expect(res.status, query).toBe(400);
  }
  for (const body of [{}, { upTo: 'yesterday' }, { upTo: '2026-01-01T00:00:00.000Z', more: 1 }]) {
    const res = await api(endpoints, 'POST', '/notifications/seen', { token: ben.accessToken, body });
    expect(res.status, JSON.stringify(body)).toBe(400);
  }
});
