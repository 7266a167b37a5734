import { ContentRepository } from '#shared/adapters/content-repository';
import { FriendshipRepository } from '#shared/adapters/friendship-repository';
import { UserRepository } from '#shared/adapters/user-repository';
import { requireEnv } from '#shared/config';
import { publicProfile, userParamsSchema } from '#shared/domain/profile';
import { canView } from '#shared/domain/visibility';
import { NotFoundError } from '#shared/errors';
import { apiHandler, json, validate } from '#shared/http/api';

const users = new UserRepository(requireEnv('USERS_TABLE'));
const friendships = new FriendshipRepository(requireEnv('FRIENDSHIPS_TABLE'));
const content = new ContentRepository(requireEnv('CONTENT_TABLE'));

// GET /users/{id}: a user's public profile and how the caller stands to them. A block either way
// gets the same 404 as a user without a profile, so nobody learns that they are blocked. The avatar
// is shown only to a caller who may see that picture (the same rule as GET /content/{id}).
export const handler = apiHandler(async ({ event, userId }) => {
  const { id } = validate(userParamsSchema, event.pathParameters);
  const [profile, relationship] = await Promise.all([users.get(id), friendships.relationship(userId, id)]);
  if (!profile || relationship === 'blocked') throw new NotFoundError('User not found.');
  const avatar = profile.avatarContentId ? await content.get(profile.avatarContentId) : undefined;
  const shown = avatar && avatar.ownerId === id && canView(relationship, avatar) ? profile : { ...profile, avatarContentId: undefined };
  return json(200, publicProfile(shown, relationship), { 'cache-control': 'private, no-store' });
});
