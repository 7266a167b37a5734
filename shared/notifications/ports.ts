// What the notifier and the inbox need of the Notifications table: the DynamoDB store
// (shared/notifications/dynamo-store.ts) implements it, and so do the in-memory fakes of the unit tests.
import type { EntryGroup, InboxEntry } from '#shared/notifications/model';
import type { NotificationPreferences } from '#shared/users/model';

export interface InboxStore {
  /**
   * Adds an event to its entry (creating it); repeating it changes nothing. Answers whether the
   * event (by its key) was handed to the push path before (`markPushed`).
   */
  record(recipientId: string, group: EntryGroup, eventKey: string, contentId?: string): Promise<boolean>;
  /** Notes on the event's entry that the push path has taken the event (a replay then skips it). */
  markPushed(recipientId: string, group: EntryGroup, eventKey: string): Promise<void>;
  /** The newest entries older than the entry `before` (all when absent), and whether more follow. */
  page(userId: string, before: string | undefined, limit: number): Promise<{ entries: InboxEntry[]; more: boolean }>;
  /** The newest entries later than `after` (all when absent), at most `limit`. */
  newerThan(userId: string, after: string | undefined, limit: number): Promise<InboxEntry[]>;
  /** The time up to which the user has seen their inbox. */
  seenUpTo(userId: string): Promise<string | undefined>;
  /** Moves the seen mark forward (never back). */
  markSeen(userId: string, upTo: string): Promise<void>;
}

/** A recipient's push window: at most one push per window (the Notifications table's `~push` item). */
export interface PushWindow {
  /** When it ends (epoch ms); 0 once closed early. */
  windowEnd: number;
  /** The push that opened it: `open#{eventKey}` or `flush#{previous end}`. */
  openedBy: string;
  /** Events that arrived inside it, for the summary at its end. */
  pending: string[];
  /** The events the push that opened it at a flush tells about. */
  flushing: string[];
}

export interface PushWindows {
  /**
   * Adds the event to the open window's pending set (or to an ended one's whose summary is still
   * due), unless it is the event that opened the window. Answers the window's end, or undefined
   * when there is no such window.
   */
  join(userId: string, eventKey: string, pushId: string, now: number): Promise<number | undefined>;
  /** Opens a window (none open, nothing pending) for the push `pushId`; false when one is open. */
  open(userId: string, pushId: string, now: number, windowEnd: number): Promise<boolean>;
  get(userId: string): Promise<PushWindow | undefined>;
  /**
   * At the end of the window ending `windowEnd`, with events pending: opens the next window (ending
   * `nextEnd`) for the summary `flush#{windowEnd}` and moves the pending events to it. Answers them,
   * or undefined when that window has nothing pending or is not the current one.
   */
  startFlush(userId: string, windowEnd: number, nextEnd: number): Promise<string[] | undefined>;
  /** Closes the window ending `windowEnd` if nothing is pending; false otherwise. */
  closeIdle(userId: string, windowEnd: number): Promise<boolean>;
  /** Closes the window `pushId` opened if nothing is pending in it (its push had nothing to say). */
  closeOpenedBy(userId: string, pushId: string): Promise<void>;
  /** Claims sending the push `pushId` of the window it opened; false when it was claimed before. */
  claimPush(userId: string, pushId: string): Promise<boolean>;
}

/** The summary due at a window's end: a message that comes back after `delaySeconds`. */
export interface FlushScheduler {
  schedule(userId: string, windowEnd: number, delaySeconds: number): Promise<void>;
}

export interface PushSender {
  /** Publishes a push to one device's endpoint; `gone` when the platform reports it disabled or deleted. */
  publish(endpointArn: string, message: string): Promise<'sent' | 'gone'>;
  /** Deletes a gone device's endpoint (deleting one that is gone already is not an error). */
  remove(endpointArn: string): Promise<void>;
}

/** What a push needs of the recipient and the actors' profiles. */
export interface PushAudience {
  preferences(userId: string): Promise<NotificationPreferences>;
  displayNames(userIds: readonly string[]): Promise<Map<string, string>>;
}
