// What content access and the feed's use cases need of the Friendships table: the DynamoDB store
// (shared/friends/dynamo-store.ts) implements it, and so do the in-memory fakes of tests/support.
import type { EdgePair } from '#shared/friends/model';
import type { Relationship } from '#shared/content/visibility';

/** The Friendships table, as the feed and content access read it. */
export interface FriendshipStore {
  /** The user's mutual friends (ids, sorted). */
  mutualFriends(userId: string): Promise<string[]>;
  /** Both edges of a pair, [a -> b, b -> a]. */
  pair(a: string, b: string): Promise<EdgePair>;
  relationship(viewerId: string, otherId: string): Promise<Relationship>;
  relationships(viewerId: string, others: string[]): Promise<Map<string, Relationship>>;
}
