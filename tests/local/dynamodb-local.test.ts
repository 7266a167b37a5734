// DynamoDB Local as the local stack runs it: persisted data survives a restart, tables come from
// CloudFormation definitions idempotently, and no Java process outlives a stop() or its Node parent.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { checkJava, processIsRunning, startDynamoDbLocal, type DynamoDbLocal } from '../../infra/local/dynamodb';
import { ensureTables, type CloudFormationTableResource } from '../../infra/local/dynamodb-tables';

const repoRoot = resolve(__dirname, '../..');
const tmpDirs: string[] = [];
const started: DynamoDbLocal[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tmpDirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(started.map((d) => d.stop()));
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
});

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function portRefuses(port: number): Promise<boolean> {
  return new Promise((res) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      res(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => res(err.code === 'ECONNREFUSED'));
  });
}

function clientFor(d: DynamoDbLocal): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: d.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
}

// Shaped like infra/resources/tables.yml after `osls print`: a GSI, a stream, TTL and a property
// DynamoDB Local doesn't know.
const contentTable: CloudFormationTableResource['Properties'] = {
  TableName: 'media-share-test-content',
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'contentId', AttributeType: 'S' },
    { AttributeName: 'ownerId', AttributeType: 'S' },
    { AttributeName: 'createdAt', AttributeType: 'S' },
  ],
  KeySchema: [{ AttributeName: 'contentId', KeyType: 'HASH' }],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'byOwner',
      KeySchema: [
        { AttributeName: 'ownerId', KeyType: 'HASH' },
        { AttributeName: 'createdAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
  StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
  TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
  PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
};

describe('DynamoDB Local', () => {
  it('keeps data across a restart with the same data folder, and leaves no Java process behind', async () => {
    const dataDir = tempDir('ddb-local-data-');

    const first = await startDynamoDbLocal({ port: 0, dataDir });
    started.push(first);
    expect(first.port).toBeGreaterThan(0);
    expect(first.endpoint).toBe(`http://127.0.0.1:${first.port}`);
    expect(processIsRunning(first.pid)).toBe(true);
    const c1 = clientFor(first);
    await ensureTables(c1, [contentTable]);
    await ensureTables(c1, [contentTable]); // idempotent

    const { Table } = await c1.send(new DescribeTableCommand({ TableName: contentTable.TableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.IndexStatus])).toEqual([['byOwner', 'ACTIVE']]);
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(Table?.LatestStreamArn).toMatch(/^arn:aws:dynamodb:.*:table\/media-share-test-content\/stream\//);
    const ttl = await c1.send(new DescribeTimeToLiveCommand({ TableName: contentTable.TableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });

    await c1.send(
      new PutItemCommand({
        TableName: contentTable.TableName,
        Item: {
          contentId: { S: 'c1' },
          ownerId: { S: 'u1' },
          createdAt: { S: '2024-01-01T00:00:00Z' },
          caption: { S: 'hello' },
        },
      }),
    );
    c1.destroy();

    await first.stop();
    await first.stop(); // idempotent
    expect(processIsRunning(first.pid)).toBe(false);
    expect(await portRefuses(first.port)).toBe(true);

    const second = await startDynamoDbLocal({ port: 0, dataDir });
    started.push(second);
    const c2 = clientFor(second);
    await ensureTables(c2, [contentTable]); // existing table left alone
    const got = await c2.send(
      new GetItemCommand({ TableName: contentTable.TableName, Key: { contentId: { S: 'c1' } } }),
    );
    expect(got.Item?.caption).toEqual({ S: 'hello' });
    const byOwner = await c2.send(
      new QueryCommand({
        TableName: contentTable.TableName,
        IndexName: 'byOwner',
        KeyConditionExpression: 'ownerId = :o',
        ExpressionAttributeValues: { ':o': { S: 'u1' } },
      }),
    );
    expect(byOwner.Items?.map((i) => i.contentId?.S)).toEqual(['c1']);
    c2.destroy();

    await second.stop();
    expect(processIsRunning(second.pid)).toBe(false);
    expect(await portRefuses(second.port)).toBe(true);
  }, 90_000);

  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'Java dies when the Node process that started it gets %s',
    async (signal) => {
      const dir = tempDir('ddb-local-parent-');
      const script = join(dir, 'parent.ts');
      writeFileSync(
        script,
        [
          `import { startDynamoDbLocal } from ${JSON.stringify(join(repoRoot, 'infra/local/dynamodb.ts'))};`,
          'void (async () => {',
          '  const d = await startDynamoDbLocal({ port: 0 });',
          '  console.log(JSON.stringify({ pid: d.pid, port: d.port }));',
          '  setInterval(() => {}, 1_000);',
          '})();',
        ].join('\n'),
      );
      const parent = spawn(process.execPath, ['--import', 'tsx', script], {
        cwd: repoRoot,
        env: { ...process.env, LOCAL_STACK_QUIET: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      parent.stdout.on('data', (b: Buffer) => (out += b.toString()));
      parent.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const parentExited = new Promise<void>((r) => parent.once('exit', () => r()));
      try {
        await waitFor(
          `the child to report DynamoDB Local (stderr: ${err})`,
          () => /\{.*"pid".*\}/.test(out) || parent.exitCode !== null,
          60_000,
        );
        expect(parent.exitCode, err).toBeNull();
        const { pid, port } = JSON.parse(/\{.*\}/.exec(out)![0]) as { pid: number; port: number };
        expect(processIsRunning(pid)).toBe(true);
        expect(await portRefuses(port)).toBe(false);

        parent.kill(signal);
        await parentExited;
        await waitFor(`java pid ${pid} to exit after its parent got ${signal}`, () => !processIsRunning(pid), 15_000);
        await waitFor(`port ${port} to refuse connections`, () => portRefuses(port), 5_000);
      } finally {
        if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
      }
    },
    90_000,
  );

  it('refuses a fixed port that is already taken, in one line', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, r));
    const port = (server.address() as AddressInfo).port;
    try {
      await expect(startDynamoDbLocal({ port })).rejects.toThrow(
        new RegExp(`^DynamoDB Local cannot use port ${port}: it is already in use[^\\n]*$`),
      );
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('says in one line how to install Java when it is missing', () => {
    const path = process.env.PATH;
    process.env.PATH = tempDir('no-java-');
    try {
      let message = '';
      try {
        checkJava();
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(
        /^DynamoDB Local needs Java 17\+.*apt-get install openjdk-17-jre-headless.*brew install openjdk@17/,
      );
      expect(message).not.toContain('\n');
    } finally {
      process.env.PATH = path;
    }
  });
});
