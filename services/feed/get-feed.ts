import { contentDeps } from '#shared/adapters/content-deps';
import { FeedRepository } from '#shared/adapters/feed-repository';
import { requireEnv } from '#shared/config';
import { contentView } from '#shared/domain/content-view';
import { FeedReader } from '#shared/feed/reader';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';
import { dynamo } from '#shared/adapters/clients';

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
