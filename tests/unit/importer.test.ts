import { Readable } from 'node:stream';
import type { FriendshipEdge } from '#shared/friends/model';
import {
  importFile,
  isImportKey,
  type ImportFiles,
  type ImportSource,
  type ImportStore,
} from '#shared/imports/importer';
import { edgeKey } from '#shared/imports/plan';
import type { ImportReport } from '#shared/imports/report';

const SOURCE: ImportSource = { bucket: 'media', key: 'imports/people.jsonl' };
const T0 = '2024-01-01T00:00:00.000Z';

class MemoryStore implements ImportStore {
  readonly users = new Map<string, Record<string, unknown>>();
  readonly edges = new Map<string, FriendshipEdge>();
  writes = 0;
  failWrites = false;

  async getUsers(ids: string[]) {
    return new Map(ids.filter((id) => this.users.has(id)).map((id) => [id, structuredClone(this.users.get(id)!)]));
  }
  async getEdges(keys: Array<{ userId: string; friendId: string }>) {
    const found = new Map<string, FriendshipEdge>();
    for (const k of keys) {
      const e = this.edges.get(edgeKey(k.userId, k.friendId));
      if (e) found.set(edgeKey(k.userId, k.friendId), structuredClone(e));
    }
    return found;
  }
  async putUsers(items: Array<Record<string, unknown>>) {
    if (this.failWrites && items.length) throw new Error('DynamoDB is down');
    for (const item of items) this.users.set(item.userId as string, structuredClone(item));
    this.writes += items.length;
  }
  async putEdges(items: FriendshipEdge[]) {
    if (this.failWrites && items.length) throw new Error('DynamoDB is down');
    for (const item of items) this.edges.set(edgeKey(item.userId, item.friendId), structuredClone(item));
    this.writes += items.length;
  }
}

class MemoryFiles implements ImportFiles {
  readonly reports: ImportReport[] = [];
  opened: Array<string | undefined> = [];
  constructor(private readonly content: string) {}
  async open(_source: ImportSource, etag?: string) {
    this.opened.push(etag);
    // Small chunks: lines are cut apart as they would be on the network.
    const bytes = Buffer.from(this.content);
    const parts: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 7) parts.push(bytes.subarray(i, i + 7));
    return { body: Readable.from(parts, { objectMode: false }), etag: '"v1"' };
  }
  async writeReport(_source: ImportSource, report: ImportReport) {
    this.reports.push(report);
  }
  get last() {
    return this.reports.at(-1)!;
  }
}

const user = (userId: string, displayName: string, extra: object = {}) =>
  JSON.stringify({ type: 'user', userId, displayName, ...extra });
const friendship = (userId: string, friendId: string, status: string) =>
  JSON.stringify({ type: 'friendship', userId, friendId, status });

const FILE = [
  user('ann', 'Ann'), // 1
  user('ben', 'Ben', { notificationPreferences: { newContent: false } }), // 2
  '', // 3
  friendship('ann', 'ben', 'requested'), // 4
  '{"type":"user","userId":"cid"', // 5: invalid JSON
  friendship('ben', 'ann', 'accepted'), // 6: the same pair, later line wins
  friendship('ann', 'ann', 'accepted'), // 7: self
  user('ann', 'Annie'), // 8: duplicate, later line wins
  friendship('ann', 'dan', 'accepted'), // 9: dan blocks ann (seeded)
  user('cid', 'Cid', { role: 'admin' }), // 10: unknown key
  friendship('cid', 'ann', 'requested'), // 11
].join('\r\n');

function seeded(): MemoryStore {
  const store = new MemoryStore();
  store.edges.set(edgeKey('dan', 'ann'), {
    userId: 'dan',
    friendId: 'ann',
    state: 'none',
    blocking: true,
    blockedBy: false,
    updatedAt: T0,
    version: 1,
  });
  store.edges.set(edgeKey('ann', 'dan'), {
    userId: 'ann',
    friendId: 'dan',
    state: 'none',
    blocking: false,
    blockedBy: true,
    updatedAt: T0,
    version: 1,
  });
  return store;
}

const clock = () => new Date('2024-06-01T12:00:00.000Z');

describe('importFile', () => {
  it('loads valid lines, merges duplicates, skips blocked pairs and lists malformed lines', async () => {
    const store = seeded();
    const files = new MemoryFiles(FILE);
    const report = await importFile(SOURCE, { files, store }, { now: clock });
    expect(report).toMatchObject({
      source: 's3://media/imports/people.jsonl',
      status: 'COMPLETED',
      startedAt: '2024-06-01T12:00:00.000Z',
      finishedAt: '2024-06-01T12:00:00.000Z',
      lines: 11,
      empty: 1,
      duplicates: 2,
      users: { written: 2, unchanged: 0 },
      friendships: { written: 2, unchanged: 0, skipped: 1, edgesWritten: 4 },
      malformed: [
        { line: 5, reason: 'invalid JSON' },
        { line: 7, reason: 'friendId: must differ from userId' },
        { line: 10, reason: 'Unrecognized key: "role"' },
      ],
      malformedCount: 3,
      skipped: [{ line: 9, reason: 'blocked' }],
    });
    expect(report.peakHeapBytes).toBeGreaterThan(0);
    expect(files.reports.map((r) => r.status)).toEqual(['RUNNING', 'COMPLETED']);
    expect(store.users.get('ann')).toMatchObject({ displayName: 'Annie' });
    expect(store.users.get('ben')).toMatchObject({
      notificationPreferences: { newContent: false, friendRequests: true, friendAccepts: true },
    });
    expect(store.edges.get(edgeKey('ann', 'ben'))).toMatchObject({
      state: 'accepted',
      since: '2024-06-01T12:00:00.000Z',
    });
    expect(store.edges.get(edgeKey('ann', 'cid'))).toMatchObject({ state: 'incoming' });
    expect(store.edges.get(edgeKey('ann', 'dan'))).toMatchObject({ blockedBy: true, version: 1 });
    // Every line is accounted for exactly once.
    const { lines, empty, duplicates, users, friendships, malformedCount } = report;
    expect(
      empty +
        duplicates +
        malformedCount +
        users.written +
        users.unchanged +
        friendships.written +
        friendships.unchanged +
        friendships.skipped,
    ).toBe(lines);
  });

  it('writes nothing when the same file is imported again (a redelivered event)', async () => {
    const store = seeded();
    await importFile(SOURCE, { files: new MemoryFiles(FILE), store }, { now: clock });
    const before = structuredClone([...store.users, ...store.edges]);
    store.writes = 0;
    const again = await importFile(
      SOURCE,
      { files: new MemoryFiles(FILE), store },
      { now: () => new Date('2024-07-01T00:00:00.000Z') },
    );
    expect(store.writes).toBe(0);
    expect(again).toMatchObject({
      users: { written: 0, unchanged: 2 },
      friendships: { written: 0, unchanged: 2, skipped: 1, edgesWritten: 0 },
      malformedCount: 3,
    });
    expect([...store.users, ...store.edges]).toEqual(before);
  });

  it('reads the file twice, the second time pinned to the version read first', async () => {
    const files = new MemoryFiles(FILE);
    await importFile(SOURCE, { files, store: seeded() }, { now: clock });
    expect(files.opened).toEqual([undefined, '"v1"']);
  });

  it('applies only the last line of a key: fields it leaves out are not taken from earlier lines', async () => {
    const avatar = '3f2b8c1e-9d4a-4e7b-8a6f-1c2d3e4f5a6b';
    const store = new MemoryStore();
    const file = [
      user('ann', 'Ann', { avatarContentId: avatar }),
      friendship('ann', 'ben', 'accepted'),
      user('ann', 'Annie'),
      friendship('ben', 'ann', 'requested'),
    ].join('\n');
    const report = await importFile(SOURCE, { files: new MemoryFiles(file), store }, { now: clock, chunkSize: 1 });
    expect(report).toMatchObject({
      duplicates: 2,
      users: { written: 1 },
      friendships: { written: 1, edgesWritten: 2 },
    });
    expect(store.users.get('ann')).toEqual({
      userId: 'ann',
      displayName: 'Annie',
      notificationPreferences: { newContent: true, friendRequests: true, friendAccepts: true },
      createdAt: '2024-06-01T12:00:00.000Z',
      updatedAt: '2024-06-01T12:00:00.000Z',
    });
    expect(store.edges.get(edgeKey('ben', 'ann'))).toMatchObject({ state: 'outgoing', version: 1 });
    // Each key written once, even with every line in its own chunk.
    expect(store.writes).toBe(3);
  });

  it('gives the same result whatever the chunk size, and a rerun writes nothing even when a key spans chunks', async () => {
    const reference = seeded();
    await importFile(SOURCE, { files: new MemoryFiles(FILE), store: reference }, { now: clock });
    for (const chunkSize of [1, 2, 3]) {
      const store = seeded();
      const report = await importFile(SOURCE, { files: new MemoryFiles(FILE), store }, { now: clock, chunkSize });
      expect(store.users).toEqual(reference.users);
      expect(store.edges).toEqual(reference.edges);
      expect(report.malformed).toHaveLength(3);
      store.writes = 0;
      const again = await importFile(SOURCE, { files: new MemoryFiles(FILE), store }, { now: clock, chunkSize });
      expect(store.writes).toBe(0);
      expect(again).toMatchObject({ users: { written: 0 }, friendships: { written: 0 } });
    }
  });

  it('rewrites the report while running, and caps the listed issues but not their count', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => (i % 2 ? 'oops' : user(`u${i}`, `U ${i}`)));
    const files = new MemoryFiles(lines.join('\n'));
    const report = await importFile(
      SOURCE,
      { files, store: new MemoryStore() },
      { now: clock, progressEveryLines: 10, chunkSize: 1000, maxListed: 5 },
    );
    expect(files.reports.map((r) => [r.status, r.lines])).toEqual([
      ['RUNNING', 0],
      ['RUNNING', 10],
      ['RUNNING', 20],
      ['RUNNING', 30],
      ['RUNNING', 40],
      ['RUNNING', 50],
      ['COMPLETED', 50],
    ]);
    // Progress reports come after the chunk is written: their counts are what is stored.
    expect(files.reports[2]!.users.written).toBe(10);
    expect(report.malformed.map((m) => m.line)).toEqual([2, 4, 6, 8, 10]);
    expect(report.malformedCount).toBe(25);
  });

  it('reports FAILED and rethrows when writing fails, so Lambda retries', async () => {
    const store = new MemoryStore();
    store.failWrites = true;
    const files = new MemoryFiles(FILE);
    await expect(importFile(SOURCE, { files, store }, { now: clock })).rejects.toThrow('DynamoDB is down');
    expect(files.last).toMatchObject({
      status: 'FAILED',
      error: 'DynamoDB is down',
      finishedAt: '2024-06-01T12:00:00.000Z',
    });
  });

  it('stops before the function times out, with a FAILED report saying where', async () => {
    const files = new MemoryFiles(FILE);
    await expect(
      importFile(SOURCE, { files, store: new MemoryStore() }, { now: clock, chunkSize: 2, remainingMs: () => 5_000 }),
    ).rejects.toThrow(/stopped at line 6 /);
    // Lines 1 and 4 are superseded by later lines: the first chunk of two is full at line 6.
    expect(files.last).toMatchObject({
      status: 'FAILED',
      lines: 6,
      users: { written: 1 },
      friendships: { written: 1 },
    });
  });

  it('also stops in the first pass when time runs out', async () => {
    const files = new MemoryFiles(FILE);
    await expect(
      importFile(
        SOURCE,
        { files, store: new MemoryStore() },
        { now: clock, progressEveryLines: 5, remainingMs: () => 5_000 },
      ),
    ).rejects.toThrow(/stopped at line 5 /);
    expect(files.last).toMatchObject({ status: 'FAILED', lines: 0 });
  });

  it('imports only imports/*.jsonl', () => {
    expect(isImportKey('imports/a.jsonl')).toBe(true);
    expect(isImportKey('imports/sub/a b.jsonl')).toBe(true);
    expect(isImportKey('imports/a.jsonl.report.json')).toBe(false);
    expect(isImportKey('uploads/a.jsonl')).toBe(false);
  });
});
