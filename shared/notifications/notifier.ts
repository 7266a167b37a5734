// The notifier: stream changes in, inbox entries and pushes out (shared/notifications/model.ts
// decides what is news to whom, shared/notifications/pusher.ts when and what to push).
import type { ContentItem } from '#shared/content/model';
import type { FriendshipEdge } from '#shared/friends/model';
import { inParallel } from '#shared/core/concurrency';
import type { FriendshipStore } from '#shared/friends/ports';
import { becameNews, contentEvents, entryGroupOf, friendshipEvent, type InboxEvent } from '#shared/notifications/model';
import type { InboxStore } from '#shared/notifications/ports';
import { eventKey } from '#shared/notifications/push';
import type { Pusher } from '#shared/notifications/pusher';

/** Recipients handled at once for one change (a picture goes to every friend). */
const FAN_OUT_CONCURRENCY = 8;

export class Notifier {
  constructor(
    private readonly inbox: InboxStore,
    private readonly friendships: Pick<FriendshipStore, 'mutualFriends'>,
    /** The length of the window a friend's pictures share an entry in (the push window). */
    private readonly windowSeconds: number,
    private readonly pusher: Pick<Pusher, 'onEvent'>,
  ) {}

  /** A picture that has just become READY (not private) goes to the inbox of each of its owner's mutual friends. */
  async onContentChange(before: ContentItem | undefined, after: ContentItem | undefined): Promise<InboxEvent[]> {
    if (!becameNews(before, after)) return [];
    const events = contentEvents(before, after, await this.friendships.mutualFriends(after!.ownerId));
    await this.recordAll(events);
    return events;
  }

  /** A friend request received, or one accepted, goes to the inbox of the user it concerns. */
  async onEdgeChange(before: FriendshipEdge | undefined, after: FriendshipEdge | undefined): Promise<InboxEvent[]> {
    const event = friendshipEvent(before, after);
    if (!event) return [];
    await this.recordAll([event]);
    return [event];
  }

  /**
   * Each event goes to its inbox entry, then to the push path, then is marked taken on the entry: a
   * redelivered or replayed record finds the mark and pushes nothing; one retried before the mark
   * meets the push path's own claims.
   */
  private async recordAll(events: readonly InboxEvent[]): Promise<void> {
    await inParallel(events, FAN_OUT_CONCURRENCY, async (event) => {
      const group = entryGroupOf(event, this.windowSeconds);
      const key = eventKey(event);
      if (await this.inbox.record(event.recipientId, group, key, event.contentId)) return;
      await this.pusher.onEvent(event.recipientId, event);
      await this.inbox.markPushed(event.recipientId, group, key);
    });
  }
}
