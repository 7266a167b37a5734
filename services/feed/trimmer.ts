import type { DynamoDBStreamEvent } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { FeedRepository } from '#shared/adapters/feed-repository';
import { requireEnv, requireIntEnv } from '#shared/config';
import { FeedTrimmer } from '#shared/feed/trimmer';
import { dynamo } from '#shared/adapters/clients';

const trimmer = new FeedTrimmer(new FeedRepository(dynamo, requireEnv('FEED_TABLE')), requireIntEnv('FEED_CAP'));
const trimEvery = requireIntEnv('FEED_TRIM_EVERY');
const processor = new BatchProcessor(EventType.DynamoDBStreams);

// Feed stream -> user partitions trimmed back to their cap (shared/feed/trimmer.ts). The mapping's
// filter passes only new entries of user partitions; the handler checks the same.
export const handler = async (event: DynamoDBStreamEvent, context: unknown) =>
  processPartialResponse(event, trimmer.batchHandler(trimEvery), processor, { context: context as never });
