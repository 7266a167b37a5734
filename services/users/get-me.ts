import { UserRepository } from '#shared/users/dynamo-store';
import { requireEnv } from '#shared/lambda/config';
import { meView } from '#shared/users/model';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';
import { dynamo } from '#shared/aws/clients';

const users = new UserRepository(dynamo, requireEnv('USERS_TABLE'));

// GET /me: the caller's profile; before the first PUT /me, the defaults (nothing is written).
export const handler = apiRoute(routes.getMe, async ({ userId }) => ({
  status: 200,
  body: meView(userId, await users.get(userId)),
  headers: { 'cache-control': 'private, no-store' },
}));
