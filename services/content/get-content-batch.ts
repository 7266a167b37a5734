import { contentDeps } from '#shared/content/deps';
import { contentView } from '#shared/content/view';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';

const { access, sign } = contentDeps();

// GET /content?ids=a,b,c: up to 100 items at once. Ids the viewer may not see, or that do not
// exist, are simply absent from the answer.
export const handler = apiRoute(routes.getContentBatch, async ({ userId, query: { ids } }) => {
  const visible = await access.many(userId, ids);
  return {
    status: 200,
    body: { items: await Promise.all(visible.map((v) => contentView(v.item, v.relationship, sign))) },
    headers: { 'cache-control': 'private, no-store' },
  };
});
