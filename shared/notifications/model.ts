// The inbox: what happened that concerns a user (a friend's new picture, a friend request received,
// a request accepted), as entries the app lists newest first. The notifier derives one event per
// recipient from the Content and Friendships streams; events of one type by one actor within one
// window share an entry (a burst of uploads is one line with a count). What an entry shows is
// checked again when it is served: a picture the reader may no longer see is not counted, and an
// entry left with nothing is not shown.
import { z } from 'zod';
import type { ContentItem } from '#shared/content/model';
import type { FriendshipEdge } from '#shared/friends/model';

const NOTIFICATION_TYPES = ['new-content', 'friend-request', 'friend-accepted'] as const;
type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** Entries expire this long after their time (the table's TTL). */
const INBOX_RETENTION_DAYS = 30;

/** One thing that concerns one user. */
export interface InboxEvent {
  recipientId: string;
  type: NotificationType;
  actorId: string;
  /** When it happened (ISO 8601). */
  at: string;
  /** The picture, for new-content. */
  contentId?: string;
}

/** The entry an event belongs to: its type, its actor and the start of its window. */
export interface EntryGroup {
  type: NotificationType;
  actorId: string;
  /** The entry's time: the start of the event's window (new-content), else the event's time. */
  at: string;
}

/** An inbox entry as stored. */
export interface InboxEntry extends EntryGroup {
  userId: string;
  /** The entry's id in the API (opaque to clients). */
  entryId: string;
  contentIds: string[];
  updatedAt: string;
}

/**
 * Which entry an event joins. A friend's new pictures within one window (aligned to the window's
 * length, e.g. whole minutes for 60 s) share one entry; each friend request or acceptance is its own.
 */
export function entryGroupOf(event: InboxEvent, windowSeconds: number): EntryGroup {
  if (event.type !== 'new-content') return { type: event.type, actorId: event.actorId, at: event.at };
  const ms = windowSeconds * 1000;
  const start = new Date(Math.floor(Date.parse(event.at) / ms) * ms).toISOString();
  return { type: event.type, actorId: event.actorId, at: start };
}

/** Whether a content change is a picture that has just become READY and is shared with anyone. */
export function becameNews(before: ContentItem | undefined, after: ContentItem | undefined): boolean {
  if (after?.status !== 'READY' || before?.status === 'READY') return false;
  return !after.deletedAt && after.visibility !== 'private';
}

/**
 * The events of a content change: a picture that has just become READY, shared with friends or the
 * public, is news to each of its owner's mutual friends. Anything else (an edit, a delete, a
 * private picture, a redelivered record of an item READY before) is not. The time is when it
 * became READY, so a redelivered record joins the same entry.
 */
export function contentEvents(
  before: ContentItem | undefined,
  after: ContentItem | undefined,
  friends: readonly string[],
): InboxEvent[] {
  if (!after || !becameNews(before, after)) return [];
  return friends
    .filter((f) => f !== after.ownerId)
    .map((recipientId) => ({
      recipientId,
      type: 'new-content',
      actorId: after.ownerId,
      at: after.updatedAt,
      contentId: after.contentId,
    }));
}

/**
 * The event of one edge's change (each edge is one user's side): the edge turning `incoming` means
 * its user received a request; `outgoing` turning `accepted` means their request was accepted.
 */
export function friendshipEvent(
  before: FriendshipEdge | undefined,
  after: FriendshipEdge | undefined,
): InboxEvent | undefined {
  if (!after || after.blocking || after.blockedBy) return undefined;
  if (after.state === 'incoming' && before?.state !== 'incoming')
    return {
      recipientId: after.userId,
      type: 'friend-request',
      actorId: after.friendId,
      at: after.requestedAt ?? after.updatedAt,
    };
  if (after.state === 'accepted' && before?.state === 'outgoing')
    return {
      recipientId: after.userId,
      type: 'friend-accepted',
      actorId: after.friendId,
      at: after.since ?? after.updatedAt,
    };
  return undefined;
}

const INBOX_PAGE_MAX = 50;

/** GET /notifications?limit&cursor */
export const notificationsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(INBOX_PAGE_MAX).default(20),
  cursor: z.string().max(2048).optional(),
});

/** POST /notifications/seen */
export const markSeenSchema = z.strictObject({
  upTo: z.iso
    .datetime()
    .describe('The `at` of the newest entry the user has seen (usually the first of the first page).'),
});

const notificationViewSchema = z
  .object({
    id: z.string(),
    type: z.enum(NOTIFICATION_TYPES),
    actors: z.array(z.string()).describe('Who did it (user ids).'),
    contentIds: z.array(z.string()).describe('new-content: the pictures, as many as the reader may still see.'),
    count: z.number().int().describe('new-content: how many pictures; otherwise 1.'),
    at: z.iso.datetime(),
    seen: z.boolean(),
  })
  .meta({ id: 'Notification' });

export type NotificationView = z.output<typeof notificationViewSchema>;

export const notificationPageSchema = z
  .object({
    items: z.array(notificationViewSchema),
    cursor: z.string().optional().describe('Pass as ?cursor= for the next page; absent on the last page.'),
    unseen: z.number().int().describe('Entries newer than what was marked seen (at most 99): the badge.'),
  })
  .meta({ id: 'NotificationPage' });

/** The entry as the reader may see it now: only the pictures still visible to them. */
export function notificationView(
  entry: InboxEntry,
  visibleContentIds: readonly string[],
  seenUpTo?: string,
): NotificationView {
  return {
    id: entry.entryId,
    type: entry.type,
    actors: [entry.actorId],
    contentIds: [...visibleContentIds],
    count: entry.type === 'new-content' ? visibleContentIds.length : 1,
    at: entry.at,
    seen: seenUpTo !== undefined && entry.at <= seenUpTo,
  };
}

/** When an entry of this time expires (epoch seconds, the table's TTL attribute). */
export function expiryOf(at: string): number {
  return Math.floor(Date.parse(at) / 1000) + INBOX_RETENTION_DAYS * 24 * 3600;
}
