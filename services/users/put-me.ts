import { ContentRepository } from '#shared/content/dynamo-store';
import { UserRepository } from '#shared/users/dynamo-store';
import { requireEnv } from '#shared/lambda/config';
import { avatarProblem, meView } from '#shared/users/model';
import { ValidationError } from '#shared/http/errors';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';
import { dynamo } from '#shared/aws/clients';

const users = new UserRepository(dynamo, requireEnv('USERS_TABLE'));
const content = new ContentRepository(dynamo, requireEnv('CONTENT_TABLE'));

// PUT /me: creates or replaces the caller's profile (createdAt is kept). An avatar must be one of
// the caller's own READY pictures.
export const handler = apiRoute(routes.putMe, async ({ userId, body: input }) => {
  if (input.avatarContentId) {
    const problem = avatarProblem(userId, await content.get(input.avatarContentId));
    if (problem) throw new ValidationError([{ path: 'avatarContentId', message: problem }]);
  }
  return { status: 200, body: meView(userId, await users.save(userId, input)) };
});
