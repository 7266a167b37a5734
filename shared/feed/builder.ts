import type { ContentItem } from '#shared/content/model';
import {
  inFeeds,
  publicBucketOf,
  reconcilePlan,
  sortKeyOf,
  userFeedKey,
  type FeedEntry,
  type FeedEntryKey,
} from '#shared/feed/model';
import { isMutualFriend, standingOf, type FriendshipEdge } from '#shared/friends/model';
import type { ContentStore } from '#shared/content/ports';
import type { FeedStore } from '#shared/feed/ports';
import type { FriendshipStore } from '#shared/friends/ports';

export interface FeedBuilderOptions {
  /** Entries kept per user partition (the precomputed window): the most a backfill writes. */
  cap: number;
  /** Told what the builder did (the handler turns it into metrics). */
  observer?: FeedBuilderObserver;
}

/** What a builder reports as it works. */
export interface FeedBuilderObserver {
  /** Entries put and deleted by one write. */
  wrote(puts: number, deletes: number): void;
  /** A reconciliation starts over because what it read changed while it wrote. */
  retried(): void;
}

/** How many times a reconciliation is redone when what it read changed while it wrote. */
const RECONCILE_ATTEMPTS = 8;

/**
 * Keeps the Feed table true to the Content and Friendships tables.
 *
 * Stream records arrive at least once, possibly more than once, and two streams (and parallel
 * batches) give no order between them. So a record is only a hint of *what* changed: the builder
 * reads the current state (consistently), writes the entries that state calls for with
 * deterministic keys, then reads the state again and starts over if it moved meanwhile. Whatever
 * the order or number of deliveries, the last reconciliation of an item or a pair ends on a state
 * it has seen after its own writes.
 *
 * Keeping partitions at their cap is not done here but by FeedTrimmer, from the Feed table's own
 * stream: the fan-out path only writes entries.
 */
export class FeedBuilder {
  constructor(
    private readonly feed: FeedStore,
    private readonly content: ContentStore,
    private readonly friendships: FriendshipStore,
    private readonly options: FeedBuilderOptions,
  ) {}

  /**
   * A write matters to feeds when the item was or is READY and not deleted and its status,
   * deletion or visibility changed. Caption and location edits need no write: entries are
   * references, and a page is read from the items themselves.
   */
  async onContentChange(before: ContentItem | undefined, after: ContentItem | undefined): Promise<void> {
    const was = before && inFeeds(before) ? before.visibility : undefined;
    const is = after && inFeeds(after) ? after.visibility : undefined;
    if (was === is) return;
    const item = (after ?? before)!;
    await this.reconcileContent({ contentId: item.contentId, ownerId: item.ownerId, createdAt: item.createdAt });
  }

  /** A write matters when the pair was or is mutual friends and that changed. */
  async onFriendshipChange(
    userId: string,
    friendId: string,
    before: FriendshipEdge | undefined,
    after: FriendshipEdge | undefined,
  ): Promise<void> {
    if (isMutualFriend(before) === isMutualFriend(after)) return;
    await this.reconcilePair(userId, friendId);
  }

  /** Makes the item's entries match its current state and its owner's current friends. */
  async reconcileContent(key: { contentId: string; ownerId: string; createdAt: string }): Promise<void> {
    let seen = await this.contentState(key);
    for (let attempt = 1; ; attempt++) {
      const { puts, deletes } = reconcilePlan(key, seen.item, seen.friends);
      if (seen.item?.visibility === 'public' && puts.length)
        await this.feed.markPublicBucket(publicBucketOf(key.createdAt));
      await this.write(puts, deletes);
      const now = await this.contentState(key);
      if (now.signature === seen.signature) return;
      if (attempt >= RECONCILE_ATTEMPTS)
        throw new Error(`Content ${key.contentId} kept changing while its feed entries were written`);
      this.options.observer?.retried();
      seen = now;
    }
  }

  /** Backfills both feeds of a mutual pair, or purges each from the other's feed. */
  async reconcilePair(a: string, b: string): Promise<void> {
    let friends = await this.areFriends(a, b);
    for (let attempt = 1; ; attempt++) {
      if (friends) await Promise.all([this.backfill(a, b), this.backfill(b, a)]);
      else await Promise.all([this.purge(a, b), this.purge(b, a)]);
      const now = await this.areFriends(a, b);
      if (now === friends) return;
      if (attempt >= RECONCILE_ATTEMPTS) throw new Error('A friendship kept changing while feeds were written');
      this.options.observer?.retried();
      friends = now;
    }
  }

  /**
   * A new friend's most recent friends-only items into the viewer's feed: every one above the
   * viewer's window floor, at most `cap`. When the friend has more than that, the floor rises to
   * the first one left out (written before the entries, so the window never has a gap).
   */
  private async backfill(viewerId: string, friendId: string): Promise<void> {
    const picked: ContentItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    let cut: string | undefined;
    // Read only once there is something to backfill: an import befriends many users with no pictures.
    let floor: Promise<string | undefined> | undefined;
    scan: do {
      const page = await this.content.galleryPage('friendsGallery', friendId, 100, startKey);
      for (const item of page.items) {
        if (item.visibility !== 'friends' || !inFeeds(item)) continue;
        floor ??= this.feed.floor(viewerId);
        const below = await floor;
        if (below !== undefined && sortKeyOf(item) <= below) break scan;
        if (picked.length === this.options.cap) {
          cut = sortKeyOf(item);
          break scan;
        }
        picked.push(item);
      }
      startKey = page.lastKey;
    } while (startKey);
    if (cut) await this.feed.raiseFloor(viewerId, cut);
    const entry = (item: ContentItem): FeedEntry => ({
      feedKey: userFeedKey(viewerId),
      contentId: item.contentId,
      ownerId: item.ownerId,
      sortKey: sortKeyOf(item),
    });
    await this.write(picked.map(entry));
    // The gallery index is eventually consistent: an item made private or deleted just before it
    // was read may have been written; the items themselves decide.
    const current = await this.content.getMany(picked.map((i) => i.contentId));
    const stale = picked.filter((i) => {
      const now = current.get(i.contentId);
      return !now || !inFeeds(now) || now.visibility !== 'friends';
    });
    if (stale.length) await this.write([], stale.map(entry));
  }

  /** Removes the other user's items from the viewer's feed. */
  private async purge(viewerId: string, otherId: string): Promise<void> {
    const entries = await this.feed.entriesOf(viewerId, otherId);
    if (entries.length) await this.write([], entries);
  }

  private async write(puts: readonly FeedEntry[], deletes: readonly FeedEntryKey[] = []): Promise<void> {
    await this.feed.write(puts, deletes);
    if (puts.length || deletes.length) this.options.observer?.wrote(puts.length, deletes.length);
  }

  private async contentState(key: { contentId: string; ownerId: string }) {
    const [item, friends] = await Promise.all([
      this.content.get(key.contentId),
      this.friendships.mutualFriends(key.ownerId),
    ]);
    const state = item && inFeeds(item) ? item.visibility : 'none';
    return { item, friends, signature: `${state}|${friends.join(',')}` };
  }

  private async areFriends(a: string, b: string): Promise<boolean> {
    return standingOf(await this.friendships.pair(a, b)).state === 'accepted';
  }
}
