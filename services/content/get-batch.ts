import { contentDeps } from '#shared/adapters/content-deps';
import { bulkGetQuerySchema } from '#shared/domain/content';
import { contentView } from '#shared/domain/content-view';
import { apiHandler, json, validate } from '#shared/http/api';

const { access, sign } = contentDeps();

// GET /content?ids=a,b,c: up to 100 items at once. Ids the viewer may not see, or that do not
// exist, are simply absent from the answer.
export const handler = apiHandler(async ({ event, userId }) => {
  const { ids } = validate(bulkGetQuerySchema, event.queryStringParameters ?? {});
  const visible = await access.many(userId, ids);
  return json(200, { items: await Promise.all(visible.map((v) => contentView(v.item, v.relationship, sign))) }, { 'cache-control': 'private, no-store' });
});
