import { contentDeps } from '#shared/content/deps';
import { ForbiddenError, NotFoundError } from '#shared/http/errors';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';

const { access, content } = contentDeps();

// DELETE /content/{id}: the owner's item disappears at once (soft delete); the Content stream
// drives the rest: files, then the item itself (services/content/content-cleanup.ts).
export const handler = apiRoute(routes.deleteContent, async ({ userId, params: { id: contentId } }) => {
  const visible = await access.one(userId, contentId);
  if (!visible) throw new NotFoundError('Content not found.');
  if (visible.relationship !== 'self') throw new ForbiddenError('Only the owner can delete this content.');
  if (!(await content.softDelete(contentId, userId))) throw new NotFoundError('Content not found.');
  return { status: 204 };
});
