// What an import line means for the stored items: merging repeated lines, and deciding per item
// whether it must be written at all. Pure: the importer reads the stored items, asks these
// functions, and writes only what they return. Comparing before writing is what makes an import
// idempotent: the second run of a file (or a redelivered S3 event) finds every item equal and
// writes nothing.
import type { FriendshipEdge } from '#shared/friends/model';
import { DEFAULT_NOTIFICATION_PREFERENCES, type NotificationPreferences, type Profile } from '#shared/users/model';
import type { FriendshipLine, UserLine } from './line-format';

/** What a user line says about its user (the last line for that user in the file). */
export interface UserPatch {
  displayName: string;
  avatarContentId?: string;
  notificationPreferences?: Partial<NotificationPreferences>;
}

export function userPatch(line: UserLine): UserPatch {
  return {
    displayName: line.displayName,
    ...(line.avatarContentId !== undefined ? { avatarContentId: line.avatarContentId } : {}),
    ...(line.notificationPreferences !== undefined ? { notificationPreferences: line.notificationPreferences } : {}),
  };
}

/** A Users item as read back: a Profile, possibly with attributes this importer does not manage. */
export type StoredUser = Profile & Record<string, unknown>;

/**
 * The Users item to write for `patch`, or undefined when the stored item already says the same.
 * Fields a line leaves out keep their stored value (defaults for a new user); attributes the
 * importer does not manage are kept (a Put replaces the whole item). createdAt is kept,
 * updatedAt bumped only when something changed.
 */
export function planUser(
  userId: string,
  patch: UserPatch,
  stored: Record<string, unknown> | undefined,
  now: string,
): StoredUser | undefined {
  const storedPrefs = (stored?.notificationPreferences ?? {}) as Partial<
    Record<keyof NotificationPreferences, unknown>
  >;
  const notificationPreferences: NotificationPreferences = {
    newContent: pickBoolean(
      patch.notificationPreferences?.newContent,
      storedPrefs.newContent,
      DEFAULT_NOTIFICATION_PREFERENCES.newContent,
    ),
    friendRequests: pickBoolean(
      patch.notificationPreferences?.friendRequests,
      storedPrefs.friendRequests,
      DEFAULT_NOTIFICATION_PREFERENCES.friendRequests,
    ),
    friendAccepts: pickBoolean(
      patch.notificationPreferences?.friendAccepts,
      storedPrefs.friendAccepts,
      DEFAULT_NOTIFICATION_PREFERENCES.friendAccepts,
    ),
  };
  const storedAvatar = typeof stored?.avatarContentId === 'string' ? stored.avatarContentId : undefined;
  const avatarContentId = patch.avatarContentId ?? storedAvatar;
  if (
    stored &&
    stored.displayName === patch.displayName &&
    stored.avatarContentId === avatarContentId &&
    storedPrefs.newContent === notificationPreferences.newContent &&
    storedPrefs.friendRequests === notificationPreferences.friendRequests &&
    storedPrefs.friendAccepts === notificationPreferences.friendAccepts &&
    // Exactly these three: an item stored before friendAccepts existed (two keys) is rewritten
    // once with the default, and an item with extra keys is cleaned up.
    Object.keys(storedPrefs).length === 3
  ) {
    return undefined;
  }
  const { avatarContentId: _dropped, ...kept } = stored ?? {};
  return {
    ...kept,
    userId,
    displayName: patch.displayName,
    ...(avatarContentId !== undefined ? { avatarContentId } : {}),
    notificationPreferences,
    createdAt: typeof stored?.createdAt === 'string' ? stored.createdAt : now,
    updatedAt: now,
  };
}

function pickBoolean(line: boolean | undefined, stored: unknown, fallback: boolean): boolean {
  if (line !== undefined) return line;
  return typeof stored === 'boolean' ? stored : fallback;
}

export type PairPlan =
  /** An existing edge of the pair has a block: the import never touches such a pair. */
  | { outcome: 'blocked' }
  | { outcome: 'unchanged' }
  /** The edges that differ from what is stored (one or both). */
  | { outcome: 'write'; edges: FriendshipEdge[] };

type EdgeContent = Omit<FriendshipEdge, 'updatedAt' | 'version'>;

const EDGE_ATTRIBUTES = new Set([
  'userId',
  'friendId',
  'state',
  'blocking',
  'blockedBy',
  'since',
  'requestedAt',
  'updatedAt',
  'version',
]);

/**
 * Both edges of a friendship line, compared with the stored ones (`ab`: userId -> friendId,
 * `ba`: friendId -> userId), in the shape the friendship API writes (shared/friends/model.ts):
 * - accepted: both edges accepted with one `since`, kept from a stored accepted edge, else now;
 * - requested: userId's edge outgoing, friendId's incoming, with one `requestedAt`, kept from a
 *   stored edge already pending that way round, else now.
 * A written edge has exactly the FriendshipEdge attributes and the stored version + 1.
 */
export function planFriendship(
  line: FriendshipLine,
  ab: FriendshipEdge | undefined,
  ba: FriendshipEdge | undefined,
  now: string,
): PairPlan {
  if (ab?.blocking || ab?.blockedBy || ba?.blocking || ba?.blockedBy) return { outcome: 'blocked' };
  const base = { blocking: false, blockedBy: false };
  let wanted: [EdgeContent, EdgeContent];
  if (line.status === 'accepted') {
    const since = kept(ab, 'accepted', 'since') ?? kept(ba, 'accepted', 'since') ?? now;
    wanted = [
      { userId: line.userId, friendId: line.friendId, state: 'accepted', ...base, since },
      { userId: line.friendId, friendId: line.userId, state: 'accepted', ...base, since },
    ];
  } else {
    const requestedAt = kept(ab, 'outgoing', 'requestedAt') ?? kept(ba, 'incoming', 'requestedAt') ?? now;
    wanted = [
      { userId: line.userId, friendId: line.friendId, state: 'outgoing', ...base, requestedAt },
      { userId: line.friendId, friendId: line.userId, state: 'incoming', ...base, requestedAt },
    ];
  }
  const edges: FriendshipEdge[] = [];
  for (const [want, stored] of [
    [wanted[0], ab],
    [wanted[1], ba],
  ] as const) {
    if (stored && sameEdge(stored, want)) continue;
    edges.push({ ...want, updatedAt: now, version: typeof stored?.version === 'number' ? stored.version + 1 : 1 });
  }
  return edges.length ? { outcome: 'write', edges } : { outcome: 'unchanged' };
}

function kept(
  edge: FriendshipEdge | undefined,
  state: FriendshipEdge['state'],
  field: 'since' | 'requestedAt',
): string | undefined {
  const value = edge?.state === state ? edge[field] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** Same content (bookkeeping aside) and exactly the FriendshipEdge shape. */
export function sameEdge(stored: FriendshipEdge, want: EdgeContent): boolean {
  return (
    stored.state === want.state &&
    stored.blocking === want.blocking &&
    stored.blockedBy === want.blockedBy &&
    stored.since === want.since &&
    stored.requestedAt === want.requestedAt &&
    typeof stored.version === 'number' &&
    typeof stored.updatedAt === 'string' &&
    Object.keys(stored).every((k) => EDGE_ATTRIBUTES.has(k))
  );
}

/** In-memory keys (ids cannot contain control characters, see line-format.ts). */
export const edgeKey = (userId: string, friendId: string) => `${userId}\u0000${friendId}`;
/** A pair of users, whichever way round a line names them: a later line for the pair wins. */
export const pairKey = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);
