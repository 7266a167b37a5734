import { ContentRepository } from '#shared/content/dynamo-store';
import { FriendshipRepository } from '#shared/friends/dynamo-store';
import { UserRepository } from '#shared/users/dynamo-store';
import { requireEnv } from '#shared/lambda/config';
import { publicProfile } from '#shared/users/model';
import { canView } from '#shared/content/visibility';
import { NotFoundError } from '#shared/http/errors';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';
import { dynamo } from '#shared/aws/clients';

const users = new UserRepository(dynamo, requireEnv('USERS_TABLE'));
const friendships = new FriendshipRepository(dynamo, requireEnv('FRIENDSHIPS_TABLE'));
const content = new ContentRepository(dynamo, requireEnv('CONTENT_TABLE'));

// GET /users/{id}: a user's public profile and how the caller stands to them. A block either way
// gets the same 404 as a user without a profile, so nobody learns that they are blocked. The avatar
// is shown only to a caller who may see that picture (the same rule as GET /content/{id}).
export const handler = apiRoute(routes.getUser, async ({ userId, params: { id } }) => {
  const [profile, relationship] = await Promise.all([users.get(id), friendships.relationship(userId, id)]);
  if (!profile || relationship === 'blocked') throw new NotFoundError('User not found.');
  const avatar = profile.avatarContentId ? await content.get(profile.avatarContentId) : undefined;
  const shown =
    avatar && avatar.ownerId === id && canView(relationship, avatar)
      ? profile
      : { ...profile, avatarContentId: undefined };
  return { status: 200, body: publicProfile(shown, relationship), headers: { 'cache-control': 'private, no-store' } };
});
