// `npm run bench:import`: the bulk import of a 100,000-line file (BENCH_IMPORT_LINES, a multiple of
// 1,000) through the running local stack, against the raw BatchWriteItem rate of the same DynamoDB
// Local measured in the same run. It prints; it asserts nothing, but it checks that the import did
// its job (every valid line stored as its last line says, exactly the bad lines reported, nothing
// written the second time) before printing a rate, and exits non-zero when it did not.
//
//   1. The import: S3 put -> SNS -> the importer; lines/s and items written/s from its report, the
//      importer's peak memory; progress printed from the report it rewrites while running.
//   2. The same file again: every line compares equal, nothing is written (lines/s).
//   3. The reference: as many items as the import wrote, BatchWriteItem of 25 with 4, 8 and 16
//      requests in flight, into a table of the same key schema without a stream (the best of the
//      three); the ratio is the importer's items/s over it.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BatchWriteCommand, DynamoDBDocumentClient, type BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import { startStack } from '../infra/local/stack';
import {
  countItems,
  describeRun,
  generateImportFile,
  wrongPairs,
  wrongUsers,
  type ImportFile,
} from '../scripts/lib/import-file';
import type { ImportReport } from '../shared/imports/report';
import { sleep } from './lib/stats';

const ROOT = path.resolve(__dirname, '..');
const LINES = Number(process.env.BENCH_IMPORT_LINES ?? 100_000);
/** The import must make progress (a rewritten report) at least this often, or the bench gives up. */
const STALL_MS = 180_000;
const log = (line: string) => console.log(line);

async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'media-share-bench-import-'));
  const started = Date.now();
  const stack = await startStack({
    root: ROOT,
    dataDir,
    ports: { api: 0, dynamodb: 0, s3: 0, sns: 0, sqs: 0, cognito: 0 },
  });
  const e = stack.endpoints;
  const base = { region: e.region, credentials: e.credentials };
  const s3 = new S3Client({ ...base, endpoint: e.s3, forcePathStyle: true });
  const admin = new DynamoDBClient({ ...base, endpoint: e.dynamodb });
  const dynamo = DynamoDBDocumentClient.from(admin);
  try {
    const p = `bench-${randomUUID().slice(0, 8)}-`;
    const expected = generateImportFile(p, LINES);
    const key = `imports/${p}people.jsonl`;
    log(
      `bench:import: ${LINES.toLocaleString('en-US')} lines (${(Buffer.byteLength(expected.file) / 1024 / 1024).toFixed(1)} MiB), ${expected.users.size} users, ${expected.pairs.size} pairs, ${expected.bad.length} malformed lines`,
    );

    /** Puts the file and waits for its run to complete, printing the progress its report shows. */
    const importOnce = async (name: string): Promise<ImportReport> => {
      const since = Date.now();
      await s3.send(
        new PutObjectCommand({ Bucket: e.bucket, Key: key, Body: expected.file, ContentType: 'application/x-ndjson' }),
      );
      let lastLines = -1;
      let lastProgress = Date.now();
      for (;;) {
        const report = await s3
          .send(new GetObjectCommand({ Bucket: e.bucket, Key: `${key}.report.json` }))
          .then(async (out) => JSON.parse(await out.Body!.transformToString()) as ImportReport)
          .catch(() => undefined);
        if (report && Date.parse(report.startedAt) >= since) {
          if (report.status === 'FAILED') throw new Error(`${name}: import failed: ${report.error}`);
          if (report.status === 'COMPLETED') return report;
          if (report.lines !== lastLines) {
            [lastLines, lastProgress] = [report.lines, Date.now()];
            log(
              `  ${name}: ${report.lines.toLocaleString('en-US')} lines read, ${((Date.now() - since) / 1000).toFixed(0)} s`,
            );
          }
        }
        if (Date.now() - lastProgress > STALL_MS)
          throw new Error(`${name}: no progress in ${STALL_MS / 1000} s (last report: ${lastLines} lines)`);
        await sleep(500);
      }
    };

    const first = await importOnce('first run');
    const problems = await check(first, expected, dynamo, e.tables.UsersTable!, e.tables.FriendshipsTable!, p);
    const second = await importOnce('second run');
    if (second.users.written + second.friendships.written !== 0)
      problems.push(`the second run wrote ${second.users.written} users and ${second.friendships.written} pairs`);
    if (problems.length) throw new Error(`the import did not do its job:\n  ${problems.join('\n  ')}`);
    log(`  ${describeRun('first run', first)}`);
    log(`  ${describeRun('second run', second)}`);

    // The reference: the same number of items, straight BatchWriteItem into a table without a stream.
    const written = first.users.written + first.friendships.edgesWritten;
    const rates: Array<{ inFlight: number; perSecond: number }> = [];
    for (const inFlight of [4, 8, 16]) {
      const table = `import-bench-raw-${inFlight}`;
      await admin.send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'userId', AttributeType: 'S' }],
        }),
      );
      const items = Array.from({ length: written }, (_, i) => ({
        userId: `${p}raw${i}`,
        displayName: `User ${i}`,
        notificationPreferences: { newContent: true, friendRequests: true, friendAccepts: true },
        createdAt: new Date(0).toISOString(),
        updatedAt: new Date(0).toISOString(),
      }));
      const t0 = Date.now();
      await batchWriteAll(dynamo, table, items, inFlight);
      const perSecond = (written / (Date.now() - t0)) * 1000;
      rates.push({ inFlight, perSecond });
      log(`  raw BatchWriteItem, 25 per request, ${inFlight} in flight: ${Math.round(perSecond)} items/s`);
      await admin.send(new DeleteTableCommand({ TableName: table }));
    }
    const best = rates.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    const importerRate = (written / first.durationMs) * 1000;
    log(`\nSUMMARY (one run, ${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
    log(
      `  import, first run:  ${Math.round((first.lines / first.durationMs) * 1000)} lines/s, ${Math.round(importerRate)} items written/s`,
    );
    log(`  import, second run: ${Math.round((second.lines / second.durationMs) * 1000)} lines/s, nothing written`);
    log(`  raw BatchWriteItem (best: ${best.inFlight} in flight): ${Math.round(best.perSecond)} items/s`);
    log(`  importer items/s / raw BatchWriteItem items/s: ${(importerRate / best.perSecond).toFixed(2)}x`);
    log(
      `  importer peak heap ${(first.peakHeapBytes / 1048576).toFixed(1)} MiB + external ${(first.peakExternalBytes / 1048576).toFixed(1)} MiB`,
    );
  } finally {
    admin.destroy();
    s3.destroy();
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** What is wrong with the first run (empty when it did its job). */
async function check(
  report: ImportReport,
  expected: ImportFile,
  dynamo: DynamoDBDocumentClient,
  users: string,
  friendships: string,
  p: string,
): Promise<string[]> {
  const problems: string[] = [];
  const want = (what: string, got: unknown, wanted: unknown) =>
    got !== wanted && problems.push(`${what}: ${String(got)}, expected ${String(wanted)}`);
  want('lines', report.lines, expected.lines);
  want('malformed lines', report.malformedCount, expected.bad.length);
  want('users written', report.users.written, expected.users.size);
  want('pairs written', report.friendships.written, expected.pairs.size);
  want('malformed line numbers', report.malformed.map((m) => m.line).join(), expected.bad.join());
  want('user items', await countItems(dynamo, users, p), expected.users.size);
  want('friendship items', await countItems(dynamo, friendships, p), expected.pairs.size * 2);
  want('users not as their last line says', (await wrongUsers(dynamo, users, expected)).length, 0);
  want('pairs not as their last line says', (await wrongPairs(dynamo, friendships, expected)).length, 0);
  return problems;
}

/** BatchWriteItem of 25, `inFlight` requests at once, unprocessed items sent again. */
async function batchWriteAll(
  dynamo: DynamoDBDocumentClient,
  table: string,
  items: readonly Record<string, unknown>[],
  inFlight: number,
): Promise<void> {
  const chunks: Array<Record<string, unknown>[]> = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, chunks.length) }, async () => {
      while (next < chunks.length) {
        let pending: unknown[] | undefined = chunks[next++]!.map((Item) => ({ PutRequest: { Item } }));
        while (pending?.length) {
          const out: BatchWriteCommandOutput = await dynamo.send(
            new BatchWriteCommand({ RequestItems: { [table]: pending as never } }),
          );
          pending = out.UnprocessedItems?.[table];
        }
      }
    }),
  );
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
