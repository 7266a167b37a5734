// What the feed's use cases (builder, reader, trimmer, rebuild) need of the Feed table, declared
// beside them: the DynamoDB store (shared/feed/dynamo-store.ts) implements these, and so do the
// in-memory stores of the unit tests (tests/support/feed-stores.ts).
import type { FeedEntry, FeedEntryKey, FeedRef } from '#shared/feed/model';

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

/** What trimming a user partition needs of the Feed table. */
export interface FeedTrimStore extends Pick<FeedStore, 'floor' | 'raiseFloor'> {
  /** A partition's sort keys above the floor (all), or at or below a key (the newest `limit`). */
  sortKeys(userId: string, range: { above?: string } | { atOrBelow: string; limit: number }): Promise<string[]>;
  deleteKeys(userId: string, sortKeys: readonly string[]): Promise<void>;
}
