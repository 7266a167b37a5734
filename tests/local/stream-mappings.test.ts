// DynamoDB Streams event-source mappings against a real DynamoDB Local: delivery in Lambda's event
// shape, partial batch responses, bisect + bounded retries + on-failure destination, and restarts.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteItemCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../infra/local/dynamodb';
import { ensureTables } from '../../infra/local/dynamodb-tables';
import { checkpointFile, failureFile, type StreamFailureRecord } from '../../infra/local/stream-files';
import { toLambdaRecord } from '../../infra/local/stream-records';
import { interpretBatchResponse } from '../../infra/local/stream-shard';
import { startStreamMapping, type StreamMapping, type StreamMappingConfig } from '../../infra/local/streams';

const REGION = 'us-east-1';
let ddbLocal: DynamoDbLocal;
let client: DynamoDBClient;
const tmpDirs: string[] = [];
const mappings: StreamMapping[] = [];

beforeAll(async () => {
  ddbLocal = await startDynamoDbLocal({ port: 0 });
  client = new DynamoDBClient({
    endpoint: ddbLocal.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(mappings.map((m) => m.stop()));
  client?.destroy();
  await ddbLocal?.stop();
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
}, 30_000);

// ---------------------------------------------------------------------------------------------

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stream-mappings-'));
  tmpDirs.push(dir);
  return dir;
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function createTable(name: string): Promise<string> {
  await ensureTables(client, [
    {
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    },
  ]);
  const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
  return Table!.LatestStreamArn!;
}

async function put(
  table: string,
  pk: string,
  n: number,
  extra: Record<string, { S: string } | { B: Uint8Array }> = {},
): Promise<void> {
  await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, n: { N: String(n) }, ...extra } }));
}

function config(
  over: Partial<StreamMappingConfig> & Pick<StreamMappingConfig, 'functionName' | 'tableName'>,
): StreamMappingConfig {
  return {
    batchSize: 10,
    startingPosition: 'TRIM_HORIZON',
    maximumRetryAttempts: -1,
    bisectBatchOnFunctionError: false,
    reportBatchItemFailures: false,
    ...over,
  };
}

async function start(
  cfg: StreamMappingConfig,
  dir: string,
  invoke: (e: DynamoDBStreamEvent) => Promise<unknown>,
): Promise<StreamMapping> {
  const m = await startStreamMapping({
    config: cfg,
    dynamodbEndpoint: ddbLocal.endpoint,
    region: REGION,
    invoke,
    stateDir: dir,
  });
  mappings.push(m);
  return m;
}

const pkOf = (r: DynamoDBRecord) => r.dynamodb?.Keys?.pk?.S;
const nOf = (r: DynamoDBRecord) => Number((r.dynamodb?.NewImage ?? r.dynamodb?.OldImage)?.n?.N);

// ---------------------------------------------------------------------------------------------

describe('DynamoDB stream mappings (local, Lambda semantics)', () => {
  it('(a) delivers every write once, in order per key, in Lambda event shape', async () => {
    const table = 'sm-delivery';
    const streamArn = await createTable(table);
    await put(table, 'before-mapping', 0); // LATEST: not delivered

    const batches: DynamoDBRecord[][] = [];
    const mapping = await start(
      config({ functionName: 'feedBuilder', tableName: table, startingPosition: 'LATEST', batchSize: 7 }),
      stateDir(),
      async (e) => {
        batches.push(e.Records);
      },
    );

    const keys = ['k1', 'k2', 'k3'];
    let writes = 0;
    for (let n = 1; n <= 8; n++) {
      for (const k of keys) {
        await put(table, k, n, { bin: { B: new Uint8Array([n, 255]) } });
        writes++;
      }
    }
    await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'k2' } } }));
    writes++;
    await mapping.drained!({ timeoutMs: 20_000 });

    const records = batches.flat();
    expect(records).toHaveLength(writes);
    expect(new Set(records.map((r) => r.eventID)).size).toBe(writes);
    expect(records.some((r) => pkOf(r) === 'before-mapping')).toBe(false);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(7);
    for (const k of keys) {
      const ns = records.filter((r) => pkOf(r) === k && r.eventName !== 'REMOVE').map(nOf);
      expect(ns).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    }
    const seqs = records.map((r) => BigInt(r.dynamodb!.SequenceNumber!));
    expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));

    const insert = records.find((r) => pkOf(r) === 'k1' && nOf(r) === 1)!;
    const nowSeconds = Date.now() / 1000;
    expect(Object.keys(insert)).toEqual([
      'eventID',
      'eventName',
      'eventVersion',
      'eventSource',
      'awsRegion',
      'dynamodb',
      'eventSourceARN',
    ]);
    expect(insert).toMatchObject({
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: REGION,
      eventSourceARN: streamArn,
      dynamodb: {
        Keys: { pk: { S: 'k1' } },
        NewImage: { pk: { S: 'k1' }, n: { N: '1' }, bin: { B: Buffer.from([1, 255]).toString('base64') } },
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    expect(insert.dynamodb!.OldImage).toBeUndefined();
    expect(typeof insert.eventID).toBe('string');
    expect(insert.dynamodb!.SequenceNumber).toMatch(/^\d+$/);
    expect(insert.dynamodb!.SizeBytes).toBeGreaterThan(0);
    const created = insert.dynamodb!.ApproximateCreationDateTime!;
    expect(Number.isInteger(created)).toBe(true);
    // Seconds, not milliseconds (DynamoDB Local rounds it down to the minute).
    expect(created).toBeGreaterThan(nowSeconds - 180);
    expect(created).toBeLessThanOrEqual(nowSeconds + 1);

    const modify = records.find((r) => pkOf(r) === 'k1' && nOf(r) === 2)!;
    expect(modify.eventName).toBe('MODIFY');
    expect(modify.dynamodb!.OldImage?.n).toEqual({ N: '1' });
    expect(modify.dynamodb!.NewImage?.n).toEqual({ N: '2' });
    const remove = records[records.length - 1]!;
    expect(remove.eventName).toBe('REMOVE');
    expect(remove.dynamodb!.Keys).toEqual({ pk: { S: 'k2' } });
    expect(remove.dynamodb!.NewImage).toBeUndefined();
    expect(remove.dynamodb!.OldImage?.n).toEqual({ N: '8' });
    // Events are plain JSON (what a function gets after Lambda serialises them).
    expect(JSON.parse(JSON.stringify(batches[0]))).toEqual(batches[0]);

    await mapping.stop();
  }, 60_000);

  it('(b) partial batch failure: the failed record and those after it are redelivered, nothing before it', async () => {
    const table = 'sm-partial';
    await createTable(table);
    for (let i = 0; i < 10; i++) await put(table, `p${i}`, i);

    const calls: string[][] = [];
    const mapping = await start(
      config({ functionName: 'notifier', tableName: table, reportBatchItemFailures: true, maximumRetryAttempts: 3 }),
      stateDir(),
      async (e) => {
        calls.push(e.Records.map((r) => pkOf(r)!));
        if (calls.length === 1) {
          return {
            batchItemFailures: [
              { itemIdentifier: e.Records[6]!.dynamodb!.SequenceNumber! },
              { itemIdentifier: e.Records[4]!.dynamodb!.SequenceNumber! },
            ],
          };
        }
        return { batchItemFailures: [] };
      },
    );
    await mapping.drained!({ timeoutMs: 20_000 });

    expect(calls).toEqual([
      ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9'],
      ['p4', 'p5', 'p6', 'p7', 'p8', 'p9'],
    ]);
    await mapping.stop();
  }, 60_000);

  it('(b2) a malformed batch response fails the whole batch, as Lambda does', async () => {
    const table = 'sm-malformed';
    await createTable(table);
    for (let i = 0; i < 4; i++) await put(table, `m${i}`, i);

    const calls: string[][] = [];
    const mapping = await start(
      config({ functionName: 'notifier', tableName: table, reportBatchItemFailures: true, maximumRetryAttempts: 3 }),
      stateDir(),
      async (e) => {
        calls.push(e.Records.map((r) => pkOf(r)!));
        return calls.length === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] } : undefined;
      },
    );
    await mapping.drained!({ timeoutMs: 20_000 });

    expect(calls).toEqual([
      ['m0', 'm1', 'm2', 'm3'],
      ['m0', 'm1', 'm2', 'm3'],
    ]);
    await mapping.stop();
  }, 60_000);

  it('(c) a poison record ends in the on-failure destination after bounded retries; every other record is delivered', async () => {
    const table = 'sm-poison';
    const streamArn = await createTable(table);
    for (let i = 0; i < 8; i++) await put(table, `r${i}`, i);
    const dir = stateDir();

    const delivered: string[] = [];
    let poisonAttempts = 0;
    const mapping = await start(
      config({
        functionName: 'feedBuilder',
        tableName: table,
        batchSize: 8,
        maximumRetryAttempts: 2,
        bisectBatchOnFunctionError: true,
        onFailure: { name: 'feed-builder-failures', arn: 'arn:aws:sqs:us-east-1:000000000000:feed-builder-failures' },
      }),
      dir,
      async (e) => {
        if (e.Records.some((r) => pkOf(r) === 'r5')) {
          if (e.Records.length === 1) poisonAttempts++;
          throw new Error('cannot process r5');
        }
        delivered.push(...e.Records.map((r) => pkOf(r)!));
      },
    );
    await mapping.drained!({ timeoutMs: 30_000 });

    expect(delivered.sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r6', 'r7']);
    expect(poisonAttempts).toBe(3); // the first try + maximumRetryAttempts

    const file = failureFile(join(dir, 'failures'), 'feed-builder-failures');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const failure = JSON.parse(lines[0]!) as StreamFailureRecord;
    expect(Object.keys(failure)).toEqual([
      'requestContext',
      'responseContext',
      'version',
      'timestamp',
      'DDBStreamBatchInfo',
    ]);
    expect(failure.requestContext).toEqual({
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      functionArn: `arn:aws:lambda:${REGION}:000000000000:function:feedBuilder`,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
    });
    expect(failure.responseContext).toEqual({
      statusCode: 200,
      executedVersion: '$LATEST',
      functionError: 'Unhandled',
    });
    expect(failure.version).toBe('1.0');
    expect(new Date(failure.timestamp).toISOString()).toBe(failure.timestamp);
    const info = failure.DDBStreamBatchInfo;
    expect(info).toMatchObject({ batchSize: 1, streamArn });
    expect(info.shardId).toMatch(/^shardId-/);
    expect(info.startSequenceNumber).toBe(info.endSequenceNumber);
    expect(info.approximateArrivalOfFirstRecord).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(info.approximateArrivalOfLastRecord).toBe(info.approximateArrivalOfFirstRecord);

    // The shard moved on: later records flow.
    await put(table, 'r8', 8);
    await mapping.drained!({ timeoutMs: 20_000 });
    expect(delivered).toContain('r8');
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
    await mapping.stop();
  }, 60_000);

  it('(d) a restarted mapping resumes from its checkpoint: only new records arrive', async () => {
    const table = 'sm-restart';
    const streamArn = await createTable(table);
    const dir = stateDir();
    const cfg = config({ functionName: 'feedBuilder', tableName: table, batchSize: 3 });

    const first: string[] = [];
    const m1 = await start(cfg, dir, async (e) => {
      first.push(...e.Records.map((r) => pkOf(r)!));
    });
    for (let i = 0; i < 5; i++) await put(table, `old${i}`, i);
    await m1.drained!({ timeoutMs: 20_000 });
    await m1.stop();
    expect(first).toEqual(['old0', 'old1', 'old2', 'old3', 'old4']);

    const saved = JSON.parse(readFileSync(checkpointFile(dir, cfg), 'utf8')) as {
      streamArn: string;
      shards: Record<string, { checkpoint?: string }>;
    };
    expect(saved.streamArn).toBe(streamArn);
    expect(Object.values(saved.shards).some((s) => s.checkpoint)).toBe(true);

    for (let i = 0; i < 4; i++) await put(table, `new${i}`, i);

    const second: string[] = [];
    const m2 = await start(cfg, dir, async (e) => {
      second.push(...e.Records.map((r) => pkOf(r)!));
    });
    await m2.drained!({ timeoutMs: 20_000 });
    expect(second).toEqual(['new0', 'new1', 'new2', 'new3']);
    await m2.stop();
  }, 60_000);

  it('(d2) a LATEST mapping stopped before any record arrived resumes at the same point', async () => {
    const table = 'sm-latest-restart';
    await createTable(table);
    for (let i = 0; i < 3; i++) await put(table, `pre${i}`, i);
    const dir = stateDir();
    const cfg = config({ functionName: 'notifier', tableName: table, startingPosition: 'LATEST' });

    const first: string[] = [];
    const m1 = await start(cfg, dir, async (e) => {
      first.push(...e.Records.map((r) => pkOf(r)!));
    });
    await m1.drained!({ timeoutMs: 20_000 });
    await m1.stop();
    expect(first).toEqual([]);

    await put(table, 'while-stopped', 1);
    const second: string[] = [];
    const m2 = await start(cfg, dir, async (e) => {
      second.push(...e.Records.map((r) => pkOf(r)!));
    });
    await m2.drained!({ timeoutMs: 20_000 });
    expect(second).toEqual(['while-stopped']);
    await m2.stop();
  }, 60_000);

  it('(d3) an unusable checkpoint falls back to TRIM_HORIZON with a warning', async () => {
    const table = 'sm-bad-checkpoint';
    await createTable(table);
    const dir = stateDir();
    const cfg = config({ functionName: 'feedBuilder', tableName: table });
    for (let i = 0; i < 3; i++) await put(table, `c${i}`, i);

    const m1 = await start(cfg, dir, async () => undefined);
    await m1.drained!({ timeoutMs: 20_000 });
    await m1.stop();
    const file = checkpointFile(dir, cfg);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { shards: Record<string, { checkpoint?: string }> };
    for (const s of Object.values(saved.shards)) s.checkpoint = '999999999999999999999999'; // never issued
    writeFileSync(file, JSON.stringify(saved));

    const warn = jest.spyOn(console, 'warn');
    try {
      const again: string[] = [];
      const m2 = await start(cfg, dir, async (e) => {
        again.push(...e.Records.map((r) => pkOf(r)!));
      });
      await m2.drained!({ timeoutMs: 20_000 });
      await m2.stop();
      expect(again).toEqual(['c0', 'c1', 'c2']);
      expect(
        warn.mock.calls.map((c) => String(c[0])).some((l) => /checkpoint 9+ is not usable.*TRIM_HORIZON/.test(l)),
      ).toBe(true);
    } finally {
      warn.mockRestore();
    }
  }, 60_000);

  it('stop() waits for the invocation in flight, whose batch is then checkpointed', async () => {
    const table = 'sm-stop';
    await createTable(table);
    const dir = stateDir();
    const cfg = config({ functionName: 'feedBuilder', tableName: table });

    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    let finished = false;
    const m1 = await start(cfg, dir, async (e) => {
      seen.push(...e.Records.map((r) => pkOf(r)!));
      await gate;
      finished = true;
    });
    await put(table, 'slow', 1);
    await waitFor('the invocation to start', () => seen.length > 0);

    let stopped = false;
    const stopping = m1.stop().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(true);

    const again: string[] = [];
    const m2 = await start(cfg, dir, async (e) => {
      again.push(...e.Records.map((r) => pkOf(r)!));
    });
    await m2.drained!({ timeoutMs: 20_000 });
    expect(again).toEqual([]);
    await m2.stop();
    expect(existsSync(checkpointFile(dir, cfg))).toBe(true);
  }, 60_000);

  it('maps a TTL delete with its userIdentity, and reads batch responses as Lambda does', () => {
    const arn = 'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/x';
    const rec = toLambdaRecord(
      {
        eventID: 'e1',
        eventName: 'REMOVE',
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: 'ddblocal',
        dynamodb: {
          ApproximateCreationDateTime: new Date('2024-05-01T10:20:30.900Z'),
          Keys: { pk: { S: 'a' } },
          OldImage: {
            pk: { S: 'a' },
            tags: { SS: ['x'] },
            m: { M: { l: { L: [{ N: '1' }, { NULL: true }, { BS: [new Uint8Array([0])] }] } } },
          },
          SequenceNumber: '000000000000000000007',
          SizeBytes: 20,
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
        userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' },
      },
      arn,
      REGION,
    );
    expect(rec).toEqual({
      eventID: 'e1',
      eventName: 'REMOVE',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: REGION,
      dynamodb: {
        ApproximateCreationDateTime: 1714558830,
        Keys: { pk: { S: 'a' } },
        OldImage: {
          pk: { S: 'a' },
          tags: { SS: ['x'] },
          m: { M: { l: { L: [{ N: '1' }, { NULL: true }, { BS: ['AA=='] }] } } },
        },
        SequenceNumber: '000000000000000000007',
        SizeBytes: 20,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: arn,
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    });

    const seqs = ['1', '2', '3'];
    for (const ok of [undefined, null, {}, { batchItemFailures: [] }, { batchItemFailures: null }]) {
      expect(interpretBatchResponse(ok, seqs).kind).toBe('ok');
    }
    expect(
      interpretBatchResponse({ batchItemFailures: [{ itemIdentifier: '3' }, { itemIdentifier: '2' }] }, seqs),
    ).toMatchObject({ kind: 'partial', index: 1 });
    for (const bad of [
      [{ itemIdentifier: '' }],
      [{ itemIdentifier: null }],
      [{ id: '2' }],
      [{ itemIdentifier: '9' }],
      'x',
    ]) {
      expect(interpretBatchResponse({ batchItemFailures: bad }, seqs).kind).toBe('error');
    }
  });
});
