import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll, queryAll, raiseAttribute, type WriteRequest } from '#shared/aws/dynamo';

import {
  publicBucketOf,
  publicFeedKey,
  userFeedKey,
  type FeedEntry,
  type FeedEntryKey,
  type FeedRef,
} from '#shared/feed/model';
import type { FeedStore, RefPage } from '#shared/feed/ports';

/** The one item that lists the public days that have (had) an entry, so a reader can skip empty days. */
const PUBLIC_BUCKETS_KEY = 'public-buckets';

/**
 * The window marker in a user's partition. Its sort key sorts after every entry (ISO times start
 * with a digit), so the first page's one Query returns it along with the newest entries.
 */
export const WINDOW_SORT_KEY = '~window';

/**
 * The Feed table: feeds (shared/feed/model.ts) as partitions, plus the markers above. Writes are BatchWriteItem of
 * deterministic keys: putting an entry twice or deleting a missing one is harmless, so a replay of
 * any write is too.
 */
export class FeedRepository implements FeedStore {
  /** Public days already marked by this execution environment (the marker is written once per day). */
  private readonly markedBuckets = new Set<string>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** BatchWriteItem requests in flight at once for one write. */
    private readonly writeConcurrency = 8,
  ) {}

  /** Puts and deletes entries, 25 per BatchWriteItem, UnprocessedItems retried with backoff. */
  async write(puts: readonly FeedEntry[], deletes: readonly FeedEntryKey[] = []): Promise<void> {
    // One request may not name a key twice; the last operation on a key wins.
    const ops = new Map<string, WriteRequest>();
    for (const e of deletes)
      ops.set(`${e.feedKey}|${e.sortKey}`, { DeleteRequest: { Key: { feedKey: e.feedKey, sortKey: e.sortKey } } });
    for (const e of puts) {
      const item = { feedKey: e.feedKey, sortKey: e.sortKey, contentId: e.contentId, ownerId: e.ownerId };
      ops.set(`${e.feedKey}|${e.sortKey}`, { PutRequest: { Item: item } });
    }
    await batchWriteAll(this.db, this.tableName, [...ops.values()], { concurrency: this.writeConcurrency });
  }

  /** Records that a public day has entries (once per day and execution environment). */
  async markPublicBucket(bucket: string): Promise<void> {
    if (this.markedBuckets.has(bucket)) return;
    await this.db.send(
      new PutCommand({ TableName: this.tableName, Item: { feedKey: PUBLIC_BUCKETS_KEY, sortKey: bucket } }),
    );
    this.markedBuckets.add(bucket);
  }

  /** The user's window floor: entries above it are complete; at or below it, feeds are computed on read. */
  async floor(userId: string): Promise<string | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { feedKey: userFeedKey(userId), sortKey: WINDOW_SORT_KEY },
        ConsistentRead: true,
      }),
    );
    return out.Item?.floor as string | undefined;
  }

  /** Raises the floor (never lowers it): written before the entries below it are dropped. */
  async raiseFloor(userId: string, floor: string): Promise<void> {
    await raiseAttribute(
      this.db,
      this.tableName,
      { feedKey: userFeedKey(userId), sortKey: WINDOW_SORT_KEY },
      'floor',
      floor,
    );
  }

  /**
   * The newest entries of a user's partition below `before` (or from the top), and the window
   * floor. From the top it is one Query, which returns the window marker first; below a cursor the
   * marker is read alongside. Entries at or below the floor are left out: that range is computed on read.
   */
  async userPage(userId: string, before: string | undefined, limit: number): Promise<RefPage & { floor?: string }> {
    const feedKey = userFeedKey(userId);
    const query = (condition: string, values: Record<string, unknown>, n: number) =>
      this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: `feedKey = :k AND ${condition}`,
          ExpressionAttributeValues: { ':k': feedKey, ...values },
          ScanIndexForward: false,
          Limit: n,
          ConsistentRead: true,
        }),
      );
    let items: Record<string, unknown>[];
    let floor: string | undefined;
    let more: boolean;
    if (before === undefined) {
      const out = await query('sortKey <= :top', { ':top': WINDOW_SORT_KEY }, limit + 1);
      items = out.Items ?? [];
      if (items[0]?.sortKey === WINDOW_SORT_KEY) floor = items.shift()!.floor as string | undefined;
      more = items.length > limit || Boolean(out.LastEvaluatedKey);
      items = items.slice(0, limit);
    } else {
      const [out, f] = await Promise.all([
        query('sortKey < :before', { ':before': before }, limit),
        this.floor(userId),
      ]);
      items = out.Items ?? [];
      floor = f;
      more = Boolean(out.LastEvaluatedKey);
    }
    const refs = items.map(toRef).filter((r) => floor === undefined || r.sortKey > floor);
    // Reaching the floor ends this source: below it the reader computes the feed.
    if (refs.length < items.length) more = false;
    return { refs, more, ...(floor !== undefined ? { floor } : {}) };
  }

  /**
   * The newest public refs below `before` (or below `now` from the top): the day of the position
   * first, then older days that have entries, until `limit` refs or no older day.
   */
  async publicPage(before: string | undefined, limit: number, now = new Date()): Promise<RefPage> {
    const refs: FeedRef[] = [];
    let bucket = publicBucketOf(before ?? now.toISOString());
    const upper = before ?? '~';
    let olderBuckets: string[] | undefined;
    for (;;) {
      const out = await this.queryAll(publicFeedKey(bucket), upper, limit - refs.length);
      refs.push(...out.refs);
      // A full page may be followed by more, here or in an older day: the next page finds out.
      if (refs.length >= limit) return { refs, more: true };
      olderBuckets ??= [];
      if (!olderBuckets.length) olderBuckets = await this.bucketsBefore(bucket, 8);
      const next = olderBuckets.shift();
      if (!next) return { refs, more: false };
      bucket = next;
    }
  }

  private async bucketsBefore(bucket: string, n: number): Promise<string[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'feedKey = :k AND sortKey < :b',
        ExpressionAttributeValues: { ':k': PUBLIC_BUCKETS_KEY, ':b': bucket },
        ScanIndexForward: false,
        Limit: n,
      }),
    );
    return (out.Items ?? []).map((i) => i.sortKey as string);
  }

  /** Up to `limit` refs of one partition below `upper`, newest first. */
  private async queryAll(feedKey: string, upper: string, limit: number): Promise<RefPage> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'feedKey = :k AND sortKey < :u',
        ExpressionAttributeValues: { ':k': feedKey, ':u': upper },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return { refs: (out.Items ?? []).map(toRef), more: Boolean(out.LastEvaluatedKey) };
  }

  /**
   * Sort keys of a user's partition, newest first (keys only): above `floor` (all entries when
   * there is none), or with `atOrBelow`, up to `limit` of those at or below it.
   */
  async sortKeys(userId: string, range: { above?: string } | { atOrBelow: string; limit: number }): Promise<string[]> {
    const feedKey = userFeedKey(userId);
    const below = 'atOrBelow' in range;
    const keys: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: below
            ? 'feedKey = :k AND sortKey <= :b'
            : range.above === undefined
              ? 'feedKey = :k AND sortKey < :top'
              : 'feedKey = :k AND sortKey BETWEEN :a AND :top',
          ExpressionAttributeValues: {
            ':k': feedKey,
            ...(below
              ? { ':b': range.atOrBelow }
              : { ':top': WINDOW_SORT_KEY, ...(range.above !== undefined ? { ':a': range.above } : {}) }),
          },
          ProjectionExpression: 'sortKey',
          ScanIndexForward: false,
          ConsistentRead: true,
          ...(below ? { Limit: range.limit } : {}),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) {
        const key = item.sortKey as string;
        // BETWEEN is inclusive and the marker is not an entry.
        if (key !== WINDOW_SORT_KEY && (below || range.above === undefined || key > range.above)) keys.push(key);
      }
      startKey = below ? undefined : out.LastEvaluatedKey;
    } while (startKey);
    return keys;
  }

  /** Deletes entries of a user's partition by sort key. */
  async deleteKeys(userId: string, sortKeys: readonly string[]): Promise<void> {
    const feedKey = userFeedKey(userId);
    await this.write(
      [],
      sortKeys.map((sortKey) => ({ feedKey, sortKey })),
    );
  }

  /** Every entry of a user's partition (the window marker aside), newest first; ownerId narrows it. */
  async entriesOf(userId: string, ownerId?: string): Promise<FeedEntry[]> {
    const feedKey = userFeedKey(userId);
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'feedKey = :k AND sortKey < :top',
      ...(ownerId ? { FilterExpression: 'ownerId = :o' } : {}),
      ExpressionAttributeValues: { ':k': feedKey, ':top': WINDOW_SORT_KEY, ...(ownerId ? { ':o': ownerId } : {}) },
      ScanIndexForward: false,
      ConsistentRead: true,
    });
    return items.map((i) => ({ feedKey, ...toRef(i) }));
  }
}

function toRef(item: Record<string, unknown>): FeedRef {
  return { contentId: item.contentId as string, ownerId: item.ownerId as string, sortKey: item.sortKey as string };
}
