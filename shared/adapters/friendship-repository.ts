import { BatchGetCommand, GetCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '#shared/adapters/clients';
import type { FriendshipEdge } from '#shared/domain/friendship';
import type { Relationship } from '#shared/domain/visibility';

/** What an edge (viewer -> other) means for what the viewer may see of the other's content. */
export function relationshipOf(viewerId: string, otherId: string, edge: FriendshipEdge | undefined): Relationship {
  if (viewerId === otherId) return 'self';
  if (!edge) return 'none';
  if (edge.blocking || edge.blockedBy) return 'blocked';
  if (edge.state === 'accepted') return 'friend';
  if (edge.state === 'outgoing' || edge.state === 'incoming') return 'pending';
  return 'none';
}

/** The Friendships table: reading how users stand to each other. */
export class FriendshipRepository {
  constructor(private readonly tableName: string) {}

  async edge(userId: string, friendId: string): Promise<FriendshipEdge | undefined> {
    const out = await dynamo.send(new GetCommand({ TableName: this.tableName, Key: { userId, friendId }, ConsistentRead: true }));
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
    const edges = new Map<string, FriendshipEdge>();
    for (let i = 0; i < wanted.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = wanted.slice(i, i + 100).map((friendId) => ({ userId: viewerId, friendId }));
      for (let attempt = 0; keys?.length; attempt++) {
        if (attempt > 0) await backoff(attempt);
        const out: BatchGetCommandOutput = await dynamo.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of out.Responses?.[this.tableName] ?? []) edges.set((item as FriendshipEdge).friendId, item as FriendshipEdge);
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys;
        if (attempt > 8 && keys?.length) throw new Error(`BatchGetItem left ${keys.length} keys unprocessed after ${attempt} retries`);
      }
    }
    for (const id of wanted) result.set(id, relationshipOf(viewerId, id, edges.get(id)));
    return result;
  }
}

/** Exponential backoff with full jitter, for UnprocessedKeys/UnprocessedItems retries. */
export function backoff(attempt: number, baseMs = 50, capMs = 2000): Promise<void> {
  const ms = Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
