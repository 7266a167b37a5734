import { FriendshipRepository } from '#shared/adapters/friendship-repository';
import { requireEnv } from '#shared/config';
import { otherUserParamsSchema } from '#shared/domain/profile';
import { apiHandler, validate } from '#shared/http/api';

const friendships = new FriendshipRepository(requireEnv('FRIENDSHIPS_TABLE'));

// DELETE /blocks/{userId}: lifts the caller's own block on userId (a block by userId on the caller
// stays). 204 whether or not there was one. No friendship comes back: it was dropped by the block.
export const handler = apiHandler(async ({ event, userId }) => {
  const { userId: other } = validate(otherUserParamsSchema, event.pathParameters);
  await friendships.change(userId, other, 'unblock');
  return { statusCode: 204 };
});
