import { contentDeps } from '#shared/content/deps';
import { galleryCursorKeySchema } from '#shared/content/dynamo-layout';
import { contentView } from '#shared/content/view';
import { decodeCursor, encodeCursor } from '#shared/core/cursor';
import { galleryIndexFor } from '#shared/content/visibility';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';

const { access, content, friendships, sign } = contentDeps();

// GET /users/{id}/content?limit&cursor: a user's pictures as this viewer may see them, newest
// first. Each audience reads its own sparse index (no FilterExpression, so pages are full), and
// the page is checked again against the items' current state (indexes are eventually consistent),
// so a visibility change or an unfriend applies to the very next request. A blocked viewer gets
// the same empty gallery as for a user with no pictures.
export const handler = apiRoute(
  routes.listUserContent,
  async ({ userId, params: { id: ownerId }, query: { limit, cursor } }) => {
    const relationship = await friendships.relationship(userId, ownerId);
    const index = galleryIndexFor(relationship);
    if (!index) return { status: 200, body: { items: [] } };
    const scope = `${index}:${ownerId}`;
    const page = await content.galleryPage(
      index,
      ownerId,
      limit,
      decodeCursor(scope, cursor, galleryCursorKeySchema(index, ownerId)),
    );
    const visible = await access.many(
      userId,
      page.items.map((i) => i.contentId),
    );
    return {
      status: 200,
      body: {
        items: await Promise.all(visible.map((v) => contentView(v.item, v.relationship, sign))),
        ...(page.lastKey ? { cursor: encodeCursor(scope, page.lastKey) } : {}),
      },
      headers: { 'cache-control': 'private, no-store' },
    };
  },
);
