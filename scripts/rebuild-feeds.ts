// `npm run feeds:rebuild`: rebuilds the Feed table from the Content and Friendships tables
// (shared/feed/rebuild.ts), for data written before the feed builder existed or a Feed table that
// was lost. Safe to run again, and beside the live builder: it reconciles as the builder does.
//   Local:  against the running `npm start` backend (reads .local/endpoints.json).
//   AWS:    CONTENT_TABLE=... FRIENDSHIPS_TABLE=... FEED_TABLE=... [FEED_CAP=800] npm run feeds:rebuild
//           with credentials allowed to Scan and read the Content table, read the Friendships table
//           and read/write the Feed table
//           (the Feed table's stream keeps running the trimmer, which enforces the cap).
// FEED_REBUILD_PARALLEL (8) sets how many reconciliations run at once.
import path from 'node:path';
import { documentClient } from '#shared/aws/clients';
import { ContentRepository } from '#shared/content/dynamo-store';
import { FeedRepository } from '#shared/feed/dynamo-store';
import { FriendshipRepository } from '#shared/friends/dynamo-store';
import { FeedBuilder } from '#shared/feed/builder';
import { rebuildFeeds } from '#shared/feed/rebuild';
import { logger } from '#shared/core/observability';
import { localDocumentClient, readEndpoints } from './lib/client';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

async function configure(): Promise<{
  db: DynamoDBDocumentClient;
  content: string;
  friendships: string;
  feed: string;
  where: string;
}> {
  const { CONTENT_TABLE, FRIENDSHIPS_TABLE, FEED_TABLE } = process.env;
  if (CONTENT_TABLE && FRIENDSHIPS_TABLE && FEED_TABLE)
    return {
      db: documentClient(),
      content: CONTENT_TABLE,
      friendships: FRIENDSHIPS_TABLE,
      feed: FEED_TABLE,
      where: 'the tables named in the environment',
    };
  if (CONTENT_TABLE || FRIENDSHIPS_TABLE || FEED_TABLE)
    throw new Error(
      'Set all three of CONTENT_TABLE, FRIENDSHIPS_TABLE and FEED_TABLE, or none (to use the local backend).',
    );
  const file = path.resolve(__dirname, '..', process.env.LOCAL_DATA_DIR ?? '.local', 'endpoints.json');
  const endpoints = await readEndpoints(file);
  const table = (id: string) => {
    const name = endpoints.tables[id];
    if (!name) throw new Error(`${file} names no ${id}: restart the backend with 'npm start'.`);
    return name;
  };
  return {
    db: localDocumentClient(endpoints),
    content: table('ContentTable'),
    friendships: table('FriendshipsTable'),
    feed: table('FeedTable'),
    where: `the local backend (${endpoints.dynamodb})`,
  };
}

async function main() {
  const tables = await configure();
  const cap = Number(process.env.FEED_CAP ?? 800);
  const parallel = Number(process.env.FEED_REBUILD_PARALLEL ?? 8);
  if (!Number.isInteger(cap) || cap < 1 || !Number.isInteger(parallel) || parallel < 1)
    throw new Error('FEED_CAP and FEED_REBUILD_PARALLEL must be positive integers.');
  if (!process.env.POWERTOOLS_LOG_LEVEL) logger.setLogLevel('WARN');
  const { db } = tables;
  const content = new ContentRepository(db, tables.content);
  const friendships = new FriendshipRepository(db, tables.friendships);
  const builder = new FeedBuilder(new FeedRepository(db, tables.feed), content, friendships, { cap });
  console.log(
    `Rebuilding ${tables.feed} from ${tables.content} and ${tables.friendships} in ${tables.where} (cap ${cap}, ${parallel} at once)`,
  );
  const result = await rebuildFeeds(builder, content.scanKeys(), {
    parallel,
    onProgress: (p) => {
      if (!p.done) console.log(`  ${p.items} items reconciled, ${(p.elapsedMs / 1000).toFixed(0)} s`);
    },
  });
  console.log(
    `Done: ${result.items} item${result.items === 1 ? '' : 's'} reconciled in ${(result.elapsedMs / 1000).toFixed(1)} s. Running it again changes nothing.`,
  );
}

main().catch((error: Error) => {
  console.error(`feeds:rebuild failed: ${error.message}`);
  process.exit(1);
});
