// The feed's shared modules, loaded in the test's own process against the local stack's DynamoDB
// Local (for tests that drive the builder, trimmer and reader themselves, on tables of their own).
import { useLocalDynamoDb, type Endpoints } from '../../scripts/lib/client';

export async function loadFeedModules(endpoints: Endpoints) {
  // Before the imports: the modules make their DynamoDB client when loaded.
  useLocalDynamoDb(endpoints);
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  return {
    ...(await import('../../shared/adapters/content-repository')),
    ...(await import('../../shared/adapters/friendship-repository')),
    ...(await import('../../shared/adapters/feed-repository')),
    ...(await import('../../shared/adapters/content-access')),
    ...(await import('../../shared/feed/builder')),
    ...(await import('../../shared/feed/trimmer')),
    ...(await import('../../shared/feed/reader')),
    ...(await import('../../shared/feed/rebuild')),
    ...(await import('../../shared/domain/content')),
    ...(await import('../../shared/adapters/clients')),
  };
}

export type FeedModules = Awaited<ReturnType<typeof loadFeedModules>>;
