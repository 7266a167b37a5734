import { FriendshipRepository } from '#shared/friends/dynamo-store';
import { requireEnv } from '#shared/lambda/config';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';
import { dynamo } from '#shared/aws/clients';

const friendships = new FriendshipRepository(dynamo, requireEnv('FRIENDSHIPS_TABLE'));

// DELETE /blocks/{userId}: lifts the caller's own block on userId (a block by userId on the caller
// stays). 204 whether or not there was one. No friendship comes back: it was dropped by the block.
export const handler = apiRoute(routes.unblockUser, async ({ userId, params }) => {
  const other = params.userId;
  await friendships.change(userId, other, 'unblock');
  return { status: 204 };
});
