import { logger } from '#shared/core/observability';
import { sqsHandler } from '#shared/lambda/sqs';
import { pusher } from '#shared/notifications/deps';
import { flushMessageSchema } from '#shared/notifications/sqs-flush-queue';

const push = pusher();

// The push window queue: each message comes back when a recipient's window ends, and the summary
// of what waited in it is sent (shared/notifications/pusher.ts).
export const handler = sqsHandler(async (record) => {
  const parsed = flushMessageSchema.safeParse(parseJson(record.body));
  if (!parsed.success) {
    // Not a message this code sent: retrying cannot help.
    logger.error('Push window message skipped', { body: record.body.slice(0, 200) });
    return;
  }
  const outcome = await push.flush(parsed.data.recipientId, parsed.data.windowEnd);
  logger.info('Push window ended', { outcome });
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
