import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { ContentRepository } from '#shared/adapters/content-repository';
import { FeedRepository } from '#shared/adapters/feed-repository';
import { FriendshipRepository } from '#shared/adapters/friendship-repository';
import { requireEnv, requireIntEnv } from '#shared/config';
import { FeedBuilder } from '#shared/feed/builder';
import { logger } from '#shared/logger';
import { dynamo } from '#shared/adapters/clients';

const builder = new FeedBuilder(
  new FeedRepository(dynamo, requireEnv('FEED_TABLE')),
  new ContentRepository(dynamo, requireEnv('CONTENT_TABLE')),
  new FriendshipRepository(dynamo, requireEnv('FRIENDSHIPS_TABLE')),
  { cap: requireIntEnv('FEED_CAP') },
);
const processor = new BatchProcessor(EventType.DynamoDBStreams);

// Content and Friendships streams -> the Feed table (shared/feed/builder.ts). Each record is
// reconciled against the tables as they are now, so duplicates and out-of-order deliveries
// rewrite the same entries; a record that fails is reported alone and retried from there.
async function recordHandler(record: DynamoDBRecord): Promise<void> {
  logger.appendKeys({ eventID: record.eventID });
  try {
    await builder.onRecord(record);
  } finally {
    logger.removeKeys(['eventID']);
  }
}

export const handler = async (event: DynamoDBStreamEvent, context: unknown) =>
  processPartialResponse(event, recordHandler, processor, { context: context as never });
