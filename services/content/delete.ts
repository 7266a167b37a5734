import { contentDeps } from '#shared/adapters/content-deps';
import { contentParamsSchema } from '#shared/domain/content';
import { HttpError, NotFoundError } from '#shared/errors';
import { apiHandler, validate } from '#shared/http/api';

const { access, content } = contentDeps();

// DELETE /content/{id}: the owner's item disappears at once (soft delete); the Content stream
// drives the rest: files, then the item itself (services/content/cleanup.ts).
export const handler = apiHandler(async ({ event, userId }) => {
  const { id: contentId } = validate(contentParamsSchema, event.pathParameters ?? {});
  const visible = await access.one(userId, contentId);
  if (!visible) throw new NotFoundError('Content not found.');
  if (visible.relationship !== 'self') throw new HttpError(403, 'Only the owner can delete this content.');
  if (!(await content.softDelete(contentId, userId))) throw new NotFoundError('Content not found.');
  return { statusCode: 204 };
});
