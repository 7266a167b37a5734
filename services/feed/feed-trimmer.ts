import { dynamo } from '#shared/adapters/clients';
import { FeedRepository } from '#shared/adapters/feed-repository';
import { trimmerBatchHandler } from '#shared/adapters/feed-streams';
import { requireEnv, requireIntEnv } from '#shared/config';
import { FeedTrimmer } from '#shared/feed/trimmer';
import { batchStreamHandler } from '#shared/handlers/stream';

const trimmer = new FeedTrimmer(new FeedRepository(dynamo, requireEnv('FEED_TABLE')), requireIntEnv('FEED_CAP'));
const trimEvery = requireIntEnv('FEED_TRIM_EVERY');

// Feed stream -> user partitions trimmed back to their cap (shared/feed/trimmer.ts). The mapping's
// filter passes only new entries of user partitions; the handler checks the same. Each partition
// a batch calls for is trimmed once.
export const handler = batchStreamHandler(() => trimmerBatchHandler(trimmer, trimEvery));
