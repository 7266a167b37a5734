import { FriendshipRepository } from '#shared/friends/dynamo-store';
import { requireEnv } from '#shared/lambda/config';
import { friendRequestView } from '#shared/friends/model';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';
import { dynamo } from '#shared/aws/clients';

const friendships = new FriendshipRepository(dynamo, requireEnv('FRIENDSHIPS_TABLE'));

// POST /friends/{userId}: asks userId to be friends, or accepts when userId asked first. Repeating
// it answers the same state. We do not check that userId exists in Cognito (no AdminGetUser on the
// request path): a request to an unknown id just stays outgoing. A block either way is a 404; as
// unknown ids are not a 404, that tells the caller they were blocked (a known gap, see
// docs/decisions.md).
export const handler = apiRoute(routes.requestFriend, async ({ userId, params }) => {
  const other = params.userId;
  const standing = await friendships.change(userId, other, 'request');
  return { status: 200, body: friendRequestView(other, standing) };
});
