import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, batchWriteAll, DEFAULT_RETRY, type RetryPolicy } from '#shared/aws/dynamo';
import type { FriendshipEdge } from '#shared/friends/model';
import type { ImportStore } from './importer';
import { edgeKey } from './plan';

export interface BatchOptions {
  /** Batch requests in flight at once, per table. */
  concurrency?: number;
  /** Retries of one batch's UnprocessedKeys/UnprocessedItems before giving up loudly. */
  maxRetries?: number;
  /** Waits before retry `attempt` (1, 2, ...): exponential backoff with full jitter by default. */
  sleep?: (attempt: number) => Promise<void>;
}

/**
 * The Users and Friendships tables as the importer sees them: strongly consistent batch reads
 * (a chunk must see what the previous chunk wrote) and unconditional batch writes.
 * BatchWriteItem cannot carry conditions: an API write of a pair racing the import can be
 * overwritten by it (the import bumps `version`, so the API's own conditional writes that read
 * the pair before the import fail instead of overwriting the import).
 */
export class DynamoImportStore implements ImportStore {
  private readonly concurrency: number;
  private readonly retry: RetryPolicy;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: { users: string; friendships: string },
    options: BatchOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 4;
    this.retry = {
      maxRetries: options.maxRetries ?? DEFAULT_RETRY.maxRetries,
      sleep: options.sleep ?? DEFAULT_RETRY.sleep,
    };
  }

  async getUsers(userIds: string[]): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    await this.batchGet(
      this.tables.users,
      userIds.map((userId) => ({ userId })),
      (item) => found.set(item.userId as string, item),
    );
    return found;
  }

  async getEdges(keys: Array<{ userId: string; friendId: string }>): Promise<Map<string, FriendshipEdge>> {
    const found = new Map<string, FriendshipEdge>();
    await this.batchGet(this.tables.friendships, keys, (item) =>
      found.set(edgeKey(item.userId as string, item.friendId as string), item as unknown as FriendshipEdge),
    );
    return found;
  }

  putUsers(items: Array<Record<string, unknown>>): Promise<void> {
    return this.batchWrite(this.tables.users, items);
  }

  putEdges(items: FriendshipEdge[]): Promise<void> {
    return this.batchWrite(this.tables.friendships, items as unknown as Array<Record<string, unknown>>);
  }

  private async batchGet(
    table: string,
    keys: Array<Record<string, unknown>>,
    onItem: (item: Record<string, unknown>) => void,
  ): Promise<void> {
    for (const item of await batchGetAll(this.db, table, keys, {
      consistent: true,
      retry: this.retry,
      concurrency: this.concurrency,
    }))
      onItem(item);
  }

  private batchWrite(table: string, items: Array<Record<string, unknown>>): Promise<void> {
    return batchWriteAll(
      this.db,
      table,
      items.map((Item) => ({ PutRequest: { Item } })),
      { retry: this.retry, concurrency: this.concurrency },
    );
  }
}
