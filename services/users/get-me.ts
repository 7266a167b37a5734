import { UserRepository } from '#shared/adapters/user-repository';
import { requireEnv } from '#shared/config';
import { meView } from '#shared/domain/profile';
import { apiHandler, json } from '#shared/http/api';

const users = new UserRepository(requireEnv('USERS_TABLE'));

// GET /me: the caller's profile; before the first PUT /me, the defaults (nothing is written).
export const handler = apiHandler(async ({ userId }) => {
  return json(200, meView(userId, await users.get(userId)), { 'cache-control': 'private, no-store' });
});
