import { dynamo } from '#shared/aws/clients';
import { ContentAccess } from '#shared/content/access';
import { ContentRepository } from '#shared/content/dynamo-store';
import { FriendshipRepository } from '#shared/friends/dynamo-store';
import { requireEnv } from '#shared/lambda/config';
import { NotificationRepository } from '#shared/notifications/dynamo-store';
import { InboxReader } from '#shared/notifications/inbox';

/** The inbox reader of GET /notifications, checking entries with the access rule every read uses. */
export function inboxReader(): InboxReader {
  const friendships = new FriendshipRepository(dynamo, requireEnv('FRIENDSHIPS_TABLE'));
  const content = new ContentRepository(dynamo, requireEnv('CONTENT_TABLE'));
  return new InboxReader(
    new NotificationRepository(dynamo, requireEnv('NOTIFICATIONS_TABLE')),
    new ContentAccess(content, friendships),
    friendships,
  );
}
