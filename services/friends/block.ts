import { FriendshipRepository } from '#shared/adapters/friendship-repository';
import { requireEnv } from '#shared/config';
import { otherUserParamsSchema } from '#shared/domain/profile';
import { apiHandler, validate } from '#shared/http/api';

const friendships = new FriendshipRepository(requireEnv('FRIENDSHIPS_TABLE'));

// POST /blocks/{userId}: drops any friendship or request with userId and hides both from each
// other. 204, also when the block was already there.
export const handler = apiHandler(async ({ event, userId }) => {
  const { userId: other } = validate(otherUserParamsSchema, event.pathParameters);
  await friendships.change(userId, other, 'block');
  return { statusCode: 204 };
});
