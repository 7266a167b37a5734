import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { s3 } from '#shared/adapters/clients';
import { MediaStorage } from '#shared/adapters/media-storage';
import { requireEnv } from '#shared/config';
import type { ContentItem } from '#shared/domain/content';
import { logger } from '#shared/logger';

const storage = new MediaStorage(s3, requireEnv('MEDIA_BUCKET'));
const processor = new BatchProcessor(EventType.DynamoDBStreams);

// Content stream: when an item is removed (deleted, or expired by TTL because its upload never
// finished), its original and derivatives go too. Deleting a missing object succeeds, so a
// redelivered record is harmless. A failing record is reported alone (partial batch response).
async function recordHandler(record: DynamoDBRecord): Promise<void> {
  if (record.eventName !== 'REMOVE' || !record.dynamodb?.OldImage) return;
  const item = unmarshall(record.dynamodb.OldImage as Record<string, AttributeValue>) as ContentItem;
  logger.appendKeys({ contentId: item.contentId });
  try {
    const keys = [item.originalKey, ...Object.values(item.derivatives ?? {}).map((d) => d.key)].filter(Boolean);
    await storage.deleteKeys(keys);
    logger.info('Files of removed item deleted', { count: keys.length, expired: record.userIdentity?.type === 'Service' });
  } finally {
    logger.removeKeys(['contentId']);
  }
}

export const handler = async (event: DynamoDBStreamEvent, context: unknown) =>
  processPartialResponse(event, recordHandler, processor, { context: context as never });
