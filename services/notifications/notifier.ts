import { dynamo } from '#shared/aws/clients';
import { FriendshipRepository } from '#shared/friends/dynamo-store';
import { requireEnv, requireIntEnv } from '#shared/lambda/config';
import { streamHandler } from '#shared/lambda/stream';
import { NotificationRepository } from '#shared/notifications/dynamo-store';
import { notifierRecordHandler } from '#shared/notifications/dynamo-streams';
import { Notifier } from '#shared/notifications/notifier';

const notifier = new Notifier(
  new NotificationRepository(dynamo, requireEnv('NOTIFICATIONS_TABLE')),
  new FriendshipRepository(dynamo, requireEnv('FRIENDSHIPS_TABLE')),
  requireIntEnv('NOTIFY_WINDOW_SECONDS'),
);

// Content and Friendships streams -> inbox entries (shared/notifications/notifier.ts). Entry keys
// are deterministic and pictures a set, so a redelivered or replayed record changes nothing.
export const handler = streamHandler(notifierRecordHandler(notifier));
