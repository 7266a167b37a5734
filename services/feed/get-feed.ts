import { contentDeps } from '#shared/content/deps';
import { FeedRepository } from '#shared/feed/dynamo-store';
import { requireEnv } from '#shared/lambda/config';
import { contentView } from '#shared/content/view';
import { FeedReader } from '#shared/feed/reader';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';
import { dynamo } from '#shared/aws/clients';

const { access, content, friendships, sign } = contentDeps();
const reader = new FeedReader(new FeedRepository(dynamo, requireEnv('FEED_TABLE')), content, friendships, access);

// GET /feed?limit&cursor: the caller's feed, newest first: their own items, their friends'
// friends-only items and everyone's public items, READY only, each checked against its current
// visibility and the current friendship before it is served (shared/feed/reader.ts).
export const handler = apiRoute(routes.getFeed, async ({ userId, query: { limit, cursor } }) => {
  const page = await reader.page(userId, limit, cursor);
  return {
    status: 200,
    body: {
      items: await Promise.all(page.items.map((v) => contentView(v.item, v.relationship, sign))),
      ...(page.cursor ? { cursor: page.cursor } : {}),
    },
    headers: { 'cache-control': 'private, no-store' },
  };
});
