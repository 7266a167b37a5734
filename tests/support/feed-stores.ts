// In-memory stores behind the feed's ports (shared/feed/ports.ts), for fast unit tests of the
// builder and the reader. They keep what the DynamoDB stores keep, by the same rules (the gallery
// indexes by galleryKeys, the window floor, public day partitions), without DynamoDB's paging.
import { relationshipOf } from '#shared/friends/dynamo-store';
import type { ContentItem, Visibility } from '#shared/content/model';
import { publicFeedKey, userFeedKey, type FeedEntry, type FeedEntryKey, type FeedRef } from '#shared/feed/model';
import type { EdgePair, FriendshipEdge } from '#shared/friends/model';
import { GALLERY_INDEX_ATTRIBUTE, galleryKeys } from '#shared/content/dynamo-layout';
import type { GalleryIndex, Relationship } from '#shared/content/visibility';
import type { ContentStore, GalleryPage } from '#shared/content/ports';
import type { FeedStore, RefPage } from '#shared/feed/ports';
import type { FriendshipStore } from '#shared/friends/ports';

const newestFirst = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);

export class InMemoryContent implements ContentStore {
  readonly items = new Map<string, ContentItem>();
  private clock = Date.parse('2026-01-01T00:00:00Z');

  /** A READY item, created a minute after the previous one unless `createdAt` is given. */
  add(ownerId: string, visibility: Visibility, extra: Partial<ContentItem> = {}): ContentItem {
    this.clock += 60_000;
    const createdAt = new Date(this.clock).toISOString();
    const contentId = extra.contentId ?? `00000000-0000-4000-8000-${String(this.items.size + 1).padStart(12, '0')}`;
    const item: ContentItem = {
      contentId,
      ownerId,
      status: 'READY',
      visibility,
      contentType: 'image/jpeg',
      declaredBytes: 1000,
      originalKey: `uploads/${ownerId}/${contentId}`,
      createdAt,
      updatedAt: createdAt,
      version: 1,
      ...extra,
    };
    this.items.set(contentId, item);
    return item;
  }

  update(contentId: string, change: Partial<ContentItem>): { before: ContentItem; after: ContentItem } {
    const before = this.items.get(contentId)!;
    const after = { ...before, ...change, version: before.version + 1 };
    this.items.set(contentId, after);
    return { before, after };
  }

  async get(contentId: string) {
    const item = this.items.get(contentId);
    return item && structuredClone(item);
  }

  async getMany(contentIds: string[]) {
    const out = new Map<string, ContentItem>();
    for (const id of contentIds) {
      const item = this.items.get(id);
      if (item) out.set(id, structuredClone(item));
    }
    return out;
  }

  async galleryPage(
    index: GalleryIndex,
    ownerId: string,
    limit: number,
    startKey?: Record<string, unknown>,
    createdAtMost?: string,
  ): Promise<GalleryPage> {
    const attribute = GALLERY_INDEX_ATTRIBUTE[index];
    const position = (i: Pick<ContentItem, 'createdAt' | 'contentId'>) => `${i.createdAt}#${i.contentId}`;
    const start = startKey && position(startKey as Pick<ContentItem, 'createdAt' | 'contentId'>);
    const listed = [...this.items.values()]
      .filter((i) => galleryKeys(i).set[attribute] === ownerId)
      .filter((i) => createdAtMost === undefined || i.createdAt <= createdAtMost)
      .filter((i) => start === undefined || position(i) < start)
      .sort((a, b) => newestFirst(position(a), position(b)));
    const items = listed.slice(0, limit).map((i) => structuredClone(i));
    const last = items.at(-1);
    return {
      items,
      ...(listed.length > limit && last ? { lastKey: { contentId: last.contentId, createdAt: last.createdAt } } : {}),
    };
  }
}

export class InMemoryFriendships implements FriendshipStore {
  private readonly edges = new Map<string, FriendshipEdge>();

  private set(userId: string, friendId: string, change: Partial<FriendshipEdge>): FriendshipEdge {
    const key = `${userId}|${friendId}`;
    const before = this.edges.get(key) ?? {
      userId,
      friendId,
      state: 'none',
      blocking: false,
      blockedBy: false,
      updatedAt: '',
      version: 0,
    };
    const after = { ...before, ...change, version: before.version + 1 } as FriendshipEdge;
    this.edges.set(key, after);
    return after;
  }

  /** Makes a and b mutual friends; returns the edges before and after, as the stream would carry them. */
  befriend(a: string, b: string) {
    const before = this.pairNow(a, b);
    this.set(a, b, { state: 'accepted', since: '2026-01-01T00:00:00.000Z' });
    this.set(b, a, { state: 'accepted', since: '2026-01-01T00:00:00.000Z' });
    return { before, after: this.pairNow(a, b) };
  }

  unfriend(a: string, b: string) {
    const before = this.pairNow(a, b);
    this.set(a, b, { state: 'none', since: undefined });
    this.set(b, a, { state: 'none', since: undefined });
    return { before, after: this.pairNow(a, b) };
  }

  private pairNow(a: string, b: string): EdgePair {
    return [this.edges.get(`${a}|${b}`), this.edges.get(`${b}|${a}`)];
  }

  async mutualFriends(userId: string) {
    return [...this.edges.values()]
      .filter((e) => e.userId === userId && e.state === 'accepted' && !e.blocking && !e.blockedBy)
      .map((e) => e.friendId)
      .sort();
  }

  async pair(a: string, b: string) {
    return this.pairNow(a, b);
  }

  async relationship(viewerId: string, otherId: string): Promise<Relationship> {
    return relationshipOf(viewerId, otherId, this.edges.get(`${viewerId}|${otherId}`));
  }

  async relationships(viewerId: string, others: string[]) {
    return new Map(others.map((o) => [o, relationshipOf(viewerId, o, this.edges.get(`${viewerId}|${o}`))] as const));
  }
}

export class InMemoryFeed implements FeedStore {
  readonly partitions = new Map<string, Map<string, FeedEntry>>();
  readonly floors = new Map<string, string>();
  readonly publicBuckets = new Set<string>();

  async write(puts: readonly FeedEntry[], deletes: readonly FeedEntryKey[] = []) {
    for (const e of puts) {
      if (!this.partitions.has(e.feedKey)) this.partitions.set(e.feedKey, new Map());
      this.partitions.get(e.feedKey)!.set(e.sortKey, { ...e });
    }
    for (const d of deletes) this.partitions.get(d.feedKey)?.delete(d.sortKey);
  }

  async markPublicBucket(bucket: string) {
    this.publicBuckets.add(bucket);
  }

  async floor(userId: string) {
    return this.floors.get(userId);
  }

  async raiseFloor(userId: string, floor: string) {
    const now = this.floors.get(userId);
    if (now === undefined || now < floor) this.floors.set(userId, floor);
  }

  /** Sort keys of a partition, newest first. */
  keysOf(feedKey: string): string[] {
    return [...(this.partitions.get(feedKey)?.keys() ?? [])].sort(newestFirst);
  }

  /** The content ids of a user's partition, newest first. */
  contentIdsOf(userId: string): string[] {
    const partition = this.partitions.get(userFeedKey(userId));
    return this.keysOf(userFeedKey(userId)).map((k) => partition!.get(k)!.contentId);
  }

  async entriesOf(userId: string, ownerId?: string) {
    return [...(this.partitions.get(userFeedKey(userId))?.values() ?? [])].filter(
      (e) => ownerId === undefined || e.ownerId === ownerId,
    );
  }

  async userPage(userId: string, before: string | undefined, limit: number): Promise<RefPage & { floor?: string }> {
    const floor = this.floors.get(userId);
    const refs = this.refs([userFeedKey(userId)], before).filter((r) => floor === undefined || r.sortKey > floor);
    return { refs: refs.slice(0, limit), more: refs.length > limit, ...(floor === undefined ? {} : { floor }) };
  }

  async publicPage(before: string | undefined, limit: number): Promise<RefPage> {
    const refs = this.refs([...this.publicBuckets].map(publicFeedKey), before);
    return { refs: refs.slice(0, limit), more: refs.length > limit };
  }

  private refs(feedKeys: string[], before: string | undefined): FeedRef[] {
    return feedKeys
      .flatMap((k) => [...(this.partitions.get(k)?.values() ?? [])])
      .filter((e) => before === undefined || e.sortKey < before)
      .sort((a, b) => newestFirst(a.sortKey, b.sortKey))
      .map(({ contentId, ownerId, sortKey }) => ({ contentId, ownerId, sortKey }));
  }
}
