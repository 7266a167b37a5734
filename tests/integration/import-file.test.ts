// Acceptance test of the bulk import: a 100,000-line file (users and friendships, 1% malformed
// lines of varied kinds at known line numbers) generated here, imported through the local stack.
// Every valid line must be upserted, the report must list exactly the bad lines, and a second
// run must write nothing. Prints the throughput and the importer's peak memory.
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { BatchGetCommand, ScanCommand, type BatchGetCommandOutput, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { expect, inject, it } from 'vitest';
import type { ImportReport } from '../../shared/imports/report';
import { clients, eventually } from '../support/aws';

const endpoints = inject('endpoints');
const { s3, dynamo } = clients(endpoints);

const LINES = 100_000;
const AVATAR = '3f2b8c1e-9d4a-4e7b-8a6f-1c2d3e4f5a6b';

/** The bad line at `n` (1-based) of kind `kind`: each breaks the format differently. */
function badLine(kind: number, p: string, n: number): string {
  switch (kind % 10) {
    case 0:
      return `{"type":"user","userId":"${p}bad${n}","displayName":`; // cut short
    case 1:
      return JSON.stringify({ type: 'group', userId: `${p}bad${n}` });
    case 2:
      return JSON.stringify({ type: 'user', userId: `${p}bad${n}` });
    case 3:
      return JSON.stringify({ type: 'user', userId: `${p}bad${n}`, displayName: 'Bad', email: 'bad@example.com' });
    case 4:
      return JSON.stringify({ type: 'friendship', userId: `${p}u1`, friendId: `${p}u1`, status: 'accepted' });
    case 5:
      return JSON.stringify({ type: 'friendship', userId: `${p}u1`, friendId: `${p}u2`, status: 'friends' });
    case 6:
      return JSON.stringify({ type: 'user', userId: `${p}bad${n}`, displayName: 'Bad', avatarContentId: 'not-a-uuid' });
    case 7:
      return JSON.stringify({ type: 'user', userId: `${p}bad${n}`, displayName: 'Bad\u0000name' });
    case 8:
      return n % 2 ? '[]' : 'null';
    default:
      return JSON.stringify({ type: 'user', userId: `${p}bad${n}`, displayName: 'x'.repeat(70_000) });
  }
}

interface ExpectedUser {
  displayName: string;
  avatarContentId?: string;
  notificationPreferences: { newContent: boolean; friendRequests: boolean };
}

interface Expected {
  file: string;
  bad: number[];
  users: Map<string, ExpectedUser>;
  /** Keyed `a>b` as first named; the final status. */
  pairs: Map<string, { a: string; b: string; status: 'accepted' | 'requested' }>;
}

/**
 * 100,000 lines: a bad line where n % 100 == 37 (1,000 of them), a blank line where
 * n % 1000 == 500 (100, skipped silently), otherwise 3 user lines in 4 and 1 friendship line.
 * Every record comes twice, as an export with history has it: a user is created, then renamed
 * or given preferences ~500 lines later; a pair is requested, then (4 in 5) accepted, the other
 * way round for odd pairs. The later line wins.
 * (Twice per key also keeps the writes - DynamoDB Local's bottleneck - at ~65,000 items.)
 */
function generate(p: string): Expected {
  const parts: string[] = [];
  const bad: number[] = [];
  const users: Expected['users'] = new Map();
  const pairs: Expected['pairs'] = new Map();
  let valid = 0;
  let userSlots = 0;
  let pairSlots = 0;
  for (let n = 1; n <= LINES; n++) {
    if (n % 100 === 37) {
      bad.push(n);
      parts.push(badLine(bad.length, p, n));
      continue;
    }
    if (n % 1000 === 500) {
      parts.push(n % 2000 === 500 ? '' : '  ');
      continue;
    }
    if (valid++ % 4 < 3) {
      // Blocks of 800 slots: 400 users created, then the same 400 updated.
      const k = userSlots++;
      const update = k % 800 >= 400;
      const i = Math.floor(k / 800) * 400 + (k % 400);
      const userId = `${p}u${i}`;
      // The update renames (even users) or sets a preference (odd ones); users 0, 3, 6, ... have
      // an avatar, which the update line states again (a line's omissions are not filled from
      // earlier lines of the file, only from what is stored).
      const line: Record<string, unknown> = { type: 'user', userId, displayName: update && i % 2 === 0 ? `User ${i} (renamed)` : `User ${i}` };
      if (i % 3 === 0) line.avatarContentId = AVATAR;
      if (update && i % 2 === 1) line.notificationPreferences = { newContent: false };
      users.set(userId, {
        displayName: line.displayName as string,
        ...(i % 3 === 0 ? { avatarContentId: AVATAR } : {}),
        notificationPreferences: { newContent: !(update && i % 2 === 1), friendRequests: true },
      });
      parts.push(JSON.stringify(line));
    } else {
      // Blocks of 400 slots: 200 pairs requested, then the same 200 accepted (or asked again).
      const k = pairSlots++;
      const later = k % 400 >= 200;
      const j = Math.floor(k / 400) * 200 + (k % 200);
      const [a, b] = [`${p}u${j}`, `${p}u${j + 7}`];
      if (!later) {
        pairs.set(`${a}>${b}`, { a, b, status: 'requested' });
        parts.push(JSON.stringify({ type: 'friendship', userId: a, friendId: b, status: 'requested' }));
      } else if (j % 5 === 0) {
        parts.push(JSON.stringify({ type: 'friendship', userId: a, friendId: b, status: 'requested' }));
      } else {
        pairs.get(`${a}>${b}`)!.status = 'accepted';
        parts.push(JSON.stringify({ type: 'friendship', userId: j % 2 ? b : a, friendId: j % 2 ? a : b, status: 'accepted' }));
      }
    }
  }
  // CRLF line breaks on the first half, LF on the rest, none after the last line.
  const half = LINES / 2;
  return { file: parts.slice(0, half).join('\r\n') + '\r\n' + parts.slice(half).join('\n'), bad, users, pairs };
}

/** All items for `keys`, 100 per BatchGetItem (unprocessed keys asked again). */
async function getAll(table: string, keys: Array<Record<string, string>>): Promise<Array<Record<string, any>>> {
  const items: Array<Record<string, any>> = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Array<Record<string, any>> | undefined = keys.slice(i, i + 100);
    while (pending?.length) {
      const out: BatchGetCommandOutput = await dynamo.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }));
      items.push(...(out.Responses?.[table] ?? []));
      pending = out.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return items;
}

async function waitForReport(key: string, since: number, timeoutMs: number): Promise<ImportReport> {
  let last: ImportReport | undefined;
  return eventually(
    `the import report of ${key}`,
    async () => {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: endpoints.bucket, Key: `${key}.report.json` }));
        last = JSON.parse(await out.Body!.transformToString()) as ImportReport;
      } catch {
        return undefined; // not written yet (or being rewritten)
      }
      if (Date.parse(last.startedAt) < since) return undefined;
      if (last.status === 'FAILED') throw new Error(`import failed: ${last.error}`);
      return last.status === 'COMPLETED' ? last : undefined;
    },
    timeoutMs,
  );
}

/** Items whose userId starts with `prefix` (a Scan: fine for a test, never on a request path). */
async function countItems(table: string, prefix: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const out: ScanCommandOutput = await dynamo.send(
      new ScanCommand({
        TableName: table,
        Select: 'COUNT',
        FilterExpression: 'begins_with(userId, :p)',
        ExpressionAttributeValues: { ':p': prefix },
        ExclusiveStartKey: startKey,
      }),
    );
    count += out.Count ?? 0;
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return count;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function describeRun(name: string, report: ImportReport): string {
  const perSecond = Math.round((report.lines / report.durationMs) * 1000);
  const written = report.users.written + report.friendships.edgesWritten;
  const itemsPerSecond = Math.round((written / report.durationMs) * 1000);
  return `${name}: ${report.lines} lines in ${(report.durationMs / 1000).toFixed(1)} s = ${perSecond} lines/s, ${written} items written (${itemsPerSecond}/s); peak heap ${mb(report.peakHeapBytes)} + external ${mb(report.peakExternalBytes)} (the importer's own worker), peak rss ${mb(report.peakRssBytes)} (the whole local stack process)`;
}

it(
  'imports 100,000 lines, lists exactly the bad ones, and writes nothing the second time',
  async () => {
    const p = `big-${randomUUID().slice(0, 8)}-`;
    const expected = generate(p);
    expect(expected.bad).toHaveLength(LINES / 100);
    const key = `imports/${p}people.jsonl`;

    const started = Date.now();
    await s3.send(new PutObjectCommand({ Bucket: endpoints.bucket, Key: key, Body: expected.file, ContentType: 'application/x-ndjson' }));
    const first = await waitForReport(key, started, 240_000);
    console.log(`${describeRun('first run', first)}; file ${mb(Buffer.byteLength(expected.file))}, ${expected.users.size} users, ${expected.pairs.size} pairs`);

    expect(first).toMatchObject({ status: 'COMPLETED', lines: LINES, empty: 100, malformedCount: 1_000, skipped: [], friendships: { skipped: 0 } });
    const { users, friendships, duplicates } = first;
    // Every line accounted for once; each key written once (its last line), even across chunks.
    expect(100 + 1_000 + duplicates + users.written + users.unchanged + friendships.written + friendships.unchanged).toBe(LINES);
    expect(users).toEqual({ written: expected.users.size, unchanged: 0 });
    expect(friendships).toEqual({ written: expected.pairs.size, unchanged: 0, skipped: 0, edgesWritten: expected.pairs.size * 2 });
    expect(first.malformed.map((m) => m.line)).toEqual(expected.bad);
    expect(new Set(first.malformed.map((m) => m.reason)).size).toBeGreaterThanOrEqual(10);

    // Every valid line is stored: one item per user, two per pair.
    expect(await countItems(endpoints.tables.UsersTable!, p)).toBe(expected.users.size);
    expect(await countItems(endpoints.tables.FriendshipsTable!, p)).toBe(expected.pairs.size * 2);

    // And each holds what its last line says (all of them: reads are cheap, writes are not).
    const stored = await getAll(endpoints.tables.UsersTable!, [...expected.users.keys()].map((userId) => ({ userId })));
    expect(stored).toHaveLength(expected.users.size);
    const mismatches = stored.filter((item) => {
      const want = expected.users.get(item.userId)!;
      const prefs = item.notificationPreferences ?? {};
      return (
        item.displayName !== want.displayName ||
        item.avatarContentId !== want.avatarContentId ||
        prefs.newContent !== want.notificationPreferences.newContent ||
        prefs.friendRequests !== want.notificationPreferences.friendRequests
      );
    });
    expect(mismatches).toEqual([]);
    const pairList = [...expected.pairs.values()];
    const edges = new Map(
      (await getAll(endpoints.tables.FriendshipsTable!, pairList.flatMap(({ a, b }) => [{ userId: a, friendId: b }, { userId: b, friendId: a }]))).map((e) => [`${e.userId}>${e.friendId}`, e]),
    );
    const wrongPairs = pairList.filter(({ a, b, status }) => {
      const [ab, ba] = [edges.get(`${a}>${b}`), edges.get(`${b}>${a}`)];
      if (status === 'accepted') return ab?.state !== 'accepted' || ba?.state !== 'accepted' || !ab.since || ab.since !== ba.since;
      return ab?.state !== 'outgoing' || ba?.state !== 'incoming';
    });
    expect(wrongPairs).toEqual([]);

    // The same file again: everything compares equal, nothing is written.
    const again = Date.now();
    await s3.send(new PutObjectCommand({ Bucket: endpoints.bucket, Key: key, Body: expected.file, ContentType: 'application/x-ndjson' }));
    const second = await waitForReport(key, again, 90_000);
    console.log(describeRun('second run', second));
    expect(second).toMatchObject({ status: 'COMPLETED', lines: LINES, malformedCount: 1_000, users: { written: 0 }, friendships: { written: 0, edgesWritten: 0 } });
    expect(second.users.unchanged).toBe(expected.users.size);
    expect(second.friendships.unchanged).toBe(expected.pairs.size);
    expect(second.malformed).toEqual(first.malformed);
  },
  400_000,
);
