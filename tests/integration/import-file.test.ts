// The bulk import of a generated file through the local stack: users and friendships, every record
// twice (the later line wins), 1% malformed lines of ten kinds at known line numbers, blank lines,
// CRLF then LF line breaks, keys whose lines fall in different chunks of the importer. Every valid
// line must be upserted, the report must list exactly the bad lines, and a second run must write
// nothing. A sample of the 100,000-line file `npm run bench:import` imports and times.
import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { countItems, describeRun, generateImportFile, wrongPairs, wrongUsers } from '../../scripts/lib/import-file';
import { clients } from '../support/aws';
import { importBudgetMs, waitForReport } from '../support/imports';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
const { s3, dynamo } = clients(endpoints);

const LINES = 10_000;
/** The importer's chunk (shared/imports/importer.ts): some keys must have lines on both sides of it. */
const CHUNK_LINES = 5_000;
it(
  `imports ${LINES.toLocaleString('en')} lines, lists exactly the bad ones, and writes nothing the second time`,
  async () => {
    const p = `file-${randomUUID().slice(0, 8)}-`;
    const expected = generateImportFile(p, LINES);
    expect(expected.bad).toHaveLength(LINES / 100);
    // The sample has what the importer must get right across chunks: a key set again in the next one.
    const acrossChunks = [...expected.linesOf.values()].filter(
      (lines) => Math.ceil(lines[0]! / CHUNK_LINES) !== Math.ceil(lines.at(-1)! / CHUNK_LINES),
    );
    expect(acrossChunks.length, 'keys whose lines are in two chunks').toBeGreaterThan(0);
    const key = `imports/${p}people.jsonl`;

    const started = Date.now();
    await s3.send(
      new PutObjectCommand({
        Bucket: endpoints.bucket,
        Key: key,
        Body: expected.file,
        ContentType: 'application/x-ndjson',
      }),
    );
    // Past its budget, the wait goes on while the import is still writing (a busy machine).
    const written = async () => [
      await countItems(dynamo, endpoints.tables.UsersTable!, p),
      await countItems(dynamo, endpoints.tables.FriendshipsTable!, p),
    ];
    const first = await waitForReport(s3, endpoints.bucket, key, started, LINES, written);
    console.log(`${describeRun('first run', first)}; ${expected.users.size} users, ${expected.pairs.size} pairs`);

    expect(first).toMatchObject({
      status: 'COMPLETED',
      lines: LINES,
      empty: expected.empty,
      malformedCount: expected.bad.length,
      skipped: [],
      friendships: { skipped: 0 },
    });
    const { users, friendships, duplicates } = first;
    // Every line accounted for once; each key written once (its last line), even across chunks.
    expect(
      expected.empty +
        expected.bad.length +
        duplicates +
        users.written +
        users.unchanged +
        friendships.written +
        friendships.unchanged,
    ).toBe(LINES);
    expect(users).toEqual({ written: expected.users.size, unchanged: 0 });
    expect(friendships).toEqual({
      written: expected.pairs.size,
      unchanged: 0,
      skipped: 0,
      edgesWritten: expected.pairs.size * 2,
    });
    expect(first.malformed.map((m) => m.line)).toEqual(expected.bad);
    expect(new Set(first.malformed.map((m) => m.reason)).size).toBeGreaterThanOrEqual(10);

    // Every valid line is stored: one item per user, two per pair, each as its last line says.
    expect(await countItems(dynamo, endpoints.tables.UsersTable!, p)).toBe(expected.users.size);
    expect(await countItems(dynamo, endpoints.tables.FriendshipsTable!, p)).toBe(expected.pairs.size * 2);
    expect(await wrongUsers(dynamo, endpoints.tables.UsersTable!, expected)).toEqual([]);
    expect(await wrongPairs(dynamo, endpoints.tables.FriendshipsTable!, expected)).toEqual([]);

    // The same file again: everything compares equal, nothing is written.
    const again = Date.now();
    await s3.send(
      new PutObjectCommand({
        Bucket: endpoints.bucket,
        Key: key,
        Body: expected.file,
        ContentType: 'application/x-ndjson',
      }),
    );
    const second = await waitForReport(s3, endpoints.bucket, key, again, LINES);
    console.log(describeRun('second run', second));
    expect(second).toMatchObject({
      status: 'COMPLETED',
      lines: LINES,
      malformedCount: expected.bad.length,
      users: { written: 0 },
      friendships: { written: 0, edgesWritten: 0 },
    });
    expect(second.users.unchanged).toBe(expected.users.size);
    expect(second.friendships.unchanged).toBe(expected.pairs.size);
    expect(second.malformed).toEqual(first.malformed);
  },
  // A backstop only: the waits above fail first when nothing moves.
  10 * importBudgetMs(LINES),
);
