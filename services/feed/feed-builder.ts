import { dynamo } from '#shared/aws/clients';
import { ContentRepository } from '#shared/content/dynamo-store';
import { FeedRepository } from '#shared/feed/dynamo-store';
import { builderRecordHandler } from '#shared/feed/dynamo-streams';
import { FriendshipRepository } from '#shared/friends/dynamo-store';
import { requireEnv, requireIntEnv } from '#shared/lambda/config';
import { FeedBuilder } from '#shared/feed/builder';
import { streamHandler } from '#shared/lambda/stream';
import { count } from '#shared/core/observability';

const builder = new FeedBuilder(
  new FeedRepository(dynamo, requireEnv('FEED_TABLE')),
  new ContentRepository(dynamo, requireEnv('CONTENT_TABLE')),
  new FriendshipRepository(dynamo, requireEnv('FRIENDSHIPS_TABLE')),
  {
    cap: requireIntEnv('FEED_CAP'),
    observer: {
      wrote: (puts, deletes) => {
        count('FeedEntriesWritten', puts);
        count('FeedEntriesRemoved', deletes);
      },
      retried: () => count('FeedReconcileRetries'),
    },
  },
);

// Content and Friendships streams -> the Feed table (shared/feed/builder.ts). Each record is
// reconciled against the tables as they are now, so duplicates and out-of-order deliveries
// rewrite the same entries; a record that fails is reported alone and retried from there.
export const handler = streamHandler(builderRecordHandler(builder));
