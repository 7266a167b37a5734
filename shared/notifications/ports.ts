// What the notifier and the inbox need of the Notifications table: the DynamoDB store
// (shared/notifications/dynamo-store.ts) implements it, and so do the in-memory fakes of the unit tests.
import type { EntryGroup, InboxEntry } from '#shared/notifications/model';

export interface InboxStore {
  /** Adds an event to its entry (creating it); repeating it changes nothing. */
  record(recipientId: string, group: EntryGroup, contentId?: string): Promise<void>;
  /** The newest entries older than the entry `before` (all when absent), and whether more follow. */
  page(userId: string, before: string | undefined, limit: number): Promise<{ entries: InboxEntry[]; more: boolean }>;
  /** The newest entries later than `after` (all when absent), at most `limit`. */
  newerThan(userId: string, after: string | undefined, limit: number): Promise<InboxEntry[]>;
  /** The time up to which the user has seen their inbox. */
  seenUpTo(userId: string): Promise<string | undefined>;
  /** Moves the seen mark forward (never back). */
  markSeen(userId: string, upTo: string): Promise<void>;
}
