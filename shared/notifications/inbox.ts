// GET /notifications: the reader's inbox, newest first, as they may see it now.
import type { ContentChecks } from '#shared/content/ports';
import { decodeCursor, encodeCursor } from '#shared/core/cursor';
import type { FriendshipStore } from '#shared/friends/ports';
import { type InboxEntry, type NotificationView, notificationView } from '#shared/notifications/model';
import type { InboxStore } from '#shared/notifications/ports';
import { z } from 'zod';

/** The unseen count stops here (a badge shows "99+"). */
const UNSEEN_MAX = 99;
const cursorKeySchema = z.strictObject({ before: z.string().min(1).max(300) });

export interface InboxPage {
  items: NotificationView[];
  cursor?: string;
  unseen: number;
}

export class InboxReader {
  constructor(
    private readonly inbox: InboxStore,
    private readonly checks: ContentChecks,
    private readonly friendships: Pick<FriendshipStore, 'relationships'>,
  ) {}

  /**
   * One page. Every entry is checked as it is served: pictures the reader may no longer see are not
   * counted (an entry left with none is not shown), and nothing of a user either of them blocks is
   * shown. A page may therefore hold fewer entries than `limit` while a cursor is present.
   */
  async page(readerId: string, cursor: string | undefined, limit: number): Promise<InboxPage> {
    const scope = `inbox:${readerId}`;
    const before = decodeCursor(scope, cursor, cursorKeySchema)?.before;
    const [seenUpTo, { entries, more }] = await Promise.all([
      this.inbox.seenUpTo(readerId),
      this.inbox.page(readerId, before, limit),
    ]);
    const [shown, unseen] = await Promise.all([
      this.visible(readerId, entries, seenUpTo),
      this.unseenAfter(readerId, seenUpTo),
    ]);
    const last = entries.at(-1);
    return {
      items: shown,
      ...(more && last ? { cursor: encodeCursor(scope, { before: last.entryId }) } : {}),
      unseen,
    };
  }

  /** The entries newer than the reader's seen mark that they may see (at most 99): the badge. */
  async unseen(readerId: string): Promise<number> {
    return this.unseenAfter(readerId, await this.inbox.seenUpTo(readerId));
  }

  private async unseenAfter(readerId: string, seenUpTo: string | undefined): Promise<number> {
    const entries = await this.inbox.newerThan(readerId, seenUpTo, UNSEEN_MAX);
    return (await this.visible(readerId, entries, seenUpTo)).length;
  }

  private async visible(
    readerId: string,
    entries: readonly InboxEntry[],
    seenUpTo: string | undefined,
  ): Promise<NotificationView[]> {
    if (!entries.length) return [];
    const [visible, relationships] = await Promise.all([
      this.checks.many(readerId, [...new Set(entries.flatMap((e) => e.contentIds))]),
      this.friendships.relationships(readerId, [...new Set(entries.map((e) => e.actorId))]),
    ]);
    const visibleIds = new Set(visible.map((v) => v.item.contentId));
    const views: NotificationView[] = [];
    for (const entry of entries) {
      if (relationships.get(entry.actorId) === 'blocked') continue;
      const ids = entry.contentIds.filter((id) => visibleIds.has(id));
      if (entry.type === 'new-content' && !ids.length) continue;
      views.push(notificationView(entry, ids, seenUpTo));
    }
    return views;
  }
}
