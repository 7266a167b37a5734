import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { jsonFileWriter } from './json-file';
import { localLog } from './log';

const log = localLog('sqs');

/** A queue of the service definition (AWS::SQS::Queue), with the properties the local queue honours. */
export interface QueueConfig {
  name: string;
  /** Seconds a received message stays invisible (AWS default 30). */
  visibilityTimeout?: number;
  /** Seconds every message waits before it can be received (AWS default 0). */
  delaySeconds?: number;
  /** After this many receives a message moves to the dead-letter queue (named). */
  redrive?: { deadLetterQueue: string; maxReceiveCount: number };
}

export interface SqsOptions {
  port: number;
  host: string;
  region: string;
  accountId: string;
  dataDir: string;
  queues: QueueConfig[];
}

export interface LocalSqs {
  endpoint: string;
  urlOf(queueName: string): string;
  arnOf(queueName: string): string;
  close(): Promise<void>;
}

interface Message {
  id: string;
  body: string;
  md5: string;
  sentAt: number;
  /** Not receivable before this time (delay, then each receive's visibility timeout). */
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** The handle of the latest receive: only it deletes or changes the message. */
  receiptHandle?: string;
}

const MAX_BODY_BYTES = 256 * 1024;
const MAX_DELAY_SECONDS = 900;
const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * The subset of SQS the service uses, over SQS's JSON protocol (AWS JSON 1.0) so the AWS SDK and
 * the AWS CLI talk to it unchanged: GetQueueUrl, ListQueues, GetQueueAttributes, SendMessage (with
 * DelaySeconds), ReceiveMessage (with long polling and a visibility timeout), DeleteMessage,
 * ChangeMessageVisibility and PurgeQueue. A message received more often than its queue's
 * maxReceiveCount moves to the dead-letter queue, as SQS's redrive policy does. Like SQS it answers
 * QueueDoesNotExist for a queue the definition does not have, and InvalidParameterValue for a delay
 * above 900 s or a body above 256 KiB. Queues persist in `<dataDir>/sqs/<name>.json`. Message
 * attributes are not emulated (refused with a message that says so). No npm emulator fits: fauxqs
 * needs Node 22.5, sqslite speaks only SQS's older XML protocol.
 */
export async function startSqs(options: SqsOptions): Promise<LocalSqs> {
  const dir = path.join(options.dataDir, 'sqs');
  await mkdir(dir, { recursive: true });
  const queues = new Map<string, { config: QueueConfig; messages: Message[] }>();
  for (const config of options.queues) {
    const file = path.join(dir, `${config.name}.json`);
    const messages = JSON.parse(await readFile(file, 'utf8').catch(() => '[]')) as Message[];
    queues.set(config.name, { config, messages });
  }
  const waiters = new Set<() => void>();
  /** Counts sends and visibility changes, so a long poll that was busy when one happened looks again. */
  let changes = 0;
  let closed = false;
  let base = '';
  const urlOf = (name: string) => `${base}/${options.accountId}/${name}`;
  const arnOf = (name: string) => `arn:aws:sqs:${options.region}:${options.accountId}:${name}`;

  const writers = new Map(
    [...queues.keys()].map((name) => [
      name,
      jsonFileWriter(path.join(dir, `${name}.json`), () => queues.get(name)!.messages),
    ]),
  );
  const save = (name: string): Promise<void> => writers.get(name)!();

  /** The queue a QueueUrl names (any host: clients may reach the server by another name). */
  const queueOf = (url: unknown) => {
    const name = typeof url === 'string' ? url.split('/').pop() : undefined;
    const queue = name ? queues.get(name) : undefined;
    if (!queue)
      throw new SqsError(
        'QueueDoesNotExist',
        'AWS.SimpleQueueService.NonExistentQueue',
        'The specified queue does not exist.',
      );
    return queue;
  };

  const intIn = (value: unknown, name: string, min: number, max: number, fallback: number): number => {
    if (value === undefined || value === null) return fallback;
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max)
      throw invalid(
        `Value ${String(value)} for parameter ${name} is invalid. Reason: must be between ${min} and ${max}.`,
      );
    return value as number;
  };

  /** Moves messages received too often to the dead-letter queue; returns the ones still receivable now. */
  const receivable = async (name: string, now: number): Promise<Message[]> => {
    const queue = queues.get(name)!;
    const redrive = queue.config.redrive;
    if (redrive) {
      const dead = queue.messages.filter((m) => m.visibleAt <= now && m.receiveCount >= redrive.maxReceiveCount);
      if (dead.length) {
        const dlq = queues.get(redrive.deadLetterQueue)!;
        queue.messages = queue.messages.filter((m) => !dead.includes(m));
        for (const m of dead) dlq.messages.push({ ...m, visibleAt: now, receiptHandle: undefined });
        await Promise.all([save(name), save(redrive.deadLetterQueue)]);
        log.warn(
          `${dead.length} message(s) of ${name} moved to ${redrive.deadLetterQueue} after ${redrive.maxReceiveCount} receives`,
        );
      }
    }
    return queue.messages.filter((m) => m.visibleAt <= now);
  };

  const actions: Record<string, (input: Record<string, unknown>) => Promise<Record<string, unknown>>> = {
    async GetQueueUrl(input) {
      const name = String(input.QueueName ?? '');
      if (!queues.has(name))
        throw new SqsError(
          'QueueDoesNotExist',
          'AWS.SimpleQueueService.NonExistentQueue',
          'The specified queue does not exist.',
        );
      return { QueueUrl: urlOf(name) };
    },
    async ListQueues(input) {
      const prefix = typeof input.QueueNamePrefix === 'string' ? input.QueueNamePrefix : '';
      return { QueueUrls: [...queues.keys()].filter((n) => n.startsWith(prefix)).map(urlOf) };
    },
    async GetQueueAttributes(input) {
      const queue = queueOf(input.QueueUrl);
      const now = Date.now();
      const { config, messages } = queue;
      const all: Record<string, string> = {
        QueueArn: arnOf(config.name),
        ApproximateNumberOfMessages: String(messages.filter((m) => m.visibleAt <= now).length),
        ApproximateNumberOfMessagesNotVisible: String(
          messages.filter((m) => m.visibleAt > now && m.receiveCount > 0).length,
        ),
        ApproximateNumberOfMessagesDelayed: String(
          messages.filter((m) => m.visibleAt > now && m.receiveCount === 0).length,
        ),
        VisibilityTimeout: String(config.visibilityTimeout ?? 30),
        DelaySeconds: String(config.delaySeconds ?? 0),
        ...(config.redrive
          ? {
              RedrivePolicy: JSON.stringify({
                deadLetterTargetArn: arnOf(config.redrive.deadLetterQueue),
                maxReceiveCount: config.redrive.maxReceiveCount,
              }),
            }
          : {}),
      };
      const names = Array.isArray(input.AttributeNames) ? (input.AttributeNames as string[]) : ['All'];
      return {
        Attributes: Object.fromEntries(Object.entries(all).filter(([k]) => names.includes('All') || names.includes(k))),
      };
    },
    async SendMessage(input) {
      const queue = queueOf(input.QueueUrl);
      const body = input.MessageBody;
      if (typeof body !== 'string' || body.length === 0)
        throw new SqsError(
          'MissingParameter',
          'MissingParameter',
          'The request must contain the parameter MessageBody.',
        );
      if (Buffer.byteLength(body) > MAX_BODY_BYTES)
        throw invalid(
          `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_BODY_BYTES} bytes.`,
        );
      if (input.MessageAttributes !== undefined || input.MessageSystemAttributes !== undefined)
        throw invalid('Message attributes are not emulated by the local SQS: put what you need in the body.');
      const delay = intIn(input.DelaySeconds, 'DelaySeconds', 0, MAX_DELAY_SECONDS, queue.config.delaySeconds ?? 0);
      const now = Date.now();
      const message: Message = {
        id: randomUUID(),
        body,
        md5: createHash('md5').update(body).digest('hex'),
        sentAt: now,
        visibleAt: now + delay * 1000,
        receiveCount: 0,
      };
      queue.messages.push(message);
      changes++;
      for (const wake of waiters) wake();
      await save(queue.config.name);
      return { MessageId: message.id, MD5OfMessageBody: message.md5 };
    },
    async ReceiveMessage(input) {
      const queue = queueOf(input.QueueUrl);
      const max = intIn(input.MaxNumberOfMessages, 'MaxNumberOfMessages', 1, 10, 1);
      const visibility = intIn(
        input.VisibilityTimeout,
        'VisibilityTimeout',
        0,
        MAX_VISIBILITY_SECONDS,
        queue.config.visibilityTimeout ?? 30,
      );
      const waitSeconds = intIn(input.WaitTimeSeconds, 'WaitTimeSeconds', 0, 20, 0);
      const deadline = Date.now() + waitSeconds * 1000;
      for (;;) {
        const seen = changes;
        const now = Date.now();
        const ready = (await receivable(queue.config.name, now)).slice(0, max);
        if (ready.length || now >= deadline || closed) {
          for (const m of ready) {
            m.receiveCount += 1;
            m.firstReceivedAt ??= now;
            m.visibleAt = now + visibility * 1000;
            m.receiptHandle = Buffer.from(`${m.id}:${randomUUID()}`).toString('base64url');
          }
          if (ready.length) await save(queue.config.name);
          return {
            Messages: ready.map((m) => ({
              MessageId: m.id,
              ReceiptHandle: m.receiptHandle,
              MD5OfBody: m.md5,
              Body: m.body,
              Attributes: {
                ApproximateReceiveCount: String(m.receiveCount),
                SentTimestamp: String(m.sentAt),
                ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt),
              },
            })),
          };
        }
        if (changes !== seen) continue;
        // Long polling: wake on a new message, or when the earliest delayed/invisible one is due.
        const next = Math.min(deadline, ...queue.messages.map((m) => m.visibleAt));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.max(1, next - Date.now()));
          function done() {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          }
          waiters.add(done);
        });
      }
    },
    async DeleteMessage(input) {
      const queue = queueOf(input.QueueUrl);
      const handle = String(input.ReceiptHandle ?? '');
      const index = queue.messages.findIndex((m) => m.receiptHandle === handle);
      if (index < 0) {
        // SQS accepts the handle of a message already deleted; a handle it never gave is refused.
        if (!/^[A-Za-z0-9_-]+$/.test(handle) || !Buffer.from(handle, 'base64url').toString().includes(':'))
          throw new SqsError(
            'ReceiptHandleIsInvalid',
            'ReceiptHandleIsInvalid',
            `The input receipt handle "${handle}" is not a valid receipt handle.`,
          );
        return {};
      }
      queue.messages.splice(index, 1);
      await save(queue.config.name);
      return {};
    },
    async ChangeMessageVisibility(input) {
      const queue = queueOf(input.QueueUrl);
      const message = queue.messages.find((m) => m.receiptHandle === input.ReceiptHandle);
      if (!message || message.visibleAt <= Date.now())
        throw new SqsError(
          'MessageNotInflight',
          'AWS.SimpleQueueService.MessageNotInflight',
          'Message does not exist or is not available for visibility timeout change.',
        );
      message.visibleAt =
        Date.now() + intIn(input.VisibilityTimeout, 'VisibilityTimeout', 0, MAX_VISIBILITY_SECONDS, 0) * 1000;
      changes++;
      for (const wake of waiters) wake();
      await save(queue.config.name);
      return {};
    },
    async PurgeQueue(input) {
      const queue = queueOf(input.QueueUrl);
      queue.messages = [];
      await save(queue.config.name);
      return {};
    },
  };

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : '';
    try {
      const handler = actions[action];
      if (!handler)
        throw new SqsError(
          'InvalidAction',
          'InvalidAction',
          `The action ${action || '(none)'} is not valid for this endpoint (local SQS implements ${Object.keys(actions).join(', ')}).`,
        );
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new SqsError('SerializationException', 'SerializationException', 'The request body is not JSON.');
      }
      const result = await handler(input);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify(result));
    } catch (error) {
      const e =
        error instanceof SqsError
          ? error
          : new SqsError('InternalError', 'InternalError', (error as Error).message, 500);
      res.writeHead(e.status, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': randomUUID(),
        'x-amzn-query-error': `${e.queryCode};${e.status >= 500 ? 'Receiver' : 'Sender'}`,
      });
      res.end(JSON.stringify({ __type: `com.amazonaws.sqs#${e.code}`, message: e.message }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  base = `http://${options.host}:${(server.address() as AddressInfo).port}`;
  return {
    endpoint: base,
    urlOf,
    arnOf,
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        for (const wake of waiters) wake();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

class SqsError extends Error {
  constructor(
    readonly code: string,
    /** The code SQS's older query protocol used, which the SDK reads from x-amzn-query-error. */
    readonly queryCode: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new SqsError('InvalidParameterValue', 'InvalidParameterValue', message);
