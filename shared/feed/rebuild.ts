import { inParallel } from '#shared/core/concurrency';
import type { FeedBuilder } from '#shared/feed/builder';

export interface ContentKey {
  contentId: string;
  ownerId: string;
  createdAt: string;
}

export interface RebuildProgress {
  done: boolean;
  /** Items reconciled so far. */
  items: number;
  elapsedMs: number;
}

export interface RebuildOptions {
  /** Reconciliations in flight at once. */
  parallel?: number;
  onProgress?: (progress: RebuildProgress) => void;
  /** How often onProgress is called while working (it is always called at the end). */
  progressEveryMs?: number;
}

/**
 * Rebuilds the Feed table from the Content and Friendships tables: every item is reconciled
 * exactly as the stream consumer does it (FeedBuilder.reconcileContent: its entries for its owner,
 * its owner's mutual friends as they are now, or its public day), so a rebuild writes what the
 * builder would have written, and running it again (or beside the live builder) changes nothing.
 * Pairs need no pass of their own: a friends-only item reaches every current mutual friend through
 * its own reconciliation. For data written before the feed existed, or a Feed table that was lost.
 * Keeping partitions at their cap stays with the trimmer, on the Feed table's stream.
 * Not done: finding entries that point to ex-friends' items in a damaged table (only a removed
 * friendship knows them); readers skip those, every page being checked against the friendship.
 */
export async function rebuildFeeds(
  builder: FeedBuilder,
  contentKeys: AsyncIterable<ContentKey[]>,
  options: RebuildOptions = {},
): Promise<RebuildProgress> {
  const { parallel = 8, onProgress, progressEveryMs = 5_000 } = options;
  const started = Date.now();
  let items = 0;
  let reportedAt = started;
  for await (const page of contentKeys) {
    await inParallel(page, parallel, async (key) => {
      await builder.reconcileContent(key);
      items++;
      if (onProgress && Date.now() - reportedAt >= progressEveryMs) {
        reportedAt = Date.now();
        onProgress({ done: false, items, elapsedMs: reportedAt - started });
      }
    });
  }
  const result = { done: true, items, elapsedMs: Date.now() - started };
  onProgress?.(result);
  return result;
}
