import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { dynamo, sns, sqs } from '#shared/aws/clients';
import { ContentAccess } from '#shared/content/access';
import { ContentRepository } from '#shared/content/dynamo-store';
import { DeviceRepository } from '#shared/devices/dynamo-store';
import { FriendshipRepository } from '#shared/friends/dynamo-store';
import { requireEnv, requireIntEnv } from '#shared/lambda/config';
import { NotificationRepository } from '#shared/notifications/dynamo-store';
import { DynamoPushWindows } from '#shared/notifications/dynamo-windows';
import { InboxReader } from '#shared/notifications/inbox';
import { Notifier } from '#shared/notifications/notifier';
import { Pusher } from '#shared/notifications/pusher';
import { SnsPushSender } from '#shared/notifications/sns-push';
import { SqsFlushScheduler } from '#shared/notifications/sqs-flush-queue';
import { UserRepository } from '#shared/users/dynamo-store';
import { DEFAULT_NOTIFICATION_PREFERENCES } from '#shared/users/model';

/**
 * The clients and configuration the notifications' use cases are wired from: the handlers' own
 * by default; tests that replay stream records pass the local stack's.
 */
export interface Wiring {
  dynamo: DynamoDBDocumentClient;
  sns: SNSClient;
  sqs: SQSClient;
  env: NodeJS.ProcessEnv;
}

const handlers = (): Wiring => ({ dynamo, sns, sqs, env: process.env });

/** The inbox reader of GET /notifications, checking entries with the access rule every read uses. */
export function inboxReader({ dynamo, env }: Pick<Wiring, 'dynamo' | 'env'> = handlers()): InboxReader {
  const friendships = new FriendshipRepository(dynamo, requireEnv('FRIENDSHIPS_TABLE', env));
  const content = new ContentRepository(dynamo, requireEnv('CONTENT_TABLE', env));
  return new InboxReader(
    new NotificationRepository(dynamo, requireEnv('NOTIFICATIONS_TABLE', env)),
    new ContentAccess(content, friendships),
    friendships,
  );
}

/** The push path of the notifier and the flusher. */
export function pusher(wiring: Wiring = handlers()): Pusher {
  const { dynamo, sns, sqs, env } = wiring;
  const friendships = new FriendshipRepository(dynamo, requireEnv('FRIENDSHIPS_TABLE', env));
  const content = new ContentRepository(dynamo, requireEnv('CONTENT_TABLE', env));
  const users = new UserRepository(dynamo, requireEnv('USERS_TABLE', env));
  const inbox = inboxReader(wiring);
  return new Pusher(
    {
      windows: new DynamoPushWindows(dynamo, requireEnv('NOTIFICATIONS_TABLE', env)),
      flushes: new SqsFlushScheduler(sqs, requireEnv('PUSH_WINDOW_QUEUE_URL', env)),
      devices: new DeviceRepository(dynamo, requireEnv('DEVICES_TABLE', env)),
      sender: new SnsPushSender(sns),
      audience: {
        preferences: async (userId) => ({
          ...DEFAULT_NOTIFICATION_PREFERENCES,
          ...(await users.get(userId))?.notificationPreferences,
        }),
        displayNames: (userIds) => users.displayNames(userIds),
      },
      checks: new ContentAccess(content, friendships),
      friendships,
      badge: (userId) => inbox.unseen(userId),
    },
    requireIntEnv('NOTIFY_WINDOW_SECONDS', env),
  );
}

/** The notifier of the Content and Friendships streams: inbox entries, then the push path. */
export function notifier(wiring: Wiring = handlers()): Notifier {
  return new Notifier(
    new NotificationRepository(wiring.dynamo, requireEnv('NOTIFICATIONS_TABLE', wiring.env)),
    new FriendshipRepository(wiring.dynamo, requireEnv('FRIENDSHIPS_TABLE', wiring.env)),
    requireIntEnv('NOTIFY_WINDOW_SECONDS', wiring.env),
    pusher(wiring),
  );
}
