// The local SQS subset through the real AWS SDK client (JSON protocol): send with a delay, receive
// with long polling and a visibility timeout, delete, redrive to a dead-letter queue after
// maxReceiveCount, the attributes an operator reads, SQS's refusals, and queues that outlive a restart.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { LocalSqs, QueueConfig } from '../../infra/local/sqs';
import { localSqs } from '../support/sqs';

const QUEUES: QueueConfig[] = [
  { name: 'work', visibilityTimeout: 1, redrive: { deadLetterQueue: 'work-dlq', maxReceiveCount: 2 } },
  { name: 'work-dlq' },
  { name: 'plain' },
];
let dataDir: string;
let sqs: LocalSqs;
let client: SQSClient;

async function start(): Promise<void> {
  ({ sqs, client } = await localSqs(dataDir, QUEUES));
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'media-share-sqs-'));
  await start();
});

afterAll(async () => {
  await sqs?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const url = (name: string) => sqs.urlOf(name);
const receive = (name: string, extra: Record<string, number> = {}) =>
  client.send(new ReceiveMessageCommand({ QueueUrl: url(name), MaxNumberOfMessages: 10, ...extra }));
const counts = async (name: string) =>
  (
    await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url(name),
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    )
  ).Attributes;

it('sends, receives (the SDK checks the MD5 of each body) and deletes a message', async () => {
  const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: 'plain' }));
  expect(QueueUrl).toBe(url('plain'));
  const sent = await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'héllo' }));
  const { Messages = [] } = await receive('plain');
  expect(Messages).toEqual([
    expect.objectContaining({
      MessageId: sent.MessageId,
      Body: 'héllo',
      Attributes: expect.objectContaining({ ApproximateReceiveCount: '1' }),
    }),
  ]);
  expect(await counts('plain')).toEqual({
    ApproximateNumberOfMessages: '0',
    ApproximateNumberOfMessagesNotVisible: '1',
    ApproximateNumberOfMessagesDelayed: '0',
  });
  await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: Messages[0]!.ReceiptHandle }));
  // Deleting again with the same handle succeeds, as in SQS.
  await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: Messages[0]!.ReceiptHandle }));
  expect((await counts('plain'))?.ApproximateNumberOfMessagesNotVisible).toBe('0');
});

it('holds a delayed message back until its delay is over; a long poll returns it when it is due', async () => {
  await client.send(new SendMessageCommand({ QueueUrl: url('plain'), MessageBody: 'later', DelaySeconds: 1 }));
  const { Messages = [] } = await receive('plain', { WaitTimeSeconds: 20 });
  expect(Messages.map((m) => m.Body)).toEqual(['later']);
  // Received no sooner than its delay after it was sent, however slow this machine is.
  const { SentTimestamp, ApproximateFirstReceiveTimestamp } = Messages[0]!.Attributes!;
  expect(Number(ApproximateFirstReceiveTimestamp) - Number(SentTimestamp)).toBeGreaterThanOrEqual(1000);
  await client.send(new DeleteMessageCommand({ QueueUrl: url('plain'), ReceiptHandle: Messages[0]!.ReceiptHandle }));
});

it('gives a message received and not deleted again after its visibility timeout, then moves it to the dead-letter queue', async () => {
  await client.send(new SendMessageCommand({ QueueUrl: url('work'), MessageBody: 'poison' }));
  const receivedAt = Date.now();
  const first = await receive('work');
  expect(first.Messages?.map((m) => m.Body)).toEqual(['poison']);
  const second = await receive('work', { WaitTimeSeconds: 20 });
  // Back no sooner than the queue's visibility timeout (1 s), however slow this machine is.
  expect(Date.now() - receivedAt).toBeGreaterThanOrEqual(1000);
  expect(second.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
  // Received maxReceiveCount (2) times: when it is due again, a receive moves it to the dead-letter
  // queue instead of returning it.
  const deadline = Date.now() + 30_000;
  while ((await counts('work-dlq'))?.ApproximateNumberOfMessages !== '1') {
    if (Date.now() > deadline) throw new Error('timed out waiting for the message in the dead-letter queue');
    expect((await receive('work', { WaitTimeSeconds: 1 })).Messages ?? []).toEqual([]);
  }
  const dead = await receive('work-dlq');
  expect(dead.Messages?.map((m) => m.Body)).toEqual(['poison']);
  const attributes = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url('work'), AttributeNames: ['All'] }),
  );
  expect(JSON.parse(attributes.Attributes!.RedrivePolicy!)).toEqual({
    deadLetterTargetArn: sqs.arnOf('work-dlq'),
    maxReceiveCount: 2,
  });
  await client.send(new PurgeQueueCommand({ QueueUrl: url('work-dlq') }));
});

it('lets a consumer give a message back at once with ChangeMessageVisibility', async () => {
  await client.send(new SendMessageCommand({ QueueUrl: url('plain'), MessageBody: 'retry me' }));
  const { Messages = [] } = await receive('plain', { VisibilityTimeout: 600 });
  await client.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: url('plain'),
      ReceiptHandle: Messages[0]!.ReceiptHandle,
      VisibilityTimeout: 0,
    }),
  );
  const again = await receive('plain');
  expect(again.Messages?.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([['retry me', '2']]);
  await client.send(
    new DeleteMessageCommand({ QueueUrl: url('plain'), ReceiptHandle: again.Messages![0]!.ReceiptHandle }),
  );
});

it('refuses what SQS refuses: an unknown queue, a delay above 900 s, a body above 256 KiB, a foreign receipt handle', async () => {
  await expect(client.send(new GetQueueUrlCommand({ QueueName: 'nope' }))).rejects.toBeInstanceOf(QueueDoesNotExist);
  await expect(
    client.send(new SendMessageCommand({ QueueUrl: url('plain').replace(/plain$/, 'nope'), MessageBody: 'x' })),
  ).rejects.toBeInstanceOf(QueueDoesNotExist);
  await expect(
    client.send(new SendMessageCommand({ QueueUrl: url('plain'), MessageBody: 'x', DelaySeconds: 901 })),
  ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  await expect(
    client.send(new SendMessageCommand({ QueueUrl: url('plain'), MessageBody: 'x'.repeat(256 * 1024 + 1) })),
  ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  await expect(
    client.send(new DeleteMessageCommand({ QueueUrl: url('plain'), ReceiptHandle: 'not a handle' })),
  ).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
  const { QueueUrls = [] } = await client.send(new ListQueuesCommand({}));
  expect(QueueUrls.sort()).toEqual(QUEUES.map((q) => url(q.name)).sort());
});

it('keeps its messages across a restart', async () => {
  await client.send(new SendMessageCommand({ QueueUrl: url('plain'), MessageBody: 'durable' }));
  await sqs.close();
  await start();
  const { Messages = [] } = await receive('plain');
  expect(Messages.map((m) => m.Body)).toEqual(['durable']);
});
