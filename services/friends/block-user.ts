import { FriendshipRepository } from '#shared/friends/dynamo-store';
import { requireEnv } from '#shared/lambda/config';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';
import { dynamo } from '#shared/aws/clients';

const friendships = new FriendshipRepository(dynamo, requireEnv('FRIENDSHIPS_TABLE'));

// POST /blocks/{userId}: drops any friendship or request with userId and hides both from each
// other. 204, also when the block was already there.
export const handler = apiRoute(routes.blockUser, async ({ userId, params }) => {
  const other = params.userId;
  await friendships.change(userId, other, 'block');
  return { status: 204 };
});
