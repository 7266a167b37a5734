// SQS event-source mappings against the local SQS, driven with the AWS SDK: delivery in Lambda's
// SQS event shape, deletes on success, partial batch responses, whole-batch retries on a function
// error, and the redrive to the dead-letter queue of a message that keeps failing.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { LocalSqs } from '../../infra/local/sqs';
import { type SqsMapping, type SqsMappingConfig, startSqsMapping } from '../../infra/local/sqs-mappings';
import { localSqs } from '../support/sqs';

let dataDir: string;
let sqs: LocalSqs;
let client: SQSClient;
const mappings: SqsMapping[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'media-share-sqs-mappings-'));
  ({ sqs, client } = await localSqs(dataDir, [
    { name: 'ok' },
    { name: 'partial', visibilityTimeout: 1 },
    { name: 'failing', visibilityTimeout: 1, redrive: { deadLetterQueue: 'failing-dlq', maxReceiveCount: 2 } },
    { name: 'failing-dlq' },
  ]));
});

afterAll(async () => {
  await Promise.all(mappings.map((m) => m.stop()));
  await sqs?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function map(queue: string, invoke: SqsMappingConfig['invoke'], extra: Partial<SqsMappingConfig> = {}): void {
  mappings.push(
    startSqsMapping(
      {
        functionName: 'fn',
        queueUrl: sqs.urlOf(queue),
        queueArn: sqs.arnOf(queue),
        region: 'us-east-1',
        invoke,
        ...extra,
      },
      sqs.endpoint,
    ),
  );
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const send = (queue: string, body: string) =>
  client.send(new SendMessageCommand({ QueueUrl: sqs.urlOf(queue), MessageBody: body }));
const depth = async (queue: string) => {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: sqs.urlOf(queue),
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return Object.values(Attributes).reduce((sum, n) => sum + Number(n), 0);
};

it("hands messages over in Lambda's SQS event shape and deletes them once the function succeeds", async () => {
  const records: SQSRecord[] = [];
  map('ok', async (event: SQSEvent) => {
    records.push(...event.Records);
  });
  const sent = await send('ok', '{"recipientId":"ben"}');
  await waitFor('the delivery', () => records.length === 1);
  expect(records[0]).toEqual({
    messageId: sent.MessageId,
    receiptHandle: expect.any(String),
    body: '{"recipientId":"ben"}',
    attributes: expect.objectContaining({
      ApproximateReceiveCount: '1',
      SentTimestamp: expect.stringMatching(/^\d+$/),
    }),
    messageAttributes: {},
    md5OfBody: sent.MD5OfMessageBody,
    eventSource: 'aws:sqs',
    eventSourceARN: sqs.arnOf('ok'),
    awsRegion: 'us-east-1',
  });
  await waitFor('the message deleted', async () => (await depth('ok')) === 0);
});

it('retries only the messages a partial batch response names', async () => {
  const seen: string[] = [];
  map(
    'partial',
    async (event: SQSEvent) => {
      seen.push(...event.Records.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`));
      return {
        batchItemFailures: event.Records.filter(
          (r) => r.body === 'b' && r.attributes.ApproximateReceiveCount === '1',
        ).map((r) => ({ itemIdentifier: r.messageId })),
      };
    },
    { reportBatchItemFailures: true },
  );
  await send('partial', 'a');
  await send('partial', 'b');
  await waitFor('b delivered a second time', () => seen.includes('b#2'));
  expect(seen.filter((s) => s.startsWith('a'))).toEqual(['a#1']);
  await waitFor('both deleted', async () => (await depth('partial')) === 0);
});

it('returns the whole batch on a function error, and after maxReceiveCount the message lands in the dead-letter queue', async () => {
  let calls = 0;
  map('failing', async () => {
    calls++;
    throw new Error('boom');
  });
  await send('failing', 'poison');
  await waitFor('two failed deliveries', () => calls >= 2);
  await waitFor('the message in the dead-letter queue', async () => (await depth('failing-dlq')) === 1, 30_000);
  const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: sqs.urlOf('failing-dlq') }));
  expect(Messages.map((m) => m.Body)).toEqual(['poison']);
  expect(calls).toBe(2);
});
