import { z } from 'zod';
import { contentIdSchema, type ContentItem } from '#shared/content/model';

// The precomputed feed (index): three kinds of feed, each named by an id the Feed table uses as its
// partition key:
// - `user#{userId}`: entries of the user's own friends-only and private items and of their mutual
//   friends' friends-only items (fan-out on write, capped per user);
// - `public#{YYYY-MM-DD}`: every public item, one feed per UTC day of its creation, merged at
//   read time (no write per user for a public post).
// An entry's sort key is `{createdAt}#{contentId}`: both never change, so a replayed or repeated
// event rewrites the same entry instead of adding one, and every feed sorts the same way.
// The table's own markers (a user's window floor, the list of public days) are the store's layout
// (shared/feed/dynamo-store.ts).

/** A reference to one item in a feed: what the index stores and a page is made of. */
export interface FeedRef {
  contentId: string;
  ownerId: string;
  sortKey: string;
}

export interface FeedEntry extends FeedRef {
  feedKey: string;
}

export type FeedEntryKey = Pick<FeedEntry, 'feedKey' | 'sortKey'>;

const FEED_PAGE_MAX = 100;

/** GET /feed?limit&cursor */
export const feedQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(FEED_PAGE_MAX).default(20),
  cursor: z.string().max(2048).optional(),
});

/** A feed cursor: the sort key (`{createdAt}#{contentId}`) the next page starts below. */
export const feedCursorKeySchema = z.strictObject({
  before: z.string().refine((key) => {
    const at = key.indexOf('#');
    return (
      at > 0 &&
      z.iso.datetime().safeParse(key.slice(0, at)).success &&
      contentIdSchema.safeParse(key.slice(at + 1)).success
    );
  }),
});

export function userFeedKey(userId: string): string {
  return `user#${userId}`;
}

/** The UTC day of an ISO timestamp, the public partition an item's entry goes to. */
export function publicBucketOf(at: string): string {
  return at.slice(0, 10);
}

export function publicFeedKey(bucket: string): string {
  return `public#${bucket}`;
}

export function sortKeyOf(item: Pick<ContentItem, 'createdAt' | 'contentId'>): string {
  return `${item.createdAt}#${item.contentId}`;
}

/** The createdAt part of a sort key. */
export function timeOf(sortKey: string): string {
  return sortKey.slice(0, sortKey.lastIndexOf('#'));
}

/** In a feed: READY and not deleted (the owner's own PENDING or REJECTED items are not news). */
export function inFeeds(item: Pick<ContentItem, 'status'> & { deletedAt?: string }): boolean {
  return item.status === 'READY' && !item.deletedAt;
}

/**
 * The partitions an item's entry belongs in, given its owner's mutual friends: public items in
 * their day's public partition only; friends-only items with the owner and each mutual friend;
 * private items with the owner. An item not in feeds (gone, not READY, deleted) belongs nowhere.
 */
export function entryTargets(item: ContentItem | undefined, friends: readonly string[]): string[] {
  if (!item || !inFeeds(item)) return [];
  switch (item.visibility) {
    case 'public':
      return [publicFeedKey(publicBucketOf(item.createdAt))];
    case 'friends':
      return [userFeedKey(item.ownerId), ...friends.map(userFeedKey)];
    default:
      return [userFeedKey(item.ownerId)];
  }
}

/** Every partition that may hold an entry of the item while `friends` are its owner's friends. */
function possibleTargets(ownerId: string, createdAt: string, friends: readonly string[]): string[] {
  return [userFeedKey(ownerId), publicFeedKey(publicBucketOf(createdAt)), ...friends.map(userFeedKey)];
}

/** What a reconciliation writes: entries for where the item belongs, deletes for where it may be and does not belong. */
export function reconcilePlan(
  key: { contentId: string; ownerId: string; createdAt: string },
  item: ContentItem | undefined,
  friends: readonly string[],
): { puts: FeedEntry[]; deletes: FeedEntry[] } {
  const ref = { contentId: key.contentId, ownerId: key.ownerId, sortKey: sortKeyOf(key) };
  const wanted = new Set(entryTargets(item, friends));
  const puts = [...wanted].map((feedKey) => ({ feedKey, ...ref }));
  const deletes = [...new Set(possibleTargets(key.ownerId, key.createdAt, friends))]
    .filter((k) => !wanted.has(k))
    .map((feedKey) => ({ feedKey, ...ref }));
  return { puts, deletes };
}

/** Newest first, one ref per item (the same item may come from two sources while an entry is stale). */
export function mergeNewestFirst(sources: readonly (readonly FeedRef[])[]): FeedRef[] {
  const seen = new Set<string>();
  const all = sources.flat().sort((a, b) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0));
  return all.filter((ref) => !seen.has(ref.contentId) && seen.add(ref.contentId));
}

/**
 * Whether a new entry calls for a size check of its partition. A check reads the partition's keys,
 * so it runs for about one entry in `every`; the choice is a hash of the entry, so a redelivered
 * record decides the same way. A partition may hold about `every` entries more than the cap
 * between checks; the reader does not depend on the count.
 */
export function shouldTrim(feedKey: string, sortKey: string, every: number): boolean {
  if (every <= 1) return true;
  let h = 2166136261;
  for (const ch of `${feedKey}|${sortKey}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return (h >>> 0) % every === 0;
}

/**
 * Where to cut a partition (sort keys newest first) to keep `cap` entries: the new window floor
 * is the newest entry dropped. Entries newer than the floor are all in the partition; items at or
 * below it are computed on read.
 */
export function trimPlan(
  sortKeysNewestFirst: readonly string[],
  cap: number,
): { floor: string; drop: string[] } | undefined {
  if (sortKeysNewestFirst.length <= cap) return undefined;
  return { floor: sortKeysNewestFirst[cap]!, drop: sortKeysNewestFirst.slice(cap) };
}
