// The DynamoDB loops every store needs, written once: a Query followed through all its pages (the
// SDK's paginator), BatchGetItem per 100 keys and BatchWriteItem per 25 requests with their
// unprocessed keys and items retried, all under one retry policy; and a mark that only moves forward.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  paginateQuery,
  UpdateCommand,
  type BatchGetCommandOutput,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { chunks, inParallel } from '#shared/core/concurrency';

type Item = Record<string, unknown>;
export type WriteRequest = NonNullable<BatchWriteCommandOutput['UnprocessedItems']>[string][number];

/**
 * One policy for unprocessed keys and items: exponential backoff with full jitter from 50 ms up to
 * 3 s, and a loud failure after 12 retries of the same batch (about 20 s of throttling).
 */
export interface RetryPolicy {
  maxRetries: number;
  /** Waits before retry `attempt` (1, 2, ...). */
  sleep(attempt: number): Promise<void>;
}

/** Exponential backoff with full jitter. */
function backoff(attempt: number, baseMs = 50, capMs = 3000): Promise<void> {
  const ms = Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 12, sleep: (attempt) => backoff(attempt) };

const BATCH_GET_MAX = 100;
const BATCH_WRITE_MAX = 25;

/** Every item a Query matches, page after page. */
export async function queryAll<T = Item>(db: DynamoDBDocumentClient, input: QueryCommandInput): Promise<T[]> {
  const items: T[] = [];
  for await (const page of paginateQuery({ client: db }, input)) items.push(...((page.Items ?? []) as T[]));
  return items;
}

export interface BatchGetOptions {
  consistent?: boolean;
  projection?: { expression: string; names: Record<string, string> };
  retry?: RetryPolicy;
  /** BatchGetItem requests in flight at once. */
  concurrency?: number;
}

/** The items of `keys` that exist (any number of keys; order not kept). */
export async function batchGetAll<T = Item>(
  db: DynamoDBDocumentClient,
  table: string,
  keys: readonly Item[],
  options: BatchGetOptions = {},
): Promise<T[]> {
  const { retry = DEFAULT_RETRY, concurrency = 1 } = options;
  const found: T[] = [];
  await inParallel(chunks(keys, BATCH_GET_MAX), concurrency, async (chunk) => {
    let pending: Item[] | undefined = chunk;
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt > retry.maxRetries)
        throw new Error(
          `BatchGetItem on ${table} left ${pending.length} keys unprocessed after ${retry.maxRetries} retries`,
        );
      if (attempt > 0) await retry.sleep(attempt);
      const out: BatchGetCommandOutput = await db.send(
        new BatchGetCommand({
          RequestItems: {
            [table]: {
              Keys: pending,
              ...(options.consistent ? { ConsistentRead: true } : {}),
              ...(options.projection
                ? {
                    ProjectionExpression: options.projection.expression,
                    ExpressionAttributeNames: options.projection.names,
                  }
                : {}),
            },
          },
        }),
      );
      found.push(...((out.Responses?.[table] ?? []) as T[]));
      pending = out.UnprocessedKeys?.[table]?.Keys as Item[] | undefined;
    }
  });
  return found;
}

/** Puts and deletes, 25 per BatchWriteItem, `concurrency` requests in flight. A request may not name a key twice. */
export async function batchWriteAll(
  db: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
  options: { retry?: RetryPolicy; concurrency?: number } = {},
): Promise<void> {
  const { retry = DEFAULT_RETRY, concurrency = 1 } = options;
  await inParallel(chunks(requests, BATCH_WRITE_MAX), concurrency, async (chunk) => {
    let pending: WriteRequest[] | undefined = chunk;
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt > retry.maxRetries)
        throw new Error(
          `BatchWriteItem on ${table} left ${pending.length} items unprocessed after ${retry.maxRetries} retries`,
        );
      if (attempt > 0) await retry.sleep(attempt);
      const out: BatchWriteCommandOutput = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = out.UnprocessedItems?.[table];
    }
  });
}

/**
 * Sets `attribute` of the item at `key` to `value` unless it already holds a value at least as
 * high (strings compare as DynamoDB does): a mark that only moves forward, whoever writes last.
 */
export async function raiseAttribute(
  db: DynamoDBDocumentClient,
  table: string,
  key: Item,
  attribute: string,
  value: string,
): Promise<void> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: 'SET #a = :v',
        ConditionExpression: 'attribute_not_exists(#a) OR #a < :v',
        ExpressionAttributeNames: { '#a': attribute },
        ExpressionAttributeValues: { ':v': value },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
