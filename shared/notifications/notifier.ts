// The notifier's inbox part: stream changes in, inbox entries out (shared/notifications/model.ts
// decides what is news to whom).
import type { ContentItem } from '#shared/content/model';
import type { FriendshipEdge } from '#shared/friends/model';
import type { FriendshipStore } from '#shared/friends/ports';
import { becameNews, contentEvents, entryGroupOf, friendshipEvent, type InboxEvent } from '#shared/notifications/model';
import type { InboxStore } from '#shared/notifications/ports';

export class Notifier {
  constructor(
    private readonly inbox: InboxStore,
    private readonly friendships: Pick<FriendshipStore, 'mutualFriends'>,
    /** The length of the window a friend's pictures share an entry in (the push window). */
    private readonly windowSeconds: number,
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

  private async recordAll(events: readonly InboxEvent[]): Promise<void> {
    for (const event of events)
      await this.inbox.record(event.recipientId, entryGroupOf(event, this.windowSeconds), event.contentId);
  }
}
