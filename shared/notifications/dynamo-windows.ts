import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PushWindow, PushWindows } from '#shared/notifications/ports';

/** The window's item in the user's Notifications partition; `~` sorts it after every entry. */
const WINDOW_KEY = '~push';
/** A window's item outlives its end by this long, then TTL removes it (a later event opens a new one). */
const WINDOW_RETENTION_SECONDS = 7 * 24 * 3600;

interface StoredWindow {
  windowEnd?: number;
  openedBy?: string;
  pending?: Set<string>;
  flushing?: Set<string>;
}

/**
 * Push windows as one item per recipient in the Notifications table: `windowEnd` (epoch ms),
 * `openedBy` (the push that opened it), `pending` and `flushing` (string sets of event keys),
 * `pushedFor` (the last push claimed). Every change is one conditional UpdateItem, so concurrent
 * notifier and flusher invocations for one recipient serialize on it.
 */
export class DynamoPushWindows implements PushWindows {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async join(userId: string, eventKey: string, pushId: string, now: number): Promise<number | undefined> {
    const out = await this.update(userId, {
      UpdateExpression: 'ADD pending :k',
      ConditionExpression: '(windowEnd > :now OR attribute_exists(pending)) AND openedBy <> :pid',
      ExpressionAttributeValues: { ':k': new Set([eventKey]), ':now': now, ':pid': pushId },
      ReturnValues: 'ALL_NEW',
    });
    return out ? (out.windowEnd as number) : undefined;
  }

  async open(userId: string, pushId: string, now: number, windowEnd: number): Promise<boolean> {
    return Boolean(
      await this.update(userId, {
        UpdateExpression: 'SET windowEnd = :end, openedBy = :pid, expiresAt = :exp REMOVE flushing',
        ConditionExpression: '(attribute_not_exists(windowEnd) OR windowEnd <= :now) AND attribute_not_exists(pending)',
        ExpressionAttributeValues: { ':end': windowEnd, ':pid': pushId, ':now': now, ':exp': expiry(windowEnd) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
  }

  async get(userId: string): Promise<PushWindow | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { userId, sortKey: WINDOW_KEY }, ConsistentRead: true }),
    );
    const item = out.Item as StoredWindow | undefined;
    if (!item) return undefined;
    return {
      windowEnd: item.windowEnd ?? 0,
      openedBy: item.openedBy ?? '',
      pending: [...(item.pending ?? [])],
      flushing: [...(item.flushing ?? [])],
    };
  }

  async startFlush(userId: string, windowEnd: number, nextEnd: number): Promise<string[] | undefined> {
    const out = await this.update(userId, {
      UpdateExpression: 'SET windowEnd = :next, openedBy = :pid, flushing = pending, expiresAt = :exp REMOVE pending',
      ConditionExpression: 'windowEnd = :end AND attribute_exists(pending)',
      ExpressionAttributeValues: {
        ':next': nextEnd,
        ':pid': `flush#${windowEnd}`,
        ':end': windowEnd,
        ':exp': expiry(nextEnd),
      },
      ReturnValues: 'ALL_NEW',
    });
    return out ? [...((out.flushing as Set<string> | undefined) ?? [])] : undefined;
  }

  async closeIdle(userId: string, windowEnd: number): Promise<boolean> {
    return Boolean(
      await this.update(userId, {
        UpdateExpression: 'SET windowEnd = :closed',
        ConditionExpression: 'windowEnd = :end AND attribute_not_exists(pending)',
        ExpressionAttributeValues: { ':closed': 0, ':end': windowEnd },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
  }

  async closeOpenedBy(userId: string, pushId: string): Promise<void> {
    await this.update(userId, {
      UpdateExpression: 'SET windowEnd = :closed',
      ConditionExpression: 'openedBy = :pid AND attribute_not_exists(pending)',
      ExpressionAttributeValues: { ':closed': 0, ':pid': pushId },
    });
  }

  async claimPush(userId: string, pushId: string): Promise<boolean> {
    return Boolean(
      await this.update(userId, {
        UpdateExpression: 'SET pushedFor = :pid',
        ConditionExpression: 'openedBy = :pid AND (attribute_not_exists(pushedFor) OR pushedFor <> :pid)',
        ExpressionAttributeValues: { ':pid': pushId },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
  }

  /** One conditional update of the window's item: its new attributes, or undefined when the condition failed. */
  private async update(
    userId: string,
    input: Pick<
      ConstructorParameters<typeof UpdateCommand>[0],
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeValues' | 'ReturnValues'
    >,
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const out = await this.db.send(
        new UpdateCommand({ TableName: this.tableName, Key: { userId, sortKey: WINDOW_KEY }, ...input }),
      );
      return out.Attributes ?? {};
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}

function expiry(windowEnd: number): number {
  return Math.floor(windowEnd / 1000) + WINDOW_RETENTION_SECONDS;
}
