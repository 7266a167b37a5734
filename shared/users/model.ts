import { z } from 'zod';

export interface NotificationPreferences {
  newContent: boolean;
  friendRequests: boolean;
  /** A friend request the user sent was accepted. */
  friendAccepts: boolean;
}

/** An item of the Users table. */
export interface Profile {
  userId: string;
  displayName: string;
  avatarContentId?: string;
  notificationPreferences: NotificationPreferences;
  createdAt: string;
  updatedAt: string;
}

export const DISPLAY_NAME_MAX = 80;

export const DEFAULT_NOTIFICATION_PREFERENCES: NotificationPreferences = {
  newContent: true,
  friendRequests: true,
  friendAccepts: true,
};

export const displayNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(DISPLAY_NAME_MAX)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters');

/**
 * A user id as it appears in a path (/friends/{userId}, /users/{id}): Cognito subs are UUIDs;
 * the characters allowed leave room for other identity providers' ids but nothing that could
 * split a key or a path (no '/', '#', whitespace or control characters).
 */
export const userIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._@+=:-]+$/, 'must contain only letters, digits and . _ @ + = : -');

/**
 * PUT /me: the whole editable profile (PUT replaces; an absent or null avatar means none).
 * friendAccepts came later and is optional so that older clients keep working: being a
 * replacement, an absent value means the default (true), not the stored value.
 */
export const putProfileSchema = z.strictObject({
  displayName: displayNameSchema,
  avatarContentId: z.uuid().nullable().optional(),
  notificationPreferences: z.strictObject({
    newContent: z.boolean(),
    friendRequests: z.boolean(),
    friendAccepts: z.boolean().optional(),
  }),
});

export type ProfileInput = z.infer<typeof putProfileSchema>;

/**
 * GET /me and PUT /me. A user who never saved a profile gets the defaults without anything being
 * written: displayName and avatarContentId are null (an empty name is not a valid name), and
 * createdAt/updatedAt are absent.
 */
export const meViewSchema = z
  .object({
    userId: z.string(),
    displayName: z.string().nullable(),
    avatarContentId: z.string().nullable(),
    notificationPreferences: z.object({
      newContent: z.boolean(),
      friendRequests: z.boolean(),
      friendAccepts: z.boolean(),
    }),
    createdAt: z.iso.datetime().optional(),
    updatedAt: z.iso.datetime().optional(),
  })
  .meta({ id: 'Me' });
export type MeView = z.output<typeof meViewSchema>;

export function meView(userId: string, profile: Profile | undefined): MeView {
  if (!profile)
    return {
      userId,
      displayName: null,
      avatarContentId: null,
      notificationPreferences: { ...DEFAULT_NOTIFICATION_PREFERENCES },
    };
  return {
    userId,
    displayName: profile.displayName,
    avatarContentId: profile.avatarContentId ?? null,
    notificationPreferences: { ...DEFAULT_NOTIFICATION_PREFERENCES, ...profile.notificationPreferences },
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
  };
}

/** How the viewer stands to a profile they may see (blocked users get a 404 instead). */
export type ProfileRelationship = 'self' | 'friend' | 'pending' | 'none';

/** GET /users/{id}: what anyone not blocked may see of a user. */
export const publicProfileSchema = z.object({
  userId: z.string(),
  displayName: z.string(),
  avatar: z.object({ contentId: z.string() }).optional(),
  relationship: z.enum(['self', 'friend', 'pending', 'none']),
});
export type PublicProfile = z.output<typeof publicProfileSchema>;

export function publicProfile(profile: Profile, relationship: ProfileRelationship): PublicProfile {
  return {
    userId: profile.userId,
    displayName: profile.displayName,
    ...(profile.avatarContentId ? { avatar: { contentId: profile.avatarContentId } } : {}),
    relationship,
  };
}

/**
 * Why a content item cannot be this user's avatar, or undefined when it can: it must be the user's
 * own picture, READY and not deleted. Someone else's item gets the same reason as a missing one,
 * so content ids cannot be probed through this check.
 */
export function avatarProblem(
  userId: string,
  item: { ownerId: string; status: string; deletedAt?: string } | undefined,
): string | undefined {
  if (!item || item.ownerId !== userId || item.deletedAt || item.status === 'DELETED') {
    return 'must be the id of one of your own pictures';
  }
  if (item.status !== 'READY') return `must be a processed picture (this one is ${item.status})`;
  return undefined;
}

/** Path parameters of the routes on another user: /friends/{userId}, /blocks/{userId}. */
export const otherUserParamsSchema = z.object({ userId: userIdSchema });

/** Path parameters of GET /users/{id}. */
export const userParamsSchema = z.object({ id: userIdSchema });
