import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';
import { inboxReader } from '#shared/notifications/deps';

const inbox = inboxReader();

// GET /notifications: the caller's inbox, newest first, each entry checked as it is served.
export const handler = apiRoute(routes.listNotifications, async ({ userId, query: { limit, cursor } }) => {
  return { status: 200, body: await inbox.page(userId, cursor, limit) };
});
