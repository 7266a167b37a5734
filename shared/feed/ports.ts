// What the feed's use cases (builder, reader, trimmer) and content access need of the stores,
// declared beside them:
// the DynamoDB stores of shared/adapters implement these, and so do the in-memory stores of the
// unit tests (tests/support/feed-stores.ts).
import type { ContentItem } from '#shared/domain/content';
import type { FeedEntry, FeedEntryKey, FeedRef } from '#shared/domain/feed';
import type { EdgePair } from '#shared/domain/friendship';
import type { GalleryIndex, Relationship } from '#shared/domain/visibility';

/** A source's newest refs below a position, and whether it holds more below the last one. */
export interface RefPage {
  refs: FeedRef[];
  more: boolean;
}

/** The Feed table: users' precomputed partitions, their window floors, the public day partitions. */
export interface FeedStore {
  /** Puts and deletes entries; repeating a write is harmless. */
  write(puts: readonly FeedEntry[], deletes?: readonly FeedEntryKey[]): Promise<void>;
  /** Records that a public day partition has entries (so readers know which days to look in). */
  markPublicBucket(bucket: string): Promise<void>;
  /** The user's window floor: entries above it are complete; at or below it, feeds are computed on read. */
  floor(userId: string): Promise<string | undefined>;
  /** Raises the floor, never lowers it. */
  raiseFloor(userId: string, floor: string): Promise<void>;
  /** The entries of a user's partition (of one owner's items only, with `ownerId`). */
  entriesOf(userId: string, ownerId?: string): Promise<FeedEntry[]>;
  /** The newest entries of a user's partition below `before`, above the floor, and the floor. */
  userPage(userId: string, before: string | undefined, limit: number): Promise<RefPage & { floor?: string }>;
  /** The newest public entries below `before`, across days. */
  publicPage(before: string | undefined, limit: number): Promise<RefPage>;
}

export interface GalleryPage {
  items: ContentItem[];
  /** Where the next page starts; absent on the last page. */
  lastKey?: Record<string, unknown>;
}

/** The Content table, as the feed reads it. */
export interface ContentStore {
  get(contentId: string): Promise<ContentItem | undefined>;
  getMany(contentIds: string[]): Promise<Map<string, ContentItem>>;
  /** One page of a gallery, newest first, of items created at or before `createdAtMost`. */
  galleryPage(
    index: GalleryIndex,
    ownerId: string,
    limit: number,
    startKey?: Record<string, unknown>,
    createdAtMost?: string,
  ): Promise<GalleryPage>;
}

/** The Friendships table, as the feed and content access read it. */
export interface FriendshipStore {
  /** The user's mutual friends (ids, sorted). */
  mutualFriends(userId: string): Promise<string[]>;
  /** Both edges of a pair, [a -> b, b -> a]. */
  pair(a: string, b: string): Promise<EdgePair>;
  relationship(viewerId: string, otherId: string): Promise<Relationship>;
  relationships(viewerId: string, others: string[]): Promise<Map<string, Relationship>>;
}

/** An item the viewer may see, and how the viewer stands to its owner. */
export interface Visible {
  item: ContentItem;
  relationship: Relationship;
}

/** The access check every read goes through (ContentAccess, shared/adapters/content-access.ts). */
export interface ContentChecks {
  /** The visible ones among `contentIds`, in the order asked. */
  many(viewerId: string, contentIds: string[]): Promise<Visible[]>;
}

/** What trimming a user partition needs of the Feed table. */
export interface FeedTrimStore extends Pick<FeedStore, 'floor' | 'raiseFloor'> {
  /** A partition's sort keys above the floor (all), or at or below a key (the newest `limit`). */
  sortKeys(userId: string, range: { above?: string } | { atOrBelow: string; limit: number }): Promise<string[]>;
  deleteKeys(userId: string, sortKeys: readonly string[]): Promise<void>;
}
