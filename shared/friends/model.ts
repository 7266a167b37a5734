import { z } from 'zod';
import { DomainError } from '#shared/core/errors';

// The Friendships table holds one edge per direction: (userId, friendId) is userId's side of the
// relation with friendId. Both edges of a pair are always written together, in one transaction.

type EdgeState = 'none' | 'outgoing' | 'incoming' | 'accepted';

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
  /** When the pending request was made (outgoing and incoming only). */
  requestedAt?: string;
  updatedAt: string;
  /** Optimistic concurrency: every write of the pair is conditional on both versions. */
  version: number;
}

/** Whether the edge's owner and its friendId are mutual friends (accepted, no block either way). */
export function isMutualFriend(edge: FriendshipEdge | undefined): edge is FriendshipEdge {
  return Boolean(edge && edge.state === 'accepted' && !edge.blocking && !edge.blockedBy);
}

/** The two edges of a pair as stored: [a -> b, b -> a]; undefined = no item. */
export type EdgePair = readonly [FriendshipEdge | undefined, FriendshipEdge | undefined];

export type FriendshipAction = 'request' | 'remove' | 'block' | 'unblock';

/** How `a` stands to `b`, read from both edges of the pair. */
export interface Standing {
  state: EdgeState;
  /** a blocks b. */
  blocking: boolean;
  /** b blocks a. */
  blockedBy: boolean;
  since?: string;
  requestedAt?: string;
}

/** Befriending, blocking or unfriending yourself: a client error. */
export class SelfRelationshipError extends DomainError {
  constructor() {
    super('invalid', 'SELF_RELATIONSHIP', 'You cannot befriend, block or unfriend yourself.', [
      { path: 'userId', message: 'must not be your own user id' },
    ]);
  }
}

/**
 * A friend request across a block, in either direction. It gets the same 404 an unknown user
 * would get, so a user cannot find out that someone blocks them.
 */
export class UserUnavailableError extends DomainError {
  constructor() {
    super('not-found', 'NOT_FOUND', 'User not found.');
  }
}

type FriendshipError = SelfRelationshipError | UserUnavailableError;

export type TransitionResult =
  | {
      ok: true;
      /** False when the pair already is what the action asks for (idempotent repeat): nothing to write. */
      changed: boolean;
      /** The edges to store; undefined = the item is deleted (or stays absent). */
      next: EdgePair;
      /** How the actor stands to the other after the action. */
      standing: Standing;
    }
  | { ok: false; error: FriendshipError };

const NOTHING: Standing = { state: 'none', blocking: false, blockedBy: false };

function mirrorState(state: EdgeState): EdgeState {
  if (state === 'outgoing') return 'incoming';
  if (state === 'incoming') return 'outgoing';
  return state;
}

/**
 * How a stands to b. A block on either edge counts (and means no friendship). Both edges are
 * always written together, so they agree; should they not (a pair written by something else, half
 * of it), the friendship counts as none, and the next action rewrites both edges consistently.
 */
export function standingOf([ab, ba]: EdgePair): Standing {
  const blocking = Boolean(ab?.blocking || ba?.blockedBy);
  const blockedBy = Boolean(ab?.blockedBy || ba?.blocking);
  if (blocking || blockedBy) return { state: 'none', blocking, blockedBy };
  const state = ab?.state ?? 'none';
  if (state === 'none' || mirrorState(ba?.state ?? 'none') !== state) return NOTHING;
  if (state === 'accepted') return withDefined({ state, blocking, blockedBy, since: ab?.since ?? ba?.since });
  return withDefined({ state, blocking, blockedBy, requestedAt: ab?.requestedAt ?? ba?.requestedAt });
}

/**
 * The rules, on the pair (a -> b, b -> a) where a acts on b:
 * - request: none -> a outgoing / b incoming; b already asked (a incoming) -> both accepted with
 *   `since`; already outgoing or accepted -> unchanged. Refused across a block either way.
 * - remove: unfriends, cancels a request or declines one: both sides none. A block is kept as is.
 * - block: drops any friendship or request, a blocking / b blockedBy (b's own block, if any, stays).
 * - unblock: only a's own block goes; b's block on a, if any, stays.
 * Edges left with no state and no block are deleted, not kept. Acting on yourself is refused.
 */
export function transition(
  action: FriendshipAction,
  actorId: string,
  targetId: string,
  pair: EdgePair,
  now: Date,
): TransitionResult {
  if (actorId === targetId) return { ok: false, error: new SelfRelationshipError() };
  const current = standingOf(pair);
  const at = now.toISOString();
  let next: Standing;
  switch (action) {
    case 'request':
      if (current.blocking || current.blockedBy) return { ok: false, error: new UserUnavailableError() };
      if (current.state === 'incoming') next = { state: 'accepted', blocking: false, blockedBy: false, since: at };
      else if (current.state === 'none')
        next = { state: 'outgoing', blocking: false, blockedBy: false, requestedAt: at };
      else next = current;
      break;
    case 'remove':
      next = current.blocking || current.blockedBy ? current : NOTHING;
      break;
    case 'block':
      next = { state: 'none', blocking: true, blockedBy: current.blockedBy };
      break;
    case 'unblock':
      next = { ...current, blocking: false };
      break;
  }
  const edges = edgesFor(actorId, targetId, next, pair, at);
  return {
    ok: true,
    changed: !sameEdge(pair[0], edges[0]) || !sameEdge(pair[1], edges[1]),
    next: edges,
    standing: next,
  };
}

/** The two edges that store `standing` (a's view), versions one above what was read. */
function edgesFor(a: string, b: string, standing: Standing, [ab, ba]: EdgePair, updatedAt: string): EdgePair {
  const mirrored: Standing = {
    ...standing,
    state: mirrorState(standing.state),
    blocking: standing.blockedBy,
    blockedBy: standing.blocking,
  };
  return [edge(a, b, standing, ab, updatedAt), edge(b, a, mirrored, ba, updatedAt)];
}

function edge(
  userId: string,
  friendId: string,
  s: Standing,
  previous: FriendshipEdge | undefined,
  updatedAt: string,
): FriendshipEdge | undefined {
  if (s.state === 'none' && !s.blocking && !s.blockedBy) return undefined;
  return withDefined({
    userId,
    friendId,
    state: s.state,
    blocking: s.blocking,
    blockedBy: s.blockedBy,
    since: s.state === 'accepted' ? s.since : undefined,
    requestedAt: s.state === 'outgoing' || s.state === 'incoming' ? s.requestedAt : undefined,
    updatedAt,
    version: (previous?.version ?? 0) + 1,
  });
}

/** Same meaning (ignoring updatedAt and version). */
function sameEdge(x: FriendshipEdge | undefined, y: FriendshipEdge | undefined): boolean {
  if (!x || !y) return x === y;
  return (
    x.userId === y.userId &&
    x.friendId === y.friendId &&
    x.state === y.state &&
    Boolean(x.blocking) === Boolean(y.blocking) &&
    Boolean(x.blockedBy) === Boolean(y.blockedBy) &&
    x.since === y.since &&
    x.requestedAt === y.requestedAt
  );
}

function withDefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** What POST /friends/{userId} answers: how the caller now stands to that user. */
export const friendRequestViewSchema = z.object({
  userId: z.string(),
  state: z.enum(['outgoing', 'accepted']),
  requestedAt: z.iso.datetime().optional(),
  since: z.iso.datetime().optional(),
});
export type FriendRequestView = z.output<typeof friendRequestViewSchema>;

export function friendRequestView(targetId: string, standing: Standing): FriendRequestView {
  // A successful request always leaves the pair outgoing or accepted.
  const state = standing.state === 'accepted' ? 'accepted' : 'outgoing';
  return withDefined({ userId: targetId, state, requestedAt: standing.requestedAt, since: standing.since });
}

const friendEntrySchema = z.object({
  userId: z.string(),
  since: z.iso.datetime().optional(),
  requestedAt: z.iso.datetime().optional(),
  displayName: z.string().optional(),
});
type FriendEntry = z.output<typeof friendEntrySchema>;

/** GET /friends. `blocked` lists only the users the caller blocks, never who blocks the caller. */
export const friendListsSchema = z.object({
  friends: z.array(friendEntrySchema),
  incoming: z.array(friendEntrySchema),
  outgoing: z.array(friendEntrySchema),
  blocked: z.array(z.object({ userId: z.string() })),
});
export type FriendLists = z.output<typeof friendListsSchema>;

/** The caller's edges sorted into lists, with display names where a profile has one. */
export function friendLists(edges: readonly FriendshipEdge[], displayNames: ReadonlyMap<string, string>): FriendLists {
  const lists: FriendLists = { friends: [], incoming: [], outgoing: [], blocked: [] };
  for (const e of edges) {
    if (e.blocking) {
      lists.blocked.push({ userId: e.friendId });
      continue;
    }
    if (e.blockedBy) continue;
    const entry = (extra: Partial<FriendEntry>): FriendEntry =>
      withDefined({ userId: e.friendId, ...extra, displayName: displayNames.get(e.friendId) });
    if (e.state === 'accepted') lists.friends.push(entry({ since: e.since }));
    else if (e.state === 'incoming') lists.incoming.push(entry({ requestedAt: e.requestedAt }));
    else if (e.state === 'outgoing') lists.outgoing.push(entry({ requestedAt: e.requestedAt }));
  }
  return lists;
}

/** The users whose display names a friend list shows (everyone listed except the blocked). */
export function listedUserIds(edges: readonly FriendshipEdge[]): string[] {
  return edges.filter((e) => !e.blocking && !e.blockedBy && e.state !== 'none').map((e) => e.friendId);
}
