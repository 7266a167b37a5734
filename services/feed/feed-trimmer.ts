import { dynamo } from '#shared/aws/clients';
import { FeedRepository } from '#shared/feed/dynamo-store';
import { trimmerBatchHandler } from '#shared/feed/dynamo-streams';
import { requireEnv, requireIntEnv } from '#shared/lambda/config';
import { FeedTrimmer } from '#shared/feed/trimmer';
import { batchStreamHandler } from '#shared/lambda/stream';

const trimmer = new FeedTrimmer(new FeedRepository(dynamo, requireEnv('FEED_TABLE')), requireIntEnv('FEED_CAP'));
const trimEvery = requireIntEnv('FEED_TRIM_EVERY');

// Feed stream -> user partitions trimmed back to their cap (shared/feed/trimmer.ts). The mapping's
// filter passes only new entries of user partitions; the handler checks the same. Each partition
// a batch calls for is trimmed once.
export const handler = batchStreamHandler(() => trimmerBatchHandler(trimmer, trimEvery));
