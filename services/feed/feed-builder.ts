import { dynamo } from '#shared/adapters/clients';
import { ContentRepository } from '#shared/adapters/content-repository';
import { FeedRepository } from '#shared/adapters/feed-repository';
import { builderRecordHandler } from '#shared/adapters/feed-streams';
import { FriendshipRepository } from '#shared/adapters/friendship-repository';
import { requireEnv, requireIntEnv } from '#shared/config';
import { FeedBuilder } from '#shared/feed/builder';
import { streamHandler } from '#shared/handlers/stream';
import { count } from '#shared/observability';

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
