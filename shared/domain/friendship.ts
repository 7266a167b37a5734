// The Friendships table holds one edge per direction: (userId, friendId) is userId's side of the
// relation with friendId. Both edges of a pair are always written together, in one transaction.

export type EdgeState = 'none' | 'outgoing' | 'incoming' | 'accepted';

export interface FriendshipEdge {
  userId: string;
  friendId: string;
  /** outgoing: userId asked friendId; incoming: friendId asked userId; accepted: mutual friends. */
  state: EdgeState;
  /** userId blocks friendId. */
  blocking: boolean;
  /** friendId blocks userId. */
  blockedBy: boolean;
  /** When the friendship was accepted. */
  since?: string;
  updatedAt: string;
  /** Optimistic concurrency: every write of the pair is conditional on both versions. */
  version: number;
}
