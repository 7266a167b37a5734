// The inbox's rules and use cases on in-memory fakes: what is news to whom, how events share an
// entry, that repeating an event changes nothing, and that an entry shows only what its reader may
// still see.
import type { ContentItem } from '#shared/content/model';
import type { ContentChecks, Visible } from '#shared/content/ports';
import type { Relationship } from '#shared/content/visibility';
import type { FriendshipEdge } from '#shared/friends/model';
import { InboxReader } from '#shared/notifications/inbox';
import {
  contentEvents,
  type EntryGroup,
  entryGroupOf,
  friendshipEvent,
  type InboxEntry,
} from '#shared/notifications/model';
import { Notifier } from '#shared/notifications/notifier';
import type { InboxStore } from '#shared/notifications/ports';

const at = '2026-03-01T10:00:30.000Z';
const item = (over: Partial<ContentItem> = {}): ContentItem =>
  ({
    contentId: '00000000-0000-4000-8000-000000000001',
    ownerId: 'ana',
    status: 'READY',
    visibility: 'friends',
    createdAt: '2026-03-01T10:00:00.000Z',
    updatedAt: at,
    version: 2,
    ...over,
  }) as ContentItem;
const edge = (over: Partial<FriendshipEdge>): FriendshipEdge => ({
  userId: 'ben',
  friendId: 'ana',
  state: 'none',
  blocking: false,
  blockedBy: false,
  updatedAt: at,
  version: 1,
  ...over,
});

describe('contentEvents', () => {
  it('is news to each mutual friend when a friends-only or public picture becomes READY', () => {
    for (const visibility of ['friends', 'public'] as const) {
      const events = contentEvents(item({ status: 'PENDING', visibility }), item({ visibility }), ['ben', 'cy']);
      expect(events).toEqual([
        { recipientId: 'ben', type: 'new-content', actorId: 'ana', at, contentId: item().contentId },
        { recipientId: 'cy', type: 'new-content', actorId: 'ana', at, contentId: item().contentId },
      ]);
    }
  });

  it('is no news when private, already READY, deleted, rejected or a duplicate', () => {
    const friends = ['ben'];
    expect(contentEvents(item({ status: 'PENDING' }), item({ visibility: 'private' }), friends)).toEqual([]);
    expect(contentEvents(item(), item({ caption: 'edited' }), friends)).toEqual([]);
    expect(contentEvents(item({ status: 'PENDING' }), item({ deletedAt: at }), friends)).toEqual([]);
    expect(contentEvents(item({ status: 'PENDING' }), item({ status: 'REJECTED' }), friends)).toEqual([]);
    expect(contentEvents(item({ status: 'PENDING' }), item({ status: 'DUPLICATE' }), friends)).toEqual([]);
    expect(contentEvents(item(), undefined, friends)).toEqual([]);
  });
});

describe('friendshipEvent', () => {
  it('tells the receiver of a request, and the requester when it is accepted', () => {
    expect(friendshipEvent(undefined, edge({ state: 'incoming', requestedAt: at }))).toEqual({
      recipientId: 'ben',
      type: 'friend-request',
      actorId: 'ana',
      at,
    });
    expect(friendshipEvent(edge({ state: 'outgoing' }), edge({ state: 'accepted', since: at }))).toEqual({
      recipientId: 'ben',
      type: 'friend-accepted',
      actorId: 'ana',
      at,
    });
  });

  it('says nothing of the asking side, of an unchanged request, of an unfriend or of a block', () => {
    expect(friendshipEvent(undefined, edge({ state: 'outgoing' }))).toBeUndefined();
    expect(friendshipEvent(edge({ state: 'incoming' }), edge({ state: 'incoming' }))).toBeUndefined();
    expect(friendshipEvent(edge({ state: 'incoming' }), edge({ state: 'accepted' }))).toBeUndefined();
    expect(friendshipEvent(edge({ state: 'accepted' }), edge({ state: 'none' }))).toBeUndefined();
    expect(friendshipEvent(undefined, edge({ state: 'incoming', blockedBy: true }))).toBeUndefined();
  });
});

describe('entryGroupOf', () => {
  it("puts one friend's pictures of one window in one entry, and requests each in their own", () => {
    const picture = { recipientId: 'ben', type: 'new-content' as const, actorId: 'ana', contentId: 'c' };
    const a = entryGroupOf({ ...picture, at: '2026-03-01T10:00:05.000Z' }, 60);
    const b = entryGroupOf({ ...picture, at: '2026-03-01T10:00:59.999Z' }, 60);
    const c = entryGroupOf({ ...picture, at: '2026-03-01T10:01:00.000Z' }, 60);
    expect(a).toEqual({ type: 'new-content', actorId: 'ana', at: '2026-03-01T10:00:00.000Z' });
    expect(b).toEqual(a);
    expect(c.at).toBe('2026-03-01T10:01:00.000Z');
    const request = { recipientId: 'ben', type: 'friend-request' as const, actorId: 'ana', at };
    expect(entryGroupOf(request, 60)).toEqual({ type: 'friend-request', actorId: 'ana', at });
  });
});

/** The Notifications table in memory, with the store's semantics (a set of pictures per entry). */
class MemoryInbox implements InboxStore {
  readonly entries = new Map<string, InboxEntry>();
  seen = new Map<string, string>();
  readonly pushed = new Set<string>();
  async record(recipientId: string, group: EntryGroup, eventKey: string, contentId?: string) {
    const entryId = `${group.at}#${group.type}#${group.actorId}`;
    const key = `${recipientId}|${entryId}`;
    const entry = this.entries.get(key) ?? { userId: recipientId, entryId, ...group, contentIds: [], updatedAt: at };
    if (contentId && !entry.contentIds.includes(contentId)) entry.contentIds = [...entry.contentIds, contentId].sort();
    this.entries.set(key, entry);
    return this.pushed.has(`${key}|${eventKey}`);
  }
  async markPushed(recipientId: string, group: EntryGroup, eventKey: string) {
    this.pushed.add(`${recipientId}|${group.at}#${group.type}#${group.actorId}|${eventKey}`);
  }
  private of(userId: string) {
    return [...this.entries.values()]
      .filter((e) => e.userId === userId)
      .sort((a, b) => (a.entryId < b.entryId ? 1 : -1));
  }
  async page(userId: string, before: string | undefined, limit: number) {
    const rest = this.of(userId).filter((e) => before === undefined || e.entryId < before);
    return { entries: rest.slice(0, limit), more: rest.length > limit };
  }
  async newerThan(userId: string, after: string | undefined, limit: number) {
    return this.of(userId)
      .filter((e) => after === undefined || e.at > after)
      .slice(0, limit);
  }
  async seenUpTo(userId: string) {
    return this.seen.get(userId);
  }
  async markSeen(userId: string, upTo: string) {
    if ((this.seen.get(userId) ?? '') < upTo) this.seen.set(userId, upTo);
  }
}

describe('Notifier', () => {
  it('records a picture once per friend however often its record is delivered, and reads friends only for news', async () => {
    const inbox = new MemoryInbox();
    let reads = 0;
    const mutualFriends = async () => {
      reads++;
      return ['ben', 'cy'];
    };
    const pushed: string[] = [];
    const pusher = {
      onEvent: async (recipientId: string) => {
        pushed.push(recipientId);
        return 'sent' as const;
      },
    };
    const notifier = new Notifier(inbox, { mutualFriends }, 60, pusher);
    const before = item({ status: 'PENDING' });
    await notifier.onContentChange(before, item());
    await notifier.onContentChange(before, item());
    await notifier.onContentChange(item(), item({ caption: 'edited' }));
    expect(reads).toBe(2);
    // A redelivered record is not handed to the push path again.
    expect(pushed.sort()).toEqual(['ben', 'cy']);
    expect([...inbox.entries.values()].map((e) => [e.userId, e.contentIds])).toEqual([
      ['ben', [item().contentId]],
      ['cy', [item().contentId]],
    ]);
    const second = '00000000-0000-4000-8000-000000000002';
    await notifier.onContentChange(item({ status: 'PENDING', contentId: second }), item({ contentId: second }));
    expect(inbox.entries.size).toBe(2);
    expect([...inbox.entries.values()][0]!.contentIds).toHaveLength(2);
  });
});

describe('InboxReader', () => {
  const pictures = ['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b'];
  function reader(visibleIds: string[], relationships: Record<string, Relationship> = {}) {
    const inbox = new MemoryInbox();
    const checks: ContentChecks = {
      many: async (_viewer, ids) =>
        ids.filter((id) => visibleIds.includes(id)).map((id) => ({ item: item({ contentId: id }) }) as Visible),
    };
    const friendships = {
      relationships: async (_viewer: string, others: string[]) =>
        new Map(others.map((o) => [o, relationships[o] ?? ('friend' as Relationship)])),
    };
    return { inbox, reader: new InboxReader(inbox, checks, friendships) };
  }
  const group = (actorId: string, minute: number, type: EntryGroup['type'] = 'new-content'): EntryGroup => ({
    type,
    actorId,
    at: `2026-03-01T10:${String(minute).padStart(2, '0')}:00.000Z`,
  });

  it('counts only the pictures the reader may still see, and drops an entry left with none', async () => {
    const { inbox, reader: r } = reader([pictures[0]!]);
    await inbox.record('ben', group('ana', 1), 'key', pictures[0]);
    await inbox.record('ben', group('ana', 1), 'key', pictures[1]);
    await inbox.record('ben', group('cy', 2), 'key', pictures[1]);
    const page = await r.page('ben', undefined, 10);
    expect(page.items).toEqual([
      expect.objectContaining({
        type: 'new-content',
        actors: ['ana'],
        contentIds: [pictures[0]],
        count: 1,
        seen: false,
      }),
    ]);
    expect(page.unseen).toBe(1);
  });

  it('shows nothing of a user either side blocks, pages with a cursor, and counts unseen entries after the mark', async () => {
    const { inbox, reader: r } = reader(pictures, { dan: 'blocked' });
    await inbox.record('ben', group('dan', 1, 'friend-request'), 'key');
    for (let minute = 2; minute < 7; minute++) await inbox.record('ben', group('ana', minute), 'key', pictures[0]);
    await inbox.markSeen('ben', group('ana', 4).at);
    const first = await r.page('ben', undefined, 3);
    expect(first.items.map((i) => i.at.slice(14, 16))).toEqual(['06', '05', '04']);
    expect(first.items.map((i) => i.seen)).toEqual([false, false, true]);
    expect(first.unseen).toBe(2);
    const second = await r.page('ben', first.cursor, 3);
    expect(second.items.map((i) => i.at.slice(14, 16))).toEqual(['03', '02']);
    expect(second.cursor).toBeUndefined();
    await expect(r.page('ann', first.cursor, 3)).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
  });
});
