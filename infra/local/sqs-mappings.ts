// SQS event-source mappings, as Lambda's pollers run them: long-poll the queue, hand up to
// `batchSize` messages to the function in Lambda's SQS event shape, delete what succeeded. A
// function error returns the whole batch to the queue (visible again after its visibility timeout);
// with ReportBatchItemFailures only the messages the response names go back. What keeps failing
// reaches the queue's dead-letter queue through its redrive policy, as in AWS.
import { DeleteMessageCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { errMessage, localLog } from './log';

const log = localLog('sqs');

export interface SqsMappingConfig {
  functionName: string;
  queueUrl: string;
  queueArn: string;
  region: string;
  /** Messages per invocation (Lambda's default for SQS: 10). */
  batchSize?: number;
  /** The function answers `{batchItemFailures: [{itemIdentifier}]}` for the messages to retry. */
  reportBatchItemFailures?: boolean;
  /** Invokes the function synchronously, as the poller does; rejects on a function error. */
  invoke(event: SQSEvent): Promise<unknown>;
}

export interface SqsMapping {
  stop(): Promise<void>;
}

export function startSqsMapping(config: SqsMappingConfig, endpoint: string): SqsMapping {
  const client = new SQSClient({
    endpoint,
    region: config.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let stopping = false;
  const abort = new AbortController();

  const poll = async () => {
    while (!stopping) {
      let messages: Message[];
      try {
        const out = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: config.queueUrl,
            MaxNumberOfMessages: Math.min(10, config.batchSize ?? 10),
            WaitTimeSeconds: 20,
            MessageSystemAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        messages = out.Messages ?? [];
      } catch (error) {
        if (stopping) return;
        log.warn(`${config.functionName} <- ${config.queueArn}: receive failed: ${errMessage(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      if (messages.length) await deliver(messages);
    }
  };

  const deliver = async (messages: Message[]) => {
    const event: SQSEvent = { Records: messages.map((m) => toLambdaRecord(m, config)) };
    let retry: Set<string>;
    try {
      const response = await config.invoke(event);
      retry = config.reportBatchItemFailures ? failedIds(response, messages) : new Set();
    } catch (error) {
      log.warn(
        `${config.functionName} <- ${config.queueArn}: batch of ${messages.length} failed: ${errMessage(error)}`,
      );
      return; // every message becomes visible again after its visibility timeout
    }
    for (const m of messages) {
      if (retry.has(m.MessageId!)) continue;
      await client.send(new DeleteMessageCommand({ QueueUrl: config.queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  };

  const running = poll();
  return {
    async stop() {
      stopping = true;
      abort.abort();
      await running;
      client.destroy();
    },
  };
}

/**
 * The messages a partial batch response names. As in Lambda, a response that names an id not in
 * the batch, or is not of that shape, fails the whole batch.
 */
function failedIds(response: unknown, messages: Message[]): Set<string> {
  const all = new Set(messages.map((m) => m.MessageId!));
  if (response === null || response === undefined || typeof response !== 'object') return new Set();
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return all;
  const ids = failures.map((f) => (f as { itemIdentifier?: unknown })?.itemIdentifier);
  if (ids.some((id) => typeof id !== 'string' || !all.has(id))) return all;
  return new Set(ids as string[]);
}

/** A received message in the shape Lambda hands to a function. */
function toLambdaRecord(m: Message, config: SqsMappingConfig): SQSRecord {
  const a = m.Attributes ?? {};
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: config.queueArn,
    awsRegion: config.region,
  };
}
