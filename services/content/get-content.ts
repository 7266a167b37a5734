import { contentDeps } from '#shared/content/deps';
import { etagOf } from '#shared/content/edit';
import { contentView } from '#shared/content/view';
import { NotFoundError } from '#shared/http/errors';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';

const { access, sign } = contentDeps();

// GET /content/{id}: the item as this viewer may see it. Anything they may not see gets the same
// 404 as a missing id, so ids cannot be probed.
export const handler = apiRoute(routes.getContent, async ({ userId, params: { id: contentId } }) => {
  const visible = await access.one(userId, contentId);
  if (!visible) throw new NotFoundError('Content not found.');
  return {
    status: 200,
    body: await contentView(visible.item, visible.relationship, sign),
    headers: {
      'cache-control': 'private, no-store',
      ...(visible.relationship === 'self' ? { etag: etagOf(visible.item.version) } : {}),
    },
  };
});
