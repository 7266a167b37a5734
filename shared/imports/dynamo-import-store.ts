import { BatchGetCommand, BatchWriteCommand, type BatchGetCommandOutput, type BatchWriteCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backoff } from '#shared/adapters/friendship-repository';
import { chunks, inParallel } from '#shared/concurrency';
import type { FriendshipEdge } from '#shared/domain/friendship';
import type { ImportStore } from './importer';
import { edgeKey } from './plan';

/** BatchGetItem takes at most 100 keys, BatchWriteItem at most 25 requests. */
export const BATCH_GET_MAX = 100;
export const BATCH_WRITE_MAX = 25;

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
  private readonly maxRetries: number;
  private readonly sleep: (attempt: number) => Promise<void>;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: { users: string; friendships: string },
    options: BatchOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 4;
    this.maxRetries = options.maxRetries ?? 12;
    this.sleep = options.sleep ?? ((attempt) => backoff(attempt, 50, 3000));
  }

  async getUsers(userIds: string[]): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    await this.batchGet(this.tables.users, userIds.map((userId) => ({ userId })), (item) => found.set(item.userId as string, item));
    return found;
  }

  async getEdges(keys: Array<{ userId: string; friendId: string }>): Promise<Map<string, FriendshipEdge>> {
    const found = new Map<string, FriendshipEdge>();
    await this.batchGet(this.tables.friendships, keys, (item) => found.set(edgeKey(item.userId as string, item.friendId as string), item as unknown as FriendshipEdge));
    return found;
  }

  putUsers(items: Array<Record<string, unknown>>): Promise<void> {
    return this.batchWrite(this.tables.users, items);
  }

  putEdges(items: FriendshipEdge[]): Promise<void> {
    return this.batchWrite(this.tables.friendships, items as unknown as Array<Record<string, unknown>>);
  }

  private async batchGet(table: string, keys: Array<Record<string, unknown>>, onItem: (item: Record<string, unknown>) => void): Promise<void> {
    await inParallel(chunks(keys, BATCH_GET_MAX), this.concurrency, async (batch) => {
      let pending: Array<Record<string, unknown>> | undefined = batch;
      for (let attempt = 0; pending?.length; attempt++) {
        if (attempt > this.maxRetries) throw new Error(`BatchGetItem on ${table} left ${pending.length} keys unprocessed after ${this.maxRetries} retries`);
        if (attempt > 0) await this.sleep(attempt);
        const out: BatchGetCommandOutput = await this.db.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }));
        for (const item of out.Responses?.[table] ?? []) onItem(item);
        pending = out.UnprocessedKeys?.[table]?.Keys;
      }
    });
  }

  private async batchWrite(table: string, items: Array<Record<string, unknown>>): Promise<void> {
    await inParallel(chunks(items, BATCH_WRITE_MAX), this.concurrency, async (batch) => {
      let pending: NonNullable<BatchWriteCommandOutput['UnprocessedItems']>[string] | undefined = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending?.length; attempt++) {
        if (attempt > this.maxRetries) throw new Error(`BatchWriteItem on ${table} left ${pending.length} items unprocessed after ${this.maxRetries} retries`);
        if (attempt > 0) await this.sleep(attempt);
        const out: BatchWriteCommandOutput = await this.db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = out.UnprocessedItems?.[table];
      }
    });
  }
}
