import { contentDeps } from '#shared/adapters/content-deps';
import { FeedRepository } from '#shared/adapters/feed-repository';
import { requireEnv } from '#shared/config';
import { contentView } from '#shared/domain/content-view';
import { feedQuerySchema } from '#shared/domain/feed';
import { FeedReader } from '#shared/feed/reader';
import { apiHandler, json, validate } from '#shared/http/api';

const { access, content, friendships, sign } = contentDeps();
const reader = new FeedReader(new FeedRepository(requireEnv('FEED_TABLE')), content, friendships, access);

// GET /feed?limit&cursor: the caller's feed, newest first: their own items, their friends'
// friends-only items and everyone's public items, READY only, each checked against its current
// visibility and the current friendship before it is served (shared/feed/reader.ts).
export const handler = apiHandler(async ({ event, userId }) => {
  const { limit, cursor } = validate(feedQuerySchema, event.queryStringParameters ?? {});
  const page = await reader.page(userId, limit, cursor);
  return json(
    200,
    {
      items: await Promise.all(page.items.map((v) => contentView(v.item, v.relationship, sign))),
      ...(page.cursor ? { cursor: page.cursor } : {}),
    },
    { 'cache-control': 'private, no-store' },
  );
});
