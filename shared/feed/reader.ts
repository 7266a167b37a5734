import type { ContentChecks, ContentStore, Visible } from '#shared/content/ports';
import type { FeedStore, RefPage } from '#shared/feed/ports';
import type { FriendshipStore } from '#shared/friends/ports';
import type { ContentItem } from '#shared/content/model';
import { inParallel } from '#shared/core/concurrency';
import { decodeCursor, encodeCursor } from '#shared/core/cursor';
import { feedCursorKeySchema, inFeeds, mergeNewestFirst, sortKeyOf, timeOf, type FeedRef } from '#shared/feed/model';

/** Rounds of fetching per page when many candidates turn out hidden; the page then ends early, with a cursor. */
const MAX_ROUNDS = 6;
/** Friends' galleries read at once when computing a feed on read. */
const COMPUTE_CONCURRENCY = 16;

export interface FeedPage {
  items: Visible[];
  cursor?: string;
}

/**
 * GET /feed: the viewer's feed, newest first, from three sources merged by sort key:
 *  A. the viewer's precomputed partition, above its window floor;
 *  B. the public day partitions;
 *  C. below the floor only: computed on read from the viewer's own and their friends' galleries.
 * A and C split the viewer's non-public items at the floor, so scrolling past the window goes on
 * behind the same cursor (the last sort key served) with no gap and no repeat. Every candidate is
 * then checked against the item and the friendship as they are now (ContentAccess): the index
 * is a cache, not the access rule.
 */
export class FeedReader {
  constructor(
    private readonly feed: FeedStore,
    private readonly content: ContentStore,
    private readonly friendships: FriendshipStore,
    private readonly access: ContentChecks,
  ) {}

  async page(viewerId: string, limit: number, cursor?: string): Promise<FeedPage> {
    const scope = `feed:${viewerId}`;
    let before = decodeCursor(scope, cursor, feedCursorKeySchema)?.before;
    const shown: { sortKey: string; visible: Visible }[] = [];
    let more = true;
    for (let round = 0; round < MAX_ROUNDS && more && shown.length <= limit; round++) {
      // One more than the page tells whether a next page exists; a little more saves rounds when some are hidden.
      const want = Math.max(limit + 1 - shown.length, 10);
      const batch = await this.candidates(viewerId, before, want);
      more = batch.more;
      if (!batch.refs.length) break;
      const visible = new Map(
        (
          await this.access.many(
            viewerId,
            batch.refs.map((r) => r.contentId),
          )
        ).map((v) => [v.item.contentId, v]),
      );
      for (const ref of batch.refs) {
        const v = visible.get(ref.contentId);
        // The owner may see their own PENDING or REJECTED items, but a feed shows what is READY.
        if (v && inFeeds(v.item)) shown.push({ sortKey: ref.sortKey, visible: v });
      }
      before = batch.refs.at(-1)!.sortKey;
    }
    const items = shown.slice(0, limit);
    // A next page exists when more was found than asked, or the sources were not exhausted
    // (then the cursor is where this page stopped looking, which is never past an unseen item).
    const next = shown.length > limit ? items.at(-1)!.sortKey : more && before ? before : undefined;
    return { items: items.map((s) => s.visible), ...(next ? { cursor: encodeCursor(scope, { before: next }) } : {}) };
  }

  /** The newest `n` candidate refs below `before`, merged from A, B and (past the window) C. */
  async candidates(viewerId: string, before: string | undefined, n: number): Promise<RefPage> {
    const [own, pub] = await Promise.all([this.feed.userPage(viewerId, before, n), this.feed.publicPage(before, n)]);
    const sources: RefPage[] = [own, pub];
    // C is needed only once A has nothing left above the floor.
    if (own.floor !== undefined && !own.more) {
      const upper = before !== undefined && before <= own.floor ? before : undefined;
      sources.push(await this.computed(viewerId, n, own.floor, upper));
    }
    const merged = mergeNewestFirst(sources.map((s) => s.refs));
    return { refs: merged.slice(0, n), more: merged.length > n || sources.some((s) => s.more) };
  }

  /**
   * The feed computed on read (no precomputed partition): the viewer's own and friends' galleries
   * plus the public partitions. What GET /feed would cost without the index; used by the benchmark.
   */
  async computedCandidates(viewerId: string, before: string | undefined, n: number): Promise<RefPage> {
    const [mine, pub] = await Promise.all([
      this.computed(viewerId, n, undefined, before),
      this.feed.publicPage(before, n),
    ]);
    const merged = mergeNewestFirst([mine.refs, pub.refs]);
    return { refs: merged.slice(0, n), more: merged.length > n || mine.more || pub.more };
  }

  /**
   * The viewer's non-public feed items at or below `floor` and below `before` (either may be
   * absent), newest `n`, read from the galleries: the viewer's own READY friends-only and private
   * items, and each mutual friend's friends-only items.
   */
  private async computed(
    viewerId: string,
    n: number,
    floor: string | undefined,
    before: string | undefined,
  ): Promise<RefPage> {
    const inRange = (key: string) => (floor === undefined || key <= floor) && (before === undefined || key < before);
    const bound = [floor, before].filter((k): k is string => k !== undefined).sort()[0];
    const friends = await this.friendships.mutualFriends(viewerId);
    const sources: { ownerId: string; index: 'ownerGallery' | 'friendsGallery'; keep: (i: ContentItem) => boolean }[] =
      [
        { ownerId: viewerId, index: 'ownerGallery', keep: (i) => inFeeds(i) && i.visibility !== 'public' },
        ...friends.map((f) => ({
          ownerId: f,
          index: 'friendsGallery' as const,
          keep: (i: ContentItem) => i.visibility === 'friends',
        })),
      ];
    const results: RefPage[] = [];
    await inParallel(sources, COMPUTE_CONCURRENCY, async (s) => {
      results.push(
        await this.newestOf(s.ownerId, s.index, n, bound && timeOf(bound), (i) => s.keep(i) && inRange(sortKeyOf(i))),
      );
    });
    const merged = mergeNewestFirst(results.map((r) => r.refs));
    return { refs: merged.slice(0, n), more: merged.length > n || results.some((r) => r.more) };
  }

  /** Up to `n` items of one gallery that `keep` accepts, newest first, created at or before `createdAtMost`. */
  private async newestOf(
    ownerId: string,
    index: 'ownerGallery' | 'friendsGallery',
    n: number,
    createdAtMost: string | undefined,
    keep: (item: ContentItem) => boolean,
  ): Promise<RefPage> {
    const refs: FeedRef[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.content.galleryPage(index, ownerId, Math.max(n, 25), startKey, createdAtMost);
      for (const item of page.items) {
        if (!keep(item)) continue;
        if (refs.length === n) return { refs, more: true };
        refs.push({ contentId: item.contentId, ownerId: item.ownerId, sortKey: sortKeyOf(item) });
      }
      startKey = page.lastKey;
    } while (startKey);
    return { refs, more: false };
  }
}
