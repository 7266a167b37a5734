// The feed against a reference model, property-based (fast-check), on DynamoDB Local.
//
// Each run gets fresh Content, Friendships and Feed tables (cloned from the stack's, streams
// included) and three users, then plays a random sequence of uploads (READY or left PENDING),
// caption and visibility edits, deletes and purges, friend requests, unfriends, blocks and
// unblocks. The real stream records of those writes (and of the Feed table's, for the trimmer)
// are delivered to the feed builder and the trimmer through
// Powertools' batch processor the way Lambda would, but worse: at random points, in random order,
// split over concurrent batches, some delivered twice, and old ones replayed long after (also after
// everything else). Mid-way reads must never show what the viewer may not see at that moment.
// At the end, for every user:
//  - the served feed (FeedReader.page, followed through every cursor with a random page size) must
//    equal the model's: 0 missing, 0 extra, 0 leaked (an item the user may not see), newest first,
//    no repeats;
//  - the index itself must be exact above the user's window floor (a purge removes entries, the
//    read-time check is not what makes the feed right), hold at most `cap` entries there and none
//    below (when every new entry is checked), and the public day partitions must hold exactly the
//    public items.
// A small cap (1-5) makes trimming and computing older pages on read part of nearly every run.
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { DynamoDBRecord } from 'aws-lambda';
import { DeleteTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Visibility } from '../../shared/content/model';
import { StreamTap, streamsClient } from '../support/stream-records';
import { cloneTable as cloneStackTable } from '../support/tables';
import { feedModules, type FeedModules } from '../support/feed-modules';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
const RUNS = Number(process.env.FEED_MODEL_RUNS ?? 20);
const USERS = 3;

const ddb = new DynamoDBClient({
  endpoint: endpoints.dynamodb,
  region: endpoints.region,
  credentials: endpoints.credentials,
});
const streams = streamsClient(endpoints.dynamodb, endpoints.region, endpoints.credentials);

let mods: FeedModules;

beforeAll(async () => {
  mods = feedModules(endpoints);
});

/** A fresh, empty copy of one of the stack's tables (keys, indexes, stream). */
const cloneTable = (logicalId: string, suffix: string) => cloneStackTable(ddb, endpoints.tables[logicalId]!, suffix);

// ------------------------------------------------------------------------------------------------
// The commands and the reference model

const VIS: Visibility[] = ['public', 'friends', 'private'];
type FriendAction = 'request' | 'remove' | 'block' | 'unblock';
/** `befriend` = a asks b, then b asks a (two requests, the second accepts). */
type FriendCmd = FriendAction | 'befriend';
type Cmd =
  | { k: 'upload'; owner: number; vis: Visibility; gapMin: number }
  | { k: 'pending'; owner: number; vis: Visibility; gapMin: number }
  | { k: 'edit'; item: number; vis?: Visibility; caption?: string }
  | { k: 'delete'; item: number }
  | { k: 'purge'; item: number }
  | { k: 'friend'; a: number; offset: number; action: FriendCmd }
  | { k: 'deliver'; n: number }
  | { k: 'replay'; n: number }
  | { k: 'peek'; viewer: number };

const userIx = fc.integer({ min: 0, max: USERS - 1 });
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('upload' as const),
      owner: userIx,
      vis: fc.constantFrom(...VIS),
      gapMin: fc.integer({ min: 1, max: 2000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('pending' as const),
      owner: userIx,
      vis: fc.constantFrom(...VIS),
      gapMin: fc.integer({ min: 1, max: 600 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        k: fc.constant('edit' as const),
        item: fc.nat(),
        vis: fc.constantFrom(...VIS),
        caption: fc.string({ maxLength: 8 }),
      },
      { requiredKeys: ['k', 'item'] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('delete' as const), item: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('purge' as const), item: fc.nat() }) },
  {
    weight: 8,
    arbitrary: fc.record({
      k: fc.constant('friend' as const),
      a: userIx,
      offset: fc.integer({ min: 1, max: USERS - 1 }),
      action: fc.constantFrom<FriendCmd>(
        'befriend',
        'befriend',
        'befriend',
        'request',
        'remove',
        'remove',
        'block',
        'unblock',
      ),
    }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('deliver' as const), n: fc.integer({ min: 1, max: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('replay' as const), n: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('peek' as const), viewer: userIx }) },
);

interface MItem {
  id: string;
  owner: string;
  ready: boolean;
  vis: Visibility;
  deleted: boolean;
  purged: boolean;
  createdAt: string;
  version: number;
}

/** One unordered pair: who asked (if pending), whether accepted, who blocks whom. */
interface MPair {
  asked?: string;
  accepted: boolean;
  blockers: Set<string>;
}

class Model {
  readonly items: MItem[] = [];
  private readonly pairs = new Map<string, MPair>();

  pair(a: string, b: string): MPair {
    const key = [a, b].sort().join('|');
    let p = this.pairs.get(key);
    if (!p) {
      p = { accepted: false, blockers: new Set() };
      this.pairs.set(key, p);
    }
    return p;
  }

  /** The friendship rules, independently of shared/friends/model.ts. Returns whether the action is refused. */
  friend(a: string, b: string, action: FriendAction): 'refused' | 'ok' {
    const p = this.pair(a, b);
    switch (action) {
      case 'request':
        if (p.blockers.size) return 'refused';
        if (p.accepted) return 'ok';
        if (p.asked === b) {
          p.accepted = true;
          p.asked = undefined;
        } else p.asked = a;
        return 'ok';
      case 'remove':
        if (!p.blockers.size) {
          p.accepted = false;
          p.asked = undefined;
        }
        return 'ok';
      case 'block':
        p.blockers.add(a);
        p.accepted = false;
        p.asked = undefined;
        return 'ok';
      case 'unblock':
        p.blockers.delete(a);
        return 'ok';
    }
  }

  canSee(viewer: string, item: MItem): boolean {
    if (item.purged || item.deleted || !item.ready) return false;
    if (viewer === item.owner) return true;
    const p = this.pair(viewer, item.owner);
    if (p.blockers.size) return false;
    return item.vis === 'public' || (item.vis === 'friends' && p.accepted);
  }

  /** The feed: every READY item the viewer may see, newest first. */
  feed(viewer: string): string[] {
    return this.items
      .filter((i) => this.canSee(viewer, i))
      .sort((x, y) => (sortKey(y) < sortKey(x) ? -1 : 1))
      .map((i) => i.id);
  }

  /** What the viewer's own partition should index: own non-public items, friends' friends-only items. */
  partition(viewer: string): MItem[] {
    return this.items.filter(
      (i) =>
        !i.purged &&
        !i.deleted &&
        i.ready &&
        ((i.owner === viewer && i.vis !== 'public') ||
          (i.vis === 'friends' && i.owner !== viewer && this.pair(viewer, i.owner).accepted)),
    );
  }

  publicItems(): MItem[] {
    return this.items.filter((i) => !i.purged && !i.deleted && i.ready && i.vis === 'public');
  }
}

const sortKey = (i: { createdAt: string; id: string }) => `${i.createdAt}#${i.id}`;

/** A small seeded PRNG (mulberry32): delivery order is part of the generated case, so a failure replays. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ------------------------------------------------------------------------------------------------

async function runCase(cmds: Cmd[], cap: number, trimEvery: number, seed: number): Promise<void> {
  const random = prng(seed);
  const suffix = randomUUID().slice(0, 8);
  const [contentTable, friendshipsTable, feedTable] = await Promise.all([
    cloneTable('ContentTable', suffix),
    cloneTable('FriendshipsTable', suffix),
    cloneTable('FeedTable', suffix),
  ]);
  try {
    const content = new mods.ContentRepository(mods.db, contentTable);
    const friendships = new mods.FriendshipRepository(mods.db, friendshipsTable);
    const feed = new mods.FeedRepository(mods.db, feedTable);
    const builder = new mods.FeedBuilder(feed, content, friendships, { cap });
    const trimmer = new mods.FeedTrimmer(feed, cap);
    const reader = new mods.FeedReader(feed, content, friendships, new mods.ContentAccess(content, friendships));
    const taps = await Promise.all(
      [contentTable, friendshipsTable, feedTable].map((t) => StreamTap.open(ddb, streams, t, endpoints.region)),
    );
    const feedStreamArn = (await ddb.send(new DescribeTableCommand({ TableName: feedTable }))).Table!.LatestStreamArn!;

    const users: string[] = Array.from({ length: USERS }, () => randomUUID());
    const model = new Model();
    const pool: DynamoDBRecord[] = [];
    const delivered: DynamoDBRecord[] = [];
    let clock = Date.parse('2026-03-01T20:00:00.000Z');

    const collect = async () => {
      for (const tap of taps) pool.push(...(await tap.take()));
    };
    /**
     * Content and Friendships records to the builder, Feed records to the trimmer: one or two
     * concurrent batches each, as Lambda would hand them over (but in any order).
     */
    const deliver = async (records: DynamoDBRecord[]) => {
      if (!records.length) return;
      const batches: { records: DynamoDBRecord[]; handler: (r: DynamoDBRecord) => Promise<void> }[] = [];
      for (const [mine, handler] of [
        [records.filter((r) => r.eventSourceARN !== feedStreamArn), mods.builderRecordHandler(builder)],
        [records.filter((r) => r.eventSourceARN === feedStreamArn), null],
      ] as const) {
        const cut = random() < 0.5 ? mine.length : Math.floor(random() * mine.length);
        for (const part of [mine.slice(0, cut), mine.slice(cut)]) {
          if (part.length)
            batches.push({ records: part, handler: handler ?? mods.trimmerBatchHandler(trimmer, trimEvery) });
        }
      }
      const results = await Promise.all(
        batches.map((b) =>
          processPartialResponse({ Records: b.records }, b.handler, new BatchProcessor(EventType.DynamoDBStreams), {
            throwOnFullBatchFailure: false,
          }),
        ),
      );
      const failures = results.flatMap((r) => r.batchItemFailures);
      expect(failures, 'the builder or the trimmer failed records').toEqual([]);
      delivered.push(...records);
    };
    const takeRandom = (from: DynamoDBRecord[], n: number, keep: number) => {
      const picked: DynamoDBRecord[] = [];
      for (let i = 0; i < n && from.length; i++) {
        const j = Math.floor(random() * from.length);
        picked.push(from[j]!);
        // Left in place: delivered again later (a duplicate).
        if (random() >= keep) from.splice(j, 1);
      }
      return picked;
    };
    const itemAt = (ix: number) => (model.items.length ? model.items[ix % model.items.length] : undefined);

    for (const cmd of cmds) {
      switch (cmd.k) {
        case 'upload':
        case 'pending': {
          clock += cmd.gapMin * 60_000 + Math.floor(random() * 1000);
          const owner = users[cmd.owner]!;
          const item = mods.newPendingItem({
            contentId: randomUUID(),
            ownerId: owner,
            visibility: cmd.vis,
            contentType: 'image/jpeg',
            size: 10,
            now: new Date(clock),
          });
          await content.createPending(item);
          const m: MItem = {
            id: item.contentId,
            owner,
            ready: false,
            vis: cmd.vis,
            deleted: false,
            purged: false,
            createdAt: item.createdAt,
            version: 1,
          };
          model.items.push(m);
          if (cmd.k === 'upload') {
            // The two media functions' writes, then READY: the same calls they make.
            await content.recordDerivatives(
              m.id,
              {
                thumbnail: { key: `derived/${m.id}/t.webp`, contentType: 'image/webp', width: 8, height: 8, bytes: 8 },
              },
              { width: 8, height: 8 },
              'ph',
              'sha',
            );
            await content.recordMetadata(m.id, {});
            expect((await content.markReadyIfComplete(m.id)).applied).toBe(true);
            m.ready = true;
          }
          break;
        }
        case 'edit': {
          const m = itemAt(cmd.item);
          if (!m || m.purged) break;
          const out = await content.applyPatch(m.id, m.version, {
            ...(cmd.vis ? { visibility: cmd.vis } : {}),
            ...(cmd.caption !== undefined ? { caption: cmd.caption } : {}),
          });
          if (m.deleted) expect(out.outcome).toBe('gone');
          else {
            expect(out.outcome).toBe('updated');
            m.version++;
            if (cmd.vis) m.vis = cmd.vis;
          }
          break;
        }
        case 'delete': {
          const m = itemAt(cmd.item);
          if (!m || m.purged) break;
          expect(await content.softDelete(m.id, m.owner)).toBe(!m.deleted);
          m.deleted = true;
          break;
        }
        case 'purge': {
          // The cleanup cascade's last step, for an item deleted earlier.
          const m = itemAt(cmd.item);
          if (!m?.deleted || m.purged) break;
          await content.purge(m.id);
          m.purged = true;
          break;
        }
        case 'friend': {
          const a = users[cmd.a]!;
          const b = users[(cmd.a + cmd.offset) % USERS]!;
          const steps: [string, string, FriendAction][] =
            cmd.action === 'befriend'
              ? [
                  [a, b, 'request'],
                  [b, a, 'request'],
                ]
              : [[a, b, cmd.action]];
          for (const [x, y, action] of steps) {
            const expected = model.friend(x, y, action);
            const outcome = await friendships.change(x, y, action).then(
              () => 'ok',
              (error: Error) => (error.message === 'User not found.' ? 'refused' : Promise.reject(error)),
            );
            expect(outcome, `${action} ${users.indexOf(x)} -> ${users.indexOf(y)}`).toBe(expected);
          }
          break;
        }
        case 'deliver':
          await collect();
          await deliver(takeRandom(pool, cmd.n, 0.25));
          break;
        case 'replay':
          await deliver(takeRandom([...delivered], cmd.n, 0));
          break;
        case 'peek': {
          // Mid-way, with records still undelivered, the index lags: a feed may miss what is
          // new, but never shows what the viewer may not see now.
          const viewer = users[cmd.viewer]!;
          const page = await reader.page(viewer, 5);
          const byId = new Map(model.items.map((i) => [i.id, i]));
          const leaked = page.items.map((v) => v.item.contentId).filter((id) => !model.canSee(viewer, byId.get(id)!));
          expect(leaked, `user ${cmd.viewer}: leaked while the index lags`).toEqual([]);
          break;
        }
      }
    }

    // Everything still undelivered, shuffled and partly duplicated (the trimmer's input appears
    // as the builder writes); then stale records replayed, and what those caused.
    const flush = async () => {
      for (await collect(); pool.length; await collect()) await deliver(takeRandom(pool, 10, 0.2));
    };
    await flush();
    await deliver(takeRandom([...delivered], Math.min(delivered.length, 8), 0));
    await flush();

    /** The served feeds, the index above each floor and the public partitions, against the model. */
    const verify = async (index: typeof feed, servedBy: typeof reader, table: string, label: string) => {
      for (const [ix, user] of users.entries()) {
        const who = `${label}user ${ix}`;
        // Served feed, through every cursor.
        const served: string[] = [];
        const limit = 1 + Math.floor(random() * 4);
        let cursor: string | undefined;
        for (let pages = 0; ; pages++) {
          expect(pages, `${who}: too many pages`).toBeLessThan(500);
          const page = await servedBy.page(user, limit, cursor);
          expect(page.items.length).toBeLessThanOrEqual(limit);
          served.push(...page.items.map((v) => v.item.contentId));
          cursor = page.cursor;
          if (!cursor) break;
        }
        const expected = model.feed(user);
        const byId = new Map(model.items.map((i) => [i.id, i]));
        const missing = expected.filter((id) => !served.includes(id));
        const extra = served.filter((id) => !expected.includes(id));
        const leaked = served.filter((id) => !model.canSee(user, byId.get(id)!));
        expect({ who, missing, extra, leaked }).toEqual({ who, missing: [], extra: [], leaked: [] });
        expect(served, `${who}: order or repeats`).toEqual(expected);

        // The index itself, above the window floor.
        const floor = await index.floor(user);
        const all = await index.entriesOf(user);
        const entries = all.filter((e) => floor === undefined || e.sortKey > floor);
        // Checked on every new entry, the trimmer leaves nothing at or below the floor.
        if (trimEvery === 1) expect(all.length - entries.length, `${who}: entries left at or below the floor`).toBe(0);
        const wanted = model.partition(user).filter((i) => floor === undefined || sortKey(i) > floor);
        expect(entries.map((e) => e.contentId).sort(), `${who}: partition entries above the floor`).toEqual(
          wanted.map((i) => i.id).sort(),
        );
        if (trimEvery === 1) expect(entries.length, `${who}: entries above the floor`).toBeLessThanOrEqual(cap);
      }
      // The public day partitions hold exactly the public items, and each such day is listed.
      const listed = await queryAll(table, 'public-buckets');
      const days = new Set([
        ...listed.map((i) => i.sortKey as string),
        ...model.publicItems().map((i) => i.createdAt.slice(0, 10)),
      ]);
      const inPublic: string[] = [];
      for (const day of days)
        inPublic.push(...(await queryAll(table, `public#${day}`)).map((i) => i.contentId as string));
      expect(inPublic.sort(), `${label}public partitions`).toEqual(
        model
          .publicItems()
          .map((i) => i.id)
          .sort(),
      );
      for (const i of model.publicItems()) expect(listed.map((l) => l.sortKey)).toContain(i.createdAt.slice(0, 10));
    };
    await verify(feed, reader, feedTable, '');

    // Rebuilt from the Content and Friendships tables alone into an empty Feed table (what
    // `npm run feeds:rebuild` does), with the trimmer on that table's records: the same feeds.
    const rebuiltTable = await cloneTable('FeedTable', `${suffix}-r`);
    try {
      const rebuilt = new mods.FeedRepository(mods.db, rebuiltTable);
      const rebuiltTap = await StreamTap.open(ddb, streams, rebuiltTable, endpoints.region);
      const result = await mods.rebuildFeeds(
        new mods.FeedBuilder(rebuilt, content, friendships, { cap }),
        content.scanKeys(),
        { parallel: 3 },
      );
      expect(result).toMatchObject({ done: true, items: model.items.filter((i) => !i.purged).length });
      const rebuiltTrimmer = new mods.FeedTrimmer(rebuilt, cap);
      for (let records = await rebuiltTap.take(); records.length; records = await rebuiltTap.take()) {
        const out = await processPartialResponse(
          { Records: records },
          mods.trimmerBatchHandler(rebuiltTrimmer, trimEvery),
          new BatchProcessor(EventType.DynamoDBStreams),
          { throwOnFullBatchFailure: false },
        );
        expect(out.batchItemFailures, 'the trimmer failed records of the rebuild').toEqual([]);
      }
      await verify(
        rebuilt,
        new mods.FeedReader(rebuilt, content, friendships, new mods.ContentAccess(content, friendships)),
        rebuiltTable,
        'rebuilt: ',
      );
    } finally {
      await ddb.send(new DeleteTableCommand({ TableName: rebuiltTable })).catch(() => undefined);
    }
    // Run again over the feeds the stream consumers built (as beside the live builder): nothing changes.
    await mods.rebuildFeeds(builder, content.scanKeys(), { parallel: 3 });
    await flush();
    await verify(feed, reader, feedTable, 'rebuilt over the live feed: ');
  } finally {
    await Promise.all(
      [contentTable, friendshipsTable, feedTable].map((t) =>
        ddb.send(new DeleteTableCommand({ TableName: t })).catch(() => undefined),
      ),
    );
  }
}

async function queryAll(table: string, feedKey: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await mods.db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'feedKey = :k',
        ExpressionAttributeValues: { ':k': feedKey },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    out.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return out;
}

describe('feeds against a reference model', () => {
  it(
    'random uploads, edits, deletes and friendships, with records duplicated, reordered and replayed: 0 missing, 0 extra, 0 leaked',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(cmdArb, { minLength: 15, maxLength: 60, size: 'max' }),
          fc.integer({ min: 1, max: 5 }),
          fc.constantFrom(1, 1, 3),
          fc.integer(),
          (cmds, cap, trimEvery, seed) => runCase(cmds, cap, trimEvery, seed),
        ),
        { numRuns: RUNS, endOnFailure: true },
      );
    },
    20 * 60_000,
  );
});
