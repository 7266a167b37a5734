import { FriendshipRepository } from '#shared/friends/dynamo-store';
import { requireEnv } from '#shared/lambda/config';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';
import { dynamo } from '#shared/aws/clients';

const friendships = new FriendshipRepository(dynamo, requireEnv('FRIENDSHIPS_TABLE'));

// DELETE /friends/{userId}: unfriends, cancels the caller's request or declines userId's.
// 204 whether or not there was anything; a block is left as it is (and not revealed).
export const handler = apiRoute(routes.removeFriend, async ({ userId, params }) => {
  const other = params.userId;
  await friendships.change(userId, other, 'remove');
  return { status: 204 };
});
