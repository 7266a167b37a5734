import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { FlushScheduler } from '#shared/notifications/ports';

/** SQS delays a message by at most 15 minutes: the longest push window. */
const MAX_WINDOW_SECONDS = 900;

/** The body of a flush message: whose window, ending when (epoch ms). */
export const flushMessageSchema = z.strictObject({
  recipientId: z.string().min(1).max(128),
  windowEnd: z.number().int().nonnegative(),
});

/**
 * Window ends as messages on an SQS delay queue: each comes back to the flusher when its window
 * ends. A message sent twice for one window is harmless (the flush is claimed once).
 */
export class SqsFlushScheduler implements FlushScheduler {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async schedule(userId: string, windowEnd: number, delaySeconds: number): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify({ recipientId: userId, windowEnd }),
        DelaySeconds: Math.min(Math.max(delaySeconds, 0), MAX_WINDOW_SECONDS),
      }),
    );
  }
}
