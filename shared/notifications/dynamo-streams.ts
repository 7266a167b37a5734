// The notifier as a stream record handler: a Content or Friendships stream record in, the
// notifier's use case on the item or edge images out.
import type { DynamoDBRecord } from 'aws-lambda';
import { contentFromImage } from '#shared/content/dynamo-layout';
import { logger } from '#shared/core/observability';
import { edgeFromImage } from '#shared/friends/dynamo-streams';
import type { Notifier } from '#shared/notifications/notifier';

/** One record of the Content or Friendships stream; throws to have it retried. */
export function notifierRecordHandler(notifier: Notifier): (record: DynamoDBRecord) => Promise<void> {
  return async (record) => {
    const keys = record.dynamodb?.Keys ?? {};
    const events = keys.contentId
      ? await notifier.onContentChange(
          contentFromImage(record.dynamodb?.OldImage),
          contentFromImage(record.dynamodb?.NewImage),
        )
      : keys.userId && keys.friendId
        ? await notifier.onEdgeChange(
            edgeFromImage(record.dynamodb?.OldImage),
            edgeFromImage(record.dynamodb?.NewImage),
          )
        : undefined;
    if (events === undefined)
      logger.warn('Stream record of an unknown table skipped', { eventSourceARN: record.eventSourceARN });
    else if (events.length) logger.info('Inbox entries recorded', { type: events[0]!.type, recipients: events.length });
  };
}
