import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '#shared/http/errors';
import { logger } from '#shared/core/observability';
import {
  isMutualFriend,
  transition,
  type EdgePair,
  type FriendshipAction,
  type FriendshipEdge,
  type Standing,
} from '#shared/friends/model';
import type { Relationship } from '#shared/content/visibility';
import type { FriendshipStore } from '#shared/friends/ports';
import { batchGetAll, queryAll } from '#shared/aws/dynamo';

/** What an edge (viewer -> other) means for what the viewer may see of the other's content. */
export function relationshipOf(viewerId: string, otherId: string, edge: FriendshipEdge | undefined): Relationship {
  if (viewerId === otherId) return 'self';
  if (!edge) return 'none';
  if (edge.blocking || edge.blockedBy) return 'blocked';
  if (edge.state === 'accepted') return 'friend';
  if (edge.state === 'outgoing' || edge.state === 'incoming') return 'pending';
  return 'none';
}

/** How often a pair write is tried when another write of the same pair got in between. */
const PAIR_WRITE_ATTEMPTS = 6;

/** The Friendships table: how users stand to each other, and changing it one pair at a time. */
export class FriendshipRepository implements FriendshipStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async edge(userId: string, friendId: string): Promise<FriendshipEdge | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { userId, friendId }, ConsistentRead: true }),
    );
    return out.Item as FriendshipEdge | undefined;
  }

  async relationship(viewerId: string, otherId: string): Promise<Relationship> {
    if (viewerId === otherId) return 'self';
    return relationshipOf(viewerId, otherId, await this.edge(viewerId, otherId));
  }

  /** How the viewer stands to each of `others` (one BatchGetItem per 100, unprocessed keys retried). */
  async relationships(viewerId: string, others: string[]): Promise<Map<string, Relationship>> {
    const result = new Map<string, Relationship>();
    const wanted = [...new Set(others)].filter((id) => {
      if (id !== viewerId) return true;
      result.set(id, 'self');
      return false;
    });
    const keys = wanted.map((friendId) => ({ userId: viewerId, friendId }));
    const edges = new Map(
      (await batchGetAll<FriendshipEdge>(this.db, this.tableName, keys, { consistent: true })).map((e) => [
        e.friendId,
        e,
      ]),
    );
    for (const id of wanted) result.set(id, relationshipOf(viewerId, id, edges.get(id)));
    return result;
  }

  /** Every edge of the user's partition: one Query, followed through all its pages (no Scan). */
  async edgesOf(userId: string): Promise<FriendshipEdge[]> {
    return queryAll<FriendshipEdge>(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'userId = :u',
      ExpressionAttributeValues: { ':u': userId },
      ConsistentRead: true,
    });
  }

  /** The user's mutual friends (ids, sorted), read consistently. */
  async mutualFriends(userId: string): Promise<string[]> {
    return (await this.edgesOf(userId))
      .filter(isMutualFriend)
      .map((e) => e.friendId)
      .sort();
  }

  /** Both edges of a pair, [a -> b, b -> a], read consistently. */
  async pair(a: string, b: string): Promise<EdgePair> {
    return Promise.all([this.edge(a, b), this.edge(b, a)]);
  }

  /**
   * Applies `action` of `actorId` on `targetId` (shared/friends/model.ts) and returns how the
   * actor stands afterwards. Read both edges, decide, write both in one transaction conditional on
   * the versions read. When another write of the pair got in between (B asked A while A asked B),
   * the transaction is cancelled; reading again and deciding on what is there now turns the two
   * requests into an accepted friendship instead of losing one. Domain refusals are thrown.
   */
  async change(
    actorId: string,
    targetId: string,
    action: FriendshipAction,
    now: () => Date = () => new Date(),
  ): Promise<Standing> {
    for (let attempt = 1; ; attempt++) {
      const before = await this.pair(actorId, targetId);
      const result = transition(action, actorId, targetId, before, now());
      if (!result.ok) throw result.error;
      if (!result.changed) return result.standing;
      try {
        await this.writePair(actorId, targetId, before, result.next);
        return result.standing;
      } catch (error) {
        if (!isLostRace(error)) throw error;
        if (attempt >= PAIR_WRITE_ATTEMPTS)
          throw new ConflictError('The friendship changed concurrently too often; try again.');
        logger.info('Friendship pair changed since it was read; reading it again', { action, attempt });
        await pairBackoff(attempt);
      }
    }
  }

  /**
   * One TransactWriteItems for both edges: each Put or Delete is conditional on the version that
   * was read (or on the item still being absent); an edge that was and stays absent is guarded by a
   * ConditionCheck, so a concurrent creation of it cancels the transaction too.
   */
  private async writePair(a: string, b: string, before: EdgePair, after: EdgePair): Promise<void> {
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          this.writeOf({ userId: a, friendId: b }, before[0], after[0]),
          this.writeOf({ userId: b, friendId: a }, before[1], after[1]),
        ],
      }),
    );
  }

  private writeOf(
    key: { userId: string; friendId: string },
    before: FriendshipEdge | undefined,
    after: FriendshipEdge | undefined,
  ) {
    if (!before) {
      const absent = { TableName: this.tableName, ConditionExpression: 'attribute_not_exists(userId)' };
      return after ? { Put: { ...absent, Item: after } } : { ConditionCheck: { ...absent, Key: key } };
    }
    // An edge stored without a version (written by something else) is taken as version 0.
    const unchanged =
      before.version === undefined
        ? {
            ConditionExpression: 'attribute_exists(userId) AND attribute_not_exists(#v)',
            ExpressionAttributeNames: { '#v': 'version' },
          }
        : {
            ConditionExpression: '#v = :v',
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':v': before.version },
          };
    return after
      ? { Put: { TableName: this.tableName, Item: after, ...unchanged } }
      : { Delete: { TableName: this.tableName, Key: key, ...unchanged } };
  }
}

/** A pair write cancelled because another write of the same pair came first. */
function isLostRace(error: unknown): boolean {
  if ((error as Error | undefined)?.name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict');
}

/** Exponential backoff with full jitter, between attempts of a pair write. */
function pairBackoff(attempt: number, baseMs = 50, capMs = 2000): Promise<void> {
  const ms = Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
