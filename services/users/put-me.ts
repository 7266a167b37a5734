import { ContentRepository } from '#shared/adapters/content-repository';
import { UserRepository } from '#shared/adapters/user-repository';
import { requireEnv } from '#shared/config';
import { avatarProblem, meView, putProfileSchema } from '#shared/domain/profile';
import { BadRequestError } from '#shared/errors';
import { apiHandler, json, parseJsonBody } from '#shared/http/api';

const users = new UserRepository(requireEnv('USERS_TABLE'));
const content = new ContentRepository(requireEnv('CONTENT_TABLE'));

// PUT /me: creates or replaces the caller's profile (createdAt is kept). An avatar must be one of
// the caller's own READY pictures.
export const handler = apiHandler(async ({ event, userId }) => {
  const input = parseJsonBody(event, putProfileSchema);
  if (input.avatarContentId) {
    const problem = avatarProblem(userId, await content.get(input.avatarContentId));
    if (problem) throw new BadRequestError('Request validation failed.', [{ path: 'avatarContentId', message: problem }]);
  }
  return json(200, meView(userId, await users.save(userId, input)));
});
