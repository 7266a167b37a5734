import { FriendshipRepository } from '#shared/adapters/friendship-repository';
import { UserRepository } from '#shared/adapters/user-repository';
import { requireEnv } from '#shared/config';
import { friendLists, listedUserIds } from '#shared/domain/friendship';
import { apiHandler, json } from '#shared/http/api';

const friendships = new FriendshipRepository(requireEnv('FRIENDSHIPS_TABLE'));
const users = new UserRepository(requireEnv('USERS_TABLE'));

// GET /friends: the caller's friends, pending requests both ways and the users the caller blocks,
// from one Query on the caller's partition; display names from the Users table (BatchGet).
export const handler = apiHandler(async ({ userId }) => {
  const edges = await friendships.edgesOf(userId);
  const names = await users.displayNames(listedUserIds(edges));
  return json(200, friendLists(edges, names), { 'cache-control': 'private, no-store' });
});
