// The feed's use cases as stream record handlers: what a DynamoDB Streams record of the Content,
// Friendships or Feed table asks of the builder or the trimmer. The record shapes (keys, images in
// DynamoDB JSON) stop here; the use cases see items, edges and user ids.
import type { DynamoDBRecord } from 'aws-lambda';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { contentFromImage } from '#shared/content/dynamo-layout';
import { WINDOW_SORT_KEY } from '#shared/feed/dynamo-store';
import { shouldTrim } from '#shared/feed/model';
import { edgeFromImage } from '#shared/friends/dynamo-streams';
import type { FeedBuilder } from '#shared/feed/builder';
import type { FeedTrimmer } from '#shared/feed/trimmer';
import { logger } from '#shared/core/observability';

/** A stream image (DynamoDB JSON) as a plain object. */
function imageOf<T>(value: unknown): T | undefined {
  return value ? (unmarshall(value as Record<string, AttributeValue>) as T) : undefined;
}

/** One record of the Content or Friendships stream, for the builder; throws to have it retried. */
export function builderRecordHandler(builder: FeedBuilder): (record: DynamoDBRecord) => Promise<void> {
  return async (record) => {
    const keys = imageOf<Record<string, unknown>>(record.dynamodb?.Keys) ?? {};
    if (typeof keys.contentId === 'string') {
      return builder.onContentChange(
        contentFromImage(record.dynamodb?.OldImage),
        contentFromImage(record.dynamodb?.NewImage),
      );
    }
    if (typeof keys.userId === 'string' && typeof keys.friendId === 'string') {
      return builder.onFriendshipChange(
        keys.userId,
        keys.friendId,
        edgeFromImage(record.dynamodb?.OldImage),
        edgeFromImage(record.dynamodb?.NewImage),
      );
    }
    logger.warn('Stream record of an unknown table skipped', { eventSourceARN: record.eventSourceARN });
  };
}

/**
 * A record handler for one batch of Feed stream records (Powertools' processPartialResponse): each
 * partition the batch calls for is trimmed once, and a failed trim fails exactly the records of
 * that partition.
 */
export function trimmerBatchHandler(
  trimmer: FeedTrimmer,
  trimEvery: number,
): (record: DynamoDBRecord) => Promise<void> {
  const trim = trimmer.forBatch();
  return async (record) => {
    const userId = partitionToCheck(record, trimEvery);
    if (userId) await trim(userId);
  };
}

/**
 * The user whose partition a Feed stream record asks to check, if any: a new entry (not the window
 * marker) of a user partition, for about one in `every` entries (see shouldTrim).
 */
export function partitionToCheck(
  record: { eventName?: string; dynamodb?: { Keys?: Record<string, { S?: string } | undefined> } },
  every: number,
): string | undefined {
  if (record.eventName !== 'INSERT') return undefined;
  const feedKey = record.dynamodb?.Keys?.feedKey?.S;
  const sortKey = record.dynamodb?.Keys?.sortKey?.S;
  if (!feedKey?.startsWith('user#') || !sortKey || sortKey === WINDOW_SORT_KEY) return undefined;
  return shouldTrim(feedKey, sortKey, every) ? feedKey.slice('user#'.length) : undefined;
}
