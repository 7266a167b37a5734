import { FriendshipRepository } from '#shared/adapters/friendship-repository';
import { requireEnv } from '#shared/config';
import { otherUserParamsSchema } from '#shared/domain/profile';
import { apiHandler, validate } from '#shared/http/api';

const friendships = new FriendshipRepository(requireEnv('FRIENDSHIPS_TABLE'));

// DELETE /friends/{userId}: unfriends, cancels the caller's request or declines userId's.
// 204 whether or not there was anything; a block is left as it is (and not revealed).
export const handler = apiHandler(async ({ event, userId }) => {
  const { userId: other } = validate(otherUserParamsSchema, event.pathParameters);
  await friendships.change(userId, other, 'remove');
  return { statusCode: 204 };
});
