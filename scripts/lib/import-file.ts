// A generated bulk-import file (users and friendships, 1% malformed lines of ten kinds at known
// line numbers, every record twice as an export with history has it) and what importing it must
// leave in the tables. Used by the import test (a sample) and `npm run bench:import` (100,000 lines).
import {
  BatchGetCommand,
  ScanCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  type ScanCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { ImportReport } from '../../shared/imports/report';

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
  notificationPreferences: { newContent: boolean; friendRequests: boolean; friendAccepts: boolean };
}

export interface ImportFile {
  /** The file's text. */
  file: string;
  lines: number;
  /** Line numbers of the malformed lines. */
  bad: number[];
  /** Blank lines (skipped silently). */
  empty: number;
  users: Map<string, ExpectedUser>;
  /** Keyed `a>b` as first named; the final status. */
  pairs: Map<string, { a: string; b: string; status: 'accepted' | 'requested' }>;
  /** For each key (user id, or pair `a>b`): the line numbers that set it, in file order. */
  linesOf: Map<string, number[]>;
}

/**
 * `lines` lines (a multiple of 1,000) with ids starting with `p`: a bad line where n % 100 == 37,
 * a blank line where n % 1000 == 500 (skipped silently), otherwise 3 user lines in 4 and
 * 1 friendship line. Every record comes twice: a user is created, then renamed or given
 * preferences ~500 lines later; a pair is requested, then (4 in 5) accepted, the other way round
 * for odd pairs. The later line wins. CRLF line breaks on the first half, LF on the rest, none
 * after the last line. (Twice per key also keeps the writes - DynamoDB Local's bottleneck - at
 * about 65% of the lines.)
 */
export function generateImportFile(p: string, lines: number): ImportFile {
  if (lines <= 0 || lines % 1000 !== 0) throw new Error(`lines must be a positive multiple of 1,000, not ${lines}`);
  const parts: string[] = [];
  const bad: number[] = [];
  const users: ImportFile['users'] = new Map();
  const pairs: ImportFile['pairs'] = new Map();
  const linesOf: ImportFile['linesOf'] = new Map();
  const seen = (key: string, n: number) => linesOf.set(key, [...(linesOf.get(key) ?? []), n]);
  let empty = 0;
  let valid = 0;
  let userSlots = 0;
  let pairSlots = 0;
  for (let n = 1; n <= lines; n++) {
    if (n % 100 === 37) {
      bad.push(n);
      parts.push(badLine(bad.length, p, n));
      continue;
    }
    if (n % 1000 === 500) {
      empty++;
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
      const line: Record<string, unknown> = {
        type: 'user',
        userId,
        displayName: update && i % 2 === 0 ? `User ${i} (renamed)` : `User ${i}`,
      };
      if (i % 3 === 0) line.avatarContentId = AVATAR;
      if (update && i % 2 === 1) line.notificationPreferences = { newContent: false };
      users.set(userId, {
        displayName: line.displayName as string,
        ...(i % 3 === 0 ? { avatarContentId: AVATAR } : {}),
        notificationPreferences: { newContent: !(update && i % 2 === 1), friendRequests: true, friendAccepts: true },
      });
      seen(userId, n);
      parts.push(JSON.stringify(line));
    } else {
      // Blocks of 400 slots: 200 pairs requested, then the same 200 accepted (or asked again).
      const k = pairSlots++;
      const later = k % 400 >= 200;
      const j = Math.floor(k / 400) * 200 + (k % 200);
      const [a, b] = [`${p}u${j}`, `${p}u${j + 7}`];
      seen(`${a}>${b}`, n);
      if (!later) {
        pairs.set(`${a}>${b}`, { a, b, status: 'requested' });
        parts.push(JSON.stringify({ type: 'friendship', userId: a, friendId: b, status: 'requested' }));
      } else if (j % 5 === 0) {
        parts.push(JSON.stringify({ type: 'friendship', userId: a, friendId: b, status: 'requested' }));
      } else {
        pairs.get(`${a}>${b}`)!.status = 'accepted';
        parts.push(
          JSON.stringify({ type: 'friendship', userId: j % 2 ? b : a, friendId: j % 2 ? a : b, status: 'accepted' }),
        );
      }
    }
  }
  const half = lines / 2;
  return {
    file: `${parts.slice(0, half).join('\r\n')}\r\n${parts.slice(half).join('\n')}`,
    lines,
    bad,
    empty,
    users,
    pairs,
    linesOf,
  };
}

/** All items for `keys`, 100 per BatchGetItem (unprocessed keys asked again). */
async function getAll(
  dynamo: DynamoDBDocumentClient,
  table: string,
  keys: Array<Record<string, string>>,
): Promise<Array<Record<string, any>>> {
  const items: Array<Record<string, any>> = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Array<Record<string, any>> | undefined = keys.slice(i, i + 100);
    while (pending?.length) {
      const out: BatchGetCommandOutput = await dynamo.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
      );
      items.push(...(out.Responses?.[table] ?? []));
      pending = out.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return items;
}

/** Items whose userId starts with `prefix` (a Scan: fine for a test or a benchmark, never on a request path). */
export async function countItems(dynamo: DynamoDBDocumentClient, table: string, prefix: string): Promise<number> {
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

/** The users whose stored item differs from what the file's last line for them says (ids). */
export async function wrongUsers(
  dynamo: DynamoDBDocumentClient,
  table: string,
  expected: ImportFile,
): Promise<string[]> {
  const stored = new Map(
    (
      await getAll(
        dynamo,
        table,
        [...expected.users.keys()].map((userId) => ({ userId })),
      )
    ).map((item) => [item.userId as string, item]),
  );
  return [...expected.users].flatMap(([userId, want]) => {
    const item = stored.get(userId);
    const prefs = item?.notificationPreferences ?? {};
    const right =
      item !== undefined &&
      item.displayName === want.displayName &&
      item.avatarContentId === want.avatarContentId &&
      prefs.newContent === want.notificationPreferences.newContent &&
      prefs.friendRequests === want.notificationPreferences.friendRequests &&
      prefs.friendAccepts === want.notificationPreferences.friendAccepts;
    return right ? [] : [userId];
  });
}

/** The pairs whose two stored edges differ from what the file's last line for them says (`a>b`). */
export async function wrongPairs(
  dynamo: DynamoDBDocumentClient,
  table: string,
  expected: ImportFile,
): Promise<string[]> {
  const pairList = [...expected.pairs.values()];
  const edges = new Map(
    (
      await getAll(
        dynamo,
        table,
        pairList.flatMap(({ a, b }) => [
          { userId: a, friendId: b },
          { userId: b, friendId: a },
        ]),
      )
    ).map((e) => [`${e.userId}>${e.friendId}`, e]),
  );
  return pairList.flatMap(({ a, b, status }) => {
    const [ab, ba] = [edges.get(`${a}>${b}`), edges.get(`${b}>${a}`)];
    const wrong =
      status === 'accepted'
        ? ab?.state !== 'accepted' || ba?.state !== 'accepted' || !ab.since || ab.since !== ba.since
        : ab?.state !== 'outgoing' || ba?.state !== 'incoming';
    return wrong ? [`${a}>${b}`] : [];
  });
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** One line on a finished run: throughput and memory. */
export function describeRun(name: string, report: ImportReport): string {
  const perSecond = Math.round((report.lines / report.durationMs) * 1000);
  const written = report.users.written + report.friendships.edgesWritten;
  const itemsPerSecond = Math.round((written / report.durationMs) * 1000);
  return `${name}: ${report.lines} lines in ${(report.durationMs / 1000).toFixed(1)} s = ${perSecond} lines/s, ${written} items written (${itemsPerSecond}/s); peak heap ${mb(report.peakHeapBytes)} + external ${mb(report.peakExternalBytes)} (the importer's own worker), peak rss ${mb(report.peakRssBytes)} (the whole local stack process)`;
}
