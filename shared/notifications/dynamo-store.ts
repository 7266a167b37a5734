import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { raiseAttribute } from '#shared/aws/dynamo';
import { type EntryGroup, expiryOf, type InboxEntry } from '#shared/notifications/model';
import type { InboxStore } from '#shared/notifications/ports';

/**
 * The item that holds how far a user has seen their inbox. Items that are not entries (this one,
 * the push window's `~push`) have sort keys starting with `~`, after every entry's (entries start
 * with an ISO time), so pages stop below MARKERS.
 */
const SEEN_KEY = '~seen';
const MARKERS = '~';

interface StoredEntry {
  userId: string;
  sortKey: string;
  type: EntryGroup['type'];
  actorId: string;
  at: string;
  contentIds?: Set<string>;
  /** Keys of the events the push path has taken (shared/notifications/push.ts). */
  pushed?: Set<string>;
  updatedAt: string;
  expiresAt: number;
}

/**
 * The Notifications table: (userId, sortKey), sortKey `{at}#{type}#{actorId}`, so an entry's key
 * is deterministic (a repeated event updates the same entry) and a user's partition sorts by time.
 * A new-content entry's pictures are a string set: adding one twice keeps one. Entries expire
 * (TTL `expiresAt`) 30 days after their time.
 */
export class NotificationRepository implements InboxStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(recipientId: string, group: EntryGroup, eventKey: string, contentId?: string): Promise<boolean> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: entryKey(recipientId, group),
        UpdateExpression: `SET #type = :type, actorId = :actor, #at = :at, updatedAt = :now, expiresAt = :exp${contentId ? ' ADD contentIds :ids' : ''}`,
        ExpressionAttributeNames: { '#type': 'type', '#at': 'at' },
        ExpressionAttributeValues: {
          ':type': group.type,
          ':actor': group.actorId,
          ':at': group.at,
          ':now': this.now().toISOString(),
          ':exp': expiryOf(group.at),
          ...(contentId ? { ':ids': new Set([contentId]) } : {}),
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return ((out.Attributes?.pushed as Set<string> | undefined) ?? new Set()).has(eventKey);
  }

  async markPushed(recipientId: string, group: EntryGroup, eventKey: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: entryKey(recipientId, group),
        UpdateExpression: 'ADD pushed :k',
        ExpressionAttributeValues: { ':k': new Set([eventKey]) },
      }),
    );
  }

  async page(
    userId: string,
    before: string | undefined,
    limit: number,
  ): Promise<{ entries: InboxEntry[]; more: boolean }> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'userId = :u AND sortKey < :before',
        ExpressionAttributeValues: { ':u': userId, ':before': before ?? MARKERS },
        ScanIndexForward: false,
        Limit: limit + 1,
        ConsistentRead: true,
      }),
    );
    const items = (out.Items ?? []) as StoredEntry[];
    return { entries: items.slice(0, limit).map(fromItem), more: items.length > limit };
  }

  async newerThan(userId: string, after: string | undefined, limit: number): Promise<InboxEntry[]> {
    // `{after}~` sorts after every key of an entry at `after` and before those of later entries.
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'userId = :u AND sortKey BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':u': userId, ':from': after ? `${after}~` : '0', ':to': MARKERS },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return ((out.Items ?? []) as StoredEntry[]).map(fromItem);
  }

  async seenUpTo(userId: string): Promise<string | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { userId, sortKey: SEEN_KEY }, ConsistentRead: true }),
    );
    return out.Item?.upTo as string | undefined;
  }

  async markSeen(userId: string, upTo: string): Promise<void> {
    await raiseAttribute(this.db, this.tableName, { userId, sortKey: SEEN_KEY }, 'upTo', upTo);
  }
}

function entryKey(userId: string, group: EntryGroup): { userId: string; sortKey: string } {
  return { userId, sortKey: `${group.at}#${group.type}#${group.actorId}` };
}

function fromItem(item: StoredEntry): InboxEntry {
  return {
    userId: item.userId,
    entryId: item.sortKey,
    type: item.type,
    actorId: item.actorId,
    at: item.at,
    contentIds: [...(item.contentIds ?? [])].sort(),
    updatedAt: item.updatedAt,
  };
}
