import { FriendshipRepository } from '#shared/friends/dynamo-store';
import { UserRepository } from '#shared/users/dynamo-store';
import { requireEnv } from '#shared/lambda/config';
import { friendLists, listedUserIds } from '#shared/friends/model';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';
import { dynamo } from '#shared/aws/clients';

const friendships = new FriendshipRepository(dynamo, requireEnv('FRIENDSHIPS_TABLE'));
const users = new UserRepository(dynamo, requireEnv('USERS_TABLE'));

// GET /friends: the caller's friends, pending requests both ways and the users the caller blocks,
// from one Query on the caller's partition; display names from the Users table (BatchGet).
export const handler = apiRoute(routes.listFriends, async ({ userId }) => {
  const edges = await friendships.edgesOf(userId);
  const names = await users.displayNames(listedUserIds(edges));
  return { status: 200, body: friendLists(edges, names), headers: { 'cache-control': 'private, no-store' } };
});
