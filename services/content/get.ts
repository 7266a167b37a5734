import { contentDeps } from '#shared/adapters/content-deps';
import { contentParamsSchema } from '#shared/domain/content';
import { etagOf } from '#shared/domain/content-edit';
import { contentView } from '#shared/domain/content-view';
import { NotFoundError } from '#shared/errors';
import { apiHandler, json, validate } from '#shared/http/api';

const { access, sign } = contentDeps();

// GET /content/{id}: the item as this viewer may see it. Anything they may not see gets the same
// 404 as a missing id, so ids cannot be probed.
export const handler = apiHandler(async ({ event, userId }) => {
  const { id: contentId } = validate(contentParamsSchema, event.pathParameters ?? {});
  const visible = await access.one(userId, contentId);
  if (!visible) throw new NotFoundError('Content not found.');
  return json(200, await contentView(visible.item, visible.relationship, sign), {
    'cache-control': 'private, no-store',
    ...(visible.relationship === 'self' ? { etag: etagOf(visible.item.version) } : {}),
  });
});
