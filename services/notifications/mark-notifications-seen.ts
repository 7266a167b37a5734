import { dynamo } from '#shared/aws/clients';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';
import { requireEnv } from '#shared/lambda/config';
import { NotificationRepository } from '#shared/notifications/dynamo-store';

const notifications = new NotificationRepository(dynamo, requireEnv('NOTIFICATIONS_TABLE'));

// POST /notifications/seen: everything up to `upTo` counts as seen (the mark never moves back).
export const handler = apiRoute(routes.markNotificationsSeen, async ({ userId, body: { upTo } }) => {
  await notifications.markSeen(userId, upTo);
  return { status: 204 };
});
