// `npm run bench:feed`: the precomputed feed against computing it on read, on one dataset built by
// the running local stack, and what keeping it precomputed costs. It prints; it asserts nothing
// (acceptance targets are printed next to the figures, PASS/FAIL in the summary). Exits non-zero
// only when it could not measure.
//
//   1. First-page read (20) p50/p99 at 10, 50 and 200 friends per viewer, precomputed vs computed
//      on read: (a) in process, FeedReader.candidates vs FeedReader.computedCandidates; (b) through
//      the local HTTP API, GET /feed?limit=20 for a viewer whose feed is precomputed vs a twin with
//      the same friends whose window floor is raised above every entry (so the same GET /feed
//      computes everything on read). Cases are interleaved round by round, in a rotating order.
//   2. The floor: one GetItem round trip (ConsistentRead, one Feed item) on the same DynamoDB Local,
//      interleaved with (1a); precomputed p99 / GetItem p99 and computed p99 / precomputed p99.
//   3. Fan-out write throughput of FeedBuilder.reconcileContent for an owner with 200 and 1000
//      mutual friends, vs the raw BatchWriteItem ceiling (25 per request, best of 1..16 in flight)
//      into the same Feed table; plus a breakdown (no size checks, the write alone, the reads).
//   4. Upload -> visible in a friend's GET /feed for 12 MP JPEGs through the whole stack.
//
// The dataset is written straight into the Content and Friendships tables (READY items with their
// gallery keys, both friendship edges accepted); the stack's feedBuilder builds the feeds from the
// two streams, and the bench waits for the stream mappings to catch up and checks every viewer's
// partition against what the seed calls for before measuring anything.
// BENCH_FANOUT_STEADY=1 adds (3b) the 200-friend fan-out into friends' partitions filled to feedCap.
// Env: BENCH_RUNS (uploads, 10), BENCH_READS (timed read rounds, 300: that many samples of the
// precomputed and GetItem cases, a third of it of the computed ones), BENCH_FANOUT_REPS (5).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, type BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import { startStack, type Endpoints } from '../infra/local/stack';
import { api, postToS3, signUp, type Session } from '../scripts/lib/client';
import { makeJpeg } from '../scripts/lib/images';
import { derivedKey, originalKey, type ContentItem, type Visibility } from '../shared/domain/content';
import { WINDOW_SORT_KEY, publicBucketOf, publicFeedKey, shouldTrim, sortKeyOf, userFeedKey } from '../shared/domain/feed';
import type { FriendshipEdge } from '../shared/domain/friendship';
import { galleryKeys } from '../shared/domain/visibility';
import { median, ms, percentile, sleep, waitUntil } from './lib/stats';
import { StreamWatcher } from './lib/streams-idle';

const ROOT = path.resolve(__dirname, '..');
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 10));
const READS = Math.max(30, Number(process.env.BENCH_READS ?? 300));
const WARMUP = 30;
/** The computed-on-read cases run in one round out of this many (100 samples of 300 rounds): they take up to ~0.5 s each. */
const COMPUTED_EVERY = 3;
const FANOUT_REPS = Math.max(2, Number(process.env.BENCH_FANOUT_REPS ?? 5));
const STEADY = process.env.BENCH_FANOUT_STEADY === '1';
const STEADY_REPS = 8;

const TIERS = [10, 50, 200] as const;
const ITEMS_PER_FRIEND = 5;
const OWN_ITEMS = 2;
const PUBLIC_TODAY = 120;
const PUBLIC_EARLIER_DAYS = 3;
const PUBLIC_PER_EARLIER_DAY = 25;
const PUBLIC_OWNERS = 40;
const PAGE = 20;
const FANOUT_SIZES = [200, 1000] as const;
const CONCURRENCIES = [1, 2, 4, 8, 16] as const;
const TARGETS = { floorRatio: 2, computedRatio: 20, fanout: 0.8, uploadP99Ms: 2000 };

const DAY_MS = 24 * 60 * 60 * 1000;
const LABEL = 82;
const log = (line = '') => console.log(line);
const x = (v: number) => (Number.isFinite(v) ? `${v.toFixed(v < 10 ? 2 : 1)}x` : 'n/a');
const rate = (v: number) => `${Math.round(v).toLocaleString('en-US')}/s`;

// -------------------------------------------------------------------------------------------------
// Seed data

const iso = (t: number) => new Date(t).toISOString();

function readyItem(ownerId: string, visibility: Visibility, createdAt: string): ContentItem & Record<string, unknown> {
  const contentId = randomUUID();
  const item: ContentItem = {
    contentId,
    ownerId,
    status: 'READY',
    visibility,
    caption: `bench ${visibility} item of ${ownerId.slice(0, 8)}`,
    contentType: 'image/jpeg',
    declaredBytes: 3_000_000 + Math.floor(Math.random() * 1_000_000),
    originalKey: originalKey(ownerId, contentId),
    createdAt,
    updatedAt: createdAt,
    version: 1,
    exif: { make: 'Bench', model: 'Cam', takenAt: createdAt.slice(0, 19), width: 4000, height: 3000 },
    dimensions: { width: 4000, height: 3000 },
    derivatives: {
      display: { key: derivedKey(contentId, 'display'), contentType: 'image/webp', width: 1440, height: 1080, bytes: 180_000 },
      thumbnail: { key: derivedKey(contentId, 'thumbnail'), contentType: 'image/webp', width: 320, height: 320, bytes: 14_000 },
    },
    placeholder: randomBytes(24).toString('base64'),
    sha256: randomBytes(32).toString('hex'),
  };
  return { ...item, ...galleryKeys(item).set };
}

function friendPair(a: string, b: string, at: string): FriendshipEdge[] {
  const edge = (userId: string, friendId: string): FriendshipEdge => ({ userId, friendId, state: 'accepted', blocking: false, blockedBy: false, since: at, updatedAt: at, version: 1 });
  return [edge(a, b), edge(b, a)];
}

function shuffle<T>(list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

function paramOf(yml: string, name: string): number {
  const m = new RegExp(`^\\s*${name}:\\s*(\\d+)`, 'm').exec(yml);
  if (!m) throw new Error(`serverless.yml has no param ${name}`);
  return Number(m[1]);
}

// -------------------------------------------------------------------------------------------------

interface Tier {
  friends: number;
  viewer: Session;
  twin: Session;
}

interface ReadCase {
  key: string;
  run: () => Promise<unknown>;
  /** Runs in one round out of `every` (the slow computed cases), so spread over the same period as the others. */
  every?: number;
}

/**
 * One at a time, round after round: every case of a round in an order that rotates by one each
 * round (a case with `every` only in every n-th round); the first `warmup` rounds are not kept.
 */
async function interleaved(cases: ReadCase[], warmup: number, rounds: number): Promise<Map<string, number[]>> {
  const out = new Map(cases.map((c) => [c.key, [] as number[]]));
  for (let r = 0; r < warmup + rounds; r++) {
    const due = cases.filter((c) => r % (c.every ?? 1) === 0);
    for (let j = 0; j < due.length; j++) {
      const c = due[(r + j) % due.length]!;
      const t = performance.now();
      await c.run();
      const dt = performance.now() - t;
      if (r >= warmup) out.get(c.key)!.push(dt);
    }
  }
  return out;
}

async function main(): Promise<void> {
  process.env.LOCAL_STACK_QUIET = '1';
  const started = performance.now();
  const yml = await readFile(path.join(ROOT, 'serverless.yml'), 'utf8');
  const FEED_CAP = paramOf(yml, 'feedCap');
  const TRIM_EVERY = paramOf(yml, 'feedTrimEvery');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'media-share-bench-feed-'));
  const stack = await startStack({ root: ROOT, dataDir, ports: { api: 0, dynamodb: 0, s3: 0, sns: 0, cognito: 0 } });
  const e: Endpoints = stack.endpoints;
  const watcher = new StreamWatcher(e);
  const admin = new DynamoDBClient({ endpoint: e.dynamodb, region: e.region, credentials: e.credentials });
  try {
    // The shared modules make their DynamoDB client at load, from the SDK's variables: point them
    // at this stack's DynamoDB Local, then load them.
    process.env.AWS_ENDPOINT_URL_DYNAMODB = e.dynamodb;
    process.env.AWS_REGION = e.region;
    process.env.AWS_ACCESS_KEY_ID = e.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = e.credentials.secretAccessKey;
    const { dynamo } = await import('../shared/adapters/clients');
    const { FeedRepository } = await import('../shared/adapters/feed-repository');
    const { ContentRepository } = await import('../shared/adapters/content-repository');
    const { FriendshipRepository } = await import('../shared/adapters/friendship-repository');
    const { ContentAccess } = await import('../shared/adapters/content-access');
    const { FeedReader } = await import('../shared/feed/reader');
    const { FeedBuilder } = await import('../shared/feed/builder');

    const T = { feed: e.tables.FeedTable!, content: e.tables.ContentTable!, friendships: e.tables.FriendshipsTable! };
    const feed = new FeedRepository(T.feed);
    const content = new ContentRepository(T.content);
    const friendships = new FriendshipRepository(T.friendships);
    const reader = new FeedReader(feed, content, friendships, new ContentAccess(content, friendships));

    async function batchWriteAll(table: string, items: readonly Record<string, unknown>[], inFlight = 4): Promise<void> {
      const chunks: Record<string, unknown>[][] = [];
      for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })));
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(inFlight, chunks.length) }, async () => {
          while (next < chunks.length) {
            let pending: Record<string, unknown>[] | undefined = chunks[next++]!;
            for (let attempt = 0; pending?.length; attempt++) {
              if (attempt > 20) throw new Error(`BatchWriteItem into ${table} kept leaving items unprocessed`);
              if (attempt) await sleep(20 * attempt);
              const out: BatchWriteCommandOutput = await dynamo.send(new BatchWriteCommand({ RequestItems: { [table]: pending as never } }));
              pending = out.UnprocessedItems?.[table] as Record<string, unknown>[] | undefined;
            }
          }
        }),
      );
    }

    log(
      `bench:feed: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), load average ${os.loadavg()[0]!.toFixed(2)}, Node ${process.version}; ` +
        `stack data in ${dataDir}`,
    );

    // ---------------------------------------------------------------------------------------------
    // Dataset: viewers (signed-up users), a pool of friends (plain ids), public posters (plain ids).
    const seedStarted = performance.now();
    const now = Date.now();
    const tiers: Tier[] = [];
    for (const n of TIERS) {
      const [viewer, twin] = await Promise.all([signUp(e), signUp(e)]);
      tiers.push({ friends: n, viewer: viewer!, twin: twin! });
    }
    const pool = Array.from({ length: Math.max(...TIERS) }, () => randomUUID());
    const edges: FriendshipEdge[] = [];
    const since = iso(now - 30 * DAY_MS);
    for (const t of tiers) for (const v of [t.viewer, t.twin]) for (const f of pool.slice(0, t.friends)) edges.push(...friendPair(v.userId, f, since));
    const signedUp = performance.now();
    await batchWriteAll(T.friendships, shuffle(edges) as unknown as Record<string, unknown>[]);
    const edgesWritten = performance.now();
    // Friendships first (their backfills find empty galleries), then the items, which fan out on write.
    await waitUntil('the feed builder caught up with the Friendships stream', async () => (await watcher.behind()) ?? true, 180_000);
    const edgesDone = performance.now();

    const items: (ContentItem & Record<string, unknown>)[] = [];
    const ownerItems = new Map<string, string[]>(); // owner -> sort keys of their friends-only / private items
    const addItem = (owner: string, visibility: Visibility, at: number) => {
      const item = readyItem(owner, visibility, iso(at));
      items.push(item);
      if (visibility !== 'public') ownerItems.set(owner, [...(ownerItems.get(owner) ?? []), sortKeyOf(item)]);
    };
    // Friends' and viewers' items over the last three days; public ones today (since midnight UTC) and on earlier days.
    for (const f of pool) for (let i = 0; i < ITEMS_PER_FRIEND; i++) addItem(f, 'friends', now - 60_000 - Math.random() * 3 * DAY_MS);
    for (const t of tiers) for (const v of [t.viewer, t.twin]) for (let i = 0; i < OWN_ITEMS; i++) addItem(v.userId, 'friends', now - 60_000 - Math.random() * 3 * DAY_MS);
    const posters = Array.from({ length: PUBLIC_OWNERS }, () => randomUUID());
    const midnight = now - (now % DAY_MS);
    const publicCounts = new Map<string, number>();
    const addPublic = (at: number) => {
      const item = readyItem(posters[Math.floor(Math.random() * posters.length)]!, 'public', iso(at));
      items.push(item);
      const day = publicBucketOf(item.createdAt);
      publicCounts.set(day, (publicCounts.get(day) ?? 0) + 1);
    };
    for (let i = 0; i < PUBLIC_TODAY; i++) addPublic(midnight + Math.random() * (now - midnight - 1));
    for (let d = 1; d <= PUBLIC_EARLIER_DAYS; d++) for (let i = 0; i < PUBLIC_PER_EARLIER_DAY; i++) addPublic(midnight - d * DAY_MS + Math.random() * DAY_MS);
    const itemsStarted = performance.now();
    await batchWriteAll(T.content, shuffle(items));
    const written = performance.now();

    // What every viewer's partition must hold above its window floor: their own items and their friends'.
    const expected = new Map<string, string[]>();
    for (const t of tiers) {
      for (const v of [t.viewer, t.twin]) {
        expected.set(v.userId, [...(ownerItems.get(v.userId) ?? []), ...pool.slice(0, t.friends).flatMap((f) => ownerItems.get(f) ?? [])]);
      }
    }
    const feedProblem = async (): Promise<string | undefined> => {
      const lag = await watcher.behind();
      if (lag) return `streams ${lag}`;
      for (const [userId, keys] of expected) {
        const [entries, floor] = await Promise.all([feed.entriesOf(userId), feed.floor(userId)]);
        const above = (k: string) => floor === undefined || k > floor;
        const have = new Set(entries.map((en) => en.sortKey).filter(above));
        const want = keys.filter(above);
        const missing = want.filter((k) => !have.has(k)).length;
        if (missing || have.size !== want.length) return `user#${userId.slice(0, 8)}: ${missing} of ${want.length} entries missing, ${have.size} above the floor`;
      }
      for (const [day, n] of publicCounts) {
        const out = await dynamo.send(
          new QueryCommand({ TableName: T.feed, KeyConditionExpression: 'feedKey = :k', ExpressionAttributeValues: { ':k': publicFeedKey(day) }, Select: 'COUNT' }),
        );
        if (out.Count !== n) return `${publicFeedKey(day)}: ${out.Count} of ${n} entries`;
      }
      return undefined;
    };
    await waitUntil('the feeds built by the stack (streams caught up, every viewer partition as the seed calls for)', async () => (await feedProblem()) ?? true, 300_000, 500);
    const built = performance.now();

    const partitions: string[] = [];
    for (const t of tiers) {
      const [entries, floor] = await Promise.all([feed.entriesOf(t.viewer.userId), feed.floor(t.viewer.userId)]);
      partitions.push(`${t.friends} friends: ${entries.length} entries${floor ? `, floor set by trimming (${expected.get(t.viewer.userId)!.filter((k) => k <= floor).length} older items computed on read)` : ', no floor'}`);
    }
    log(
      `dataset: ${pool.length} friends x ${ITEMS_PER_FRIEND} friends-only READY items; ${tiers.length * 2} signed-up viewers (tiers ${TIERS.join('/')} friends, ` +
        `a viewer and a twin per tier, ${OWN_ITEMS} own items each); ${PUBLIC_TODAY} public items today + ${PUBLIC_PER_EARLIER_DAY} on each of ${PUBLIC_EARLIER_DAYS} earlier days ` +
        `(${PUBLIC_OWNERS} posters); feedCap ${FEED_CAP}, feedTrimEvery ${TRIM_EVERY} as in serverless.yml`,
    );
    const sec = (a: number, b: number) => `${((b - a) / 1000).toFixed(1)} s`;
    log(
      `seeding: ${tiers.length * 2} sign-ups ${sec(seedStarted, signedUp)}; ${edges.length} friendship edges written straight into the table ${sec(signedUp, edgesWritten)}, ` +
        `the stack's feedBuilder through with them (backfills of empty galleries) ${sec(edgesWritten, edgesDone)} later; ` +
        `${items.length} READY items written ${sec(itemsStarted, written)}, feeds built from the Content stream (fan-out on write) ${sec(written, built)} later`,
    );
    log(`viewer partitions: ${partitions.join('; ')}`);

    // The twins: the same friends, window floor above every entry, so every read computes on read.
    for (const t of tiers) await feed.raiseFloor(t.twin.userId, '9999');

    // Same answer three ways (else the timings compare different work).
    for (const t of tiers) {
      const ids = (p: { refs: { contentId: string }[] }) => p.refs.map((r) => r.contentId).join(',');
      const [pre, comp, twin, twinComp] = await Promise.all([
        reader.candidates(t.viewer.userId, undefined, PAGE),
        reader.computedCandidates(t.viewer.userId, undefined, PAGE),
        reader.candidates(t.twin.userId, undefined, PAGE),
        reader.computedCandidates(t.twin.userId, undefined, PAGE),
      ]);
      if (pre.refs.length !== PAGE || ids(pre) !== ids(comp)) throw new Error(`${t.friends} friends: precomputed and computed first pages differ`);
      if (twin.refs.length !== PAGE || ids(twin) !== ids(twinComp)) throw new Error(`${t.friends} friends: the twin's first page differs from its computed one`);
    }
    log(`check: in every tier the first page of ${PAGE} refs is the same precomputed (candidates) and computed on read (computedCandidates), for the viewer and for the twin`);

    // ---------------------------------------------------------------------------------------------
    // 1a + 2: in process.
    const slow = Math.ceil(READS / COMPUTED_EVERY);
    log(
      `\n1. First page of ${PAGE}: ${READS} timed rounds after ${WARMUP} warm-up rounds, one request at a time, the cases of a table interleaved in a rotating order; ` +
        `precomputed and GetItem in every round (${READS} samples), computed on read in every ${COMPUTED_EVERY}rd round (${slow} samples)`,
    );
    const floorKey = { feedKey: userFeedKey(tiers.at(-1)!.viewer.userId), sortKey: WINDOW_SORT_KEY };
    const repoCases: ReadCase[] = [
      { key: 'getitem', run: () => dynamo.send(new GetCommand({ TableName: T.feed, Key: floorKey, ConsistentRead: true })) },
      ...tiers.flatMap((t) => [
        { key: `pre${t.friends}`, run: () => reader.candidates(t.viewer.userId, undefined, PAGE) },
        { key: `comp${t.friends}`, run: () => reader.computedCandidates(t.viewer.userId, undefined, PAGE), every: COMPUTED_EVERY },
      ]),
    ];
    const repo = await interleaved(repoCases, WARMUP, READS);
    const p = (m: Map<string, number[]>, key: string, q: number) => percentile(m.get(key)!, q);
    const row = (label: string, m: Map<string, number[]>, key: string, extra = '') =>
      log(`  ${label.padEnd(LABEL)} p50 ${ms(p(m, key, 50)).padStart(7)} ms   p99 ${ms(p(m, key, 99)).padStart(7)} ms${extra}`);
    log(' (a) repository level, in process (FeedReader on the stack\'s DynamoDB Local)');
    row('floor: one GetItem round trip (GetCommand, one Feed item, ConsistentRead)', repo, 'getitem');
    for (const t of tiers) {
      row(`${String(t.friends).padStart(3)} friends  precomputed       candidates(viewer, undefined, ${PAGE})`, repo, `pre${t.friends}`, `   p99 = ${x(p(repo, `pre${t.friends}`, 99) / p(repo, 'getitem', 99))} GetItem`);
      row(`${String(t.friends).padStart(3)} friends  computed on read  computedCandidates(viewer, undefined, ${PAGE})`, repo, `comp${t.friends}`, `   p99 = ${x(p(repo, `comp${t.friends}`, 99) / p(repo, `pre${t.friends}`, 99))} precomputed`);
    }

    // 1b: HTTP.
    const get = (s: Session) => async () => {
      const res = await api(e, 'GET', `/feed?limit=${PAGE}`, { token: s.accessToken });
      if (res.status !== 200 || res.body.items?.length !== PAGE) throw new Error(`GET /feed answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
      return res.body;
    };
    const httpCases: ReadCase[] = tiers.flatMap((t) => [
      { key: `pre${t.friends}`, run: get(t.viewer) },
      { key: `comp${t.friends}`, run: get(t.twin), every: COMPUTED_EVERY },
    ]);
    const http = await interleaved(httpCases, WARMUP, READS);
    log(` (b) HTTP API: GET /feed?limit=${PAGE} (authorizer, function, hydration of the ${PAGE} items, signed URLs)`);
    for (const t of tiers) {
      row(`${String(t.friends).padStart(3)} friends  viewer, precomputed feed`, http, `pre${t.friends}`);
      row(`${String(t.friends).padStart(3)} friends  twin, floor raised to '9999': GET /feed computes everything on read`, http, `comp${t.friends}`, `   p99 = ${x(p(http, `comp${t.friends}`, 99) / p(http, `pre${t.friends}`, 99))} precomputed`);
    }

    const floorRatios = tiers.map((t) => p(repo, `pre${t.friends}`, 99) / p(repo, 'getitem', 99));
    const big = tiers.at(-1)!.friends;
    const computedRatio = p(repo, `comp${big}`, 99) / p(repo, `pre${big}`, 99);
    const httpComputedRatio = p(http, `comp${big}`, 99) / p(http, `pre${big}`, 99);
    log('\n2. Ratios (repository level)');
    log(`  precomputed p99 / GetItem p99: ${tiers.map((t, i) => `${t.friends} friends ${x(floorRatios[i]!)}`).join(', ')}   (target <= ${TARGETS.floorRatio}x)`);
    log(`  computed p99 / precomputed p99 at ${big} friends: ${x(computedRatio)}   (target >= ${TARGETS.computedRatio}x); through HTTP: ${x(httpComputedRatio)}`);

    // ---------------------------------------------------------------------------------------------
    // 3: fan-out write throughput.
    log(`\n3. Fan-out write throughput: entries written per second of wall time, ${FANOUT_REPS} repetitions after one warm-up, cases alternated, fresh items and keys every time`);
    // Copies of the Content and Friendships tables without streams, so the stack's own feedBuilder
    // does not reconcile the same items at the same time; the entries go to the real Feed table.
    const copyTable = async (source: string, name: string) => {
      const { Table } = await admin.send(new DescribeTableCommand({ TableName: source }));
      await admin.send(new CreateTableCommand({ TableName: name, BillingMode: 'PAY_PER_REQUEST', KeySchema: Table!.KeySchema, AttributeDefinitions: Table!.KeySchema!.map((k) => Table!.AttributeDefinitions!.find((a) => a.AttributeName === k.AttributeName)!) }));
    };
    const fan = { content: `${T.content}-fanout-bench`, friendships: `${T.friendships}-fanout-bench` };
    await copyTable(T.content, fan.content);
    await copyTable(T.friendships, fan.friendships);
    const fanContent = new ContentRepository(fan.content);
    const fanFriendships = new FriendshipRepository(fan.friendships);
    const owners = new Map<number, { ownerId: string; friends: string[] }>();
    for (const n of FANOUT_SIZES) {
      const ownerId = randomUUID();
      const friends = Array.from({ length: n }, () => randomUUID());
      owners.set(n, { ownerId, friends });
      await batchWriteAll(fan.friendships, friends.flatMap((f) => friendPair(ownerId, f, since)) as unknown as Record<string, unknown>[]);
    }
    const builder = new FeedBuilder(feed, fanContent, fanFriendships, { cap: FEED_CAP });
    const builderNoTrim = new FeedBuilder(feed, fanContent, fanFriendships, { cap: FEED_CAP });
    const freshItem = async (ownerId: string) => {
      const item = readyItem(ownerId, 'friends', new Date().toISOString());
      await dynamo.send(new PutCommand({ TableName: fan.content, Item: item }));
      return { contentId: item.contentId, ownerId, createdAt: item.createdAt };
    };
    const entriesFor = (n: number) => {
      const { ownerId, friends } = owners.get(n)!;
      const ref = { contentId: randomUUID(), ownerId, sortKey: `${new Date().toISOString()}#${randomUUID()}` };
      return [ownerId, ...friends].map((u) => ({ feedKey: userFeedKey(u), ...ref }));
    };
    const rawWrite = async (entries: { feedKey: string; sortKey: string; contentId: string; ownerId: string }[], inFlight: number) => {
      const chunks: Record<string, unknown>[][] = [];
      for (let i = 0; i < entries.length; i += 25) chunks.push(entries.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })));
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(inFlight, chunks.length) }, async () => {
          while (next < chunks.length) {
            let pending: Record<string, unknown>[] | undefined = chunks[next++]!;
            while (pending?.length) {
              const out: BatchWriteCommandOutput = await dynamo.send(new BatchWriteCommand({ RequestItems: { [T.feed]: pending as never } }));
              pending = out.UnprocessedItems?.[T.feed] as Record<string, unknown>[] | undefined;
            }
          }
        }),
      );
    };
    interface FanCase {
      key: string;
      /** Returns entries written and the wall time of the measured part. */
      run: () => Promise<{ entries: number; wallMs: number }>;
    }
    const timed = async (entries: number, fn: () => Promise<unknown>) => {
      const t = performance.now();
      await fn();
      return { entries, wallMs: performance.now() - t };
    };
    // Results: entries/s for the write cases, ms for the others (the state read and single size checks).
    const fanResults = new Map<string, number[]>();
    const checksPerItem = new Map<number, number[]>();
    const fullPartition = tiers.at(-1)!.viewer.userId; // about feedCap entries (section 1's 200-friend viewer)
    for (const n of FANOUT_SIZES) {
      const { ownerId, friends } = owners.get(n)!;
      const countChecks = (contentId: string) => [ownerId, ...friends].filter((u) => shouldTrim(userFeedKey(u), contentId, TRIM_EVERY)).length;
      const cases: FanCase[] = [
        {
          key: 'builder',
          run: async () => {
            const k = await freshItem(ownerId);
            checksPerItem.set(n, [...(checksPerItem.get(n) ?? []), countChecks(k.contentId)]);
            return timed(n + 1, () => builder.reconcileContent(k));
          },
        },
        ...CONCURRENCIES.map((c) => ({ key: `raw${c}`, run: async () => { const en = entriesFor(n); return timed(en.length, () => rawWrite(en, c)); } })),
        { key: 'notrim', run: async () => { const k = await freshItem(ownerId); return timed(n + 1, () => builderNoTrim.reconcileContent(k)); } },
        { key: 'write', run: async () => { const en = entriesFor(n); return timed(en.length, () => feed.write(en)); } },
        { key: 'reads', run: async () => { const k = await freshItem(ownerId); return timed(0, () => Promise.all([fanContent.get(k.contentId), builder.mutualFriends(ownerId)])); } },
        { key: 'checkSmall', run: () => timed(0, () => feed.entriesOf(friends[0]!)) },
        { key: 'checkFull', run: () => timed(0, () => feed.entriesOf(fullPartition)) },
      ];
      for (const c of cases) await c.run(); // warm-up
      checksPerItem.set(n, []);
      for (let r = 0; r < FANOUT_REPS; r++) {
        for (let j = 0; j < cases.length; j++) {
          const c = cases[(r + j) % cases.length]!;
          const { entries, wallMs } = await c.run();
          const key = `${n}:${c.key}`;
          fanResults.set(key, [...(fanResults.get(key) ?? []), entries ? entries / (wallMs / 1000) : wallMs]);
        }
      }
    }
    const fullSize = (await feed.entriesOf(fullPartition)).length;
    const fanRatios = new Map<number, number>();
    const bestInFlight = new Map<number, number>();
    let steadyRatio: number | undefined;
    for (const n of FANOUT_SIZES) {
      const med = (k: string) => median(fanResults.get(`${n}:${k}`)!);
      const perItem = (k: string) => ((n + 1) / med(k)) * 1000;
      const best = CONCURRENCIES.map((c) => ({ c, v: med(`raw${c}`) })).sort((a, b) => b.v - a.v)[0]!;
      const b = med('builder');
      fanRatios.set(n, b / best.v);
      const checks = Math.round(median(checksPerItem.get(n)!));
      log(`  owner with ${n} mutual friends (${n + 1} entries per item: the owner's and each friend's):`);
      log(`    raw BatchWriteItem ceiling, 25 per request: ${CONCURRENCIES.map((c) => `${c} in flight ${rate(med(`raw${c}`))}`).join(', ')}; best: ${best.c} in flight`);
      log(`    FeedBuilder.reconcileContent (trimEvery ${TRIM_EVERY}, writeConcurrency 8): ${rate(b)} (${ms(perItem('builder'))} ms per item) = ${x(b / best.v)} the ceiling   (target >= ${TARGETS.fanout}x)`);
      log(`    breakdown (medians): the write alone (FeedRepository.write) ${ms(perItem('write'))} ms = ${rate(med('write'))}; reconcileContent without size checks ${ms(perItem('notrim'))} ms = ${rate(med('notrim'))} = ${x(med('notrim') / best.v)} the ceiling;`);
      log(`      state read (item + ${n} friendship edges) ${ms(med('reads'))} ms, twice per reconcile (the read and the verify re-read);`);
      log(
        `      size checks: ${checks} per item (1 in ${TRIM_EVERY} entries), one after another, each reading the whole partition: ${ms(med('checkSmall'))} ms on a friend's nearly empty one here, ` +
          `${ms(med('checkFull'))} ms on a full one (${fullSize} entries)${STEADY ? '' : '; BENCH_FANOUT_STEADY=1 measures the fan-out into full partitions'}`,
      );
      bestInFlight.set(n, best.c);
    }

    // 3b (opt-in, about 3 more minutes): the same fan-out once the friends' partitions are full, as
    // they are for active users: every size check then reads about feedCap entries and trims.
    if (STEADY) {
      const n = FANOUT_SIZES[0];
      const { ownerId, friends } = owners.get(n)!;
      const old = Date.now() - 10 * DAY_MS;
      const fill = friends.flatMap((f) =>
        Array.from({ length: FEED_CAP }, (_, i) => ({ feedKey: userFeedKey(f), sortKey: `${iso(old - i * 60_000)}#${randomUUID()}`, contentId: randomUUID(), ownerId: randomUUID() })),
      );
      const t = performance.now();
      await rawWrite(fill, bestInFlight.get(n)!);
      log(`  steady state: each of the ${n} friends' partitions filled with ${FEED_CAP} older entries (${fill.length} in ${((performance.now() - t) / 1000).toFixed(0)} s); then, alternated, ${STEADY_REPS} repetitions:`);
      const everies = [TRIM_EVERY, TRIM_EVERY * 4, TRIM_EVERY * 16];
      const cases: FanCase[] = [
        ...everies.map((every) => {
          const b = new FeedBuilder(feed, fanContent, fanFriendships, { cap: FEED_CAP });
          return { key: `every${every}`, run: async () => { const k = await freshItem(ownerId); return timed(n + 1, () => b.reconcileContent(k)); } };
        }),
        { key: 'notrim', run: async () => { const k = await freshItem(ownerId); return timed(n + 1, () => builderNoTrim.reconcileContent(k)); } },
        { key: 'raw', run: async () => { const en = entriesFor(n); return timed(en.length, () => rawWrite(en, bestInFlight.get(n)!)); } },
      ];
      const res = new Map<string, number[]>();
      for (const c of cases) await c.run();
      for (let r = 0; r < STEADY_REPS; r++) {
        for (let j = 0; j < cases.length; j++) {
          const c = cases[(r + j) % cases.length]!;
          const { entries, wallMs } = await c.run();
          res.set(c.key, [...(res.get(c.key) ?? []), entries / (wallMs / 1000)]);
        }
      }
      const ceiling = median(res.get('raw')!);
      log(`    ${`raw BatchWriteItem ceiling (${bestInFlight.get(n)} in flight)`.padEnd(48)} ${rate(ceiling).padStart(8)}`);
      for (const every of everies) {
        const v = median(res.get(`every${every}`)!);
        log(`    ${`reconcileContent, trimEvery ${every}${every === TRIM_EVERY ? ' (serverless.yml)' : ''}`.padEnd(48)} ${rate(v).padStart(8)} = ${x(v / ceiling)} the ceiling`);
      }
      log(`    ${'reconcileContent, no size checks'.padEnd(48)} ${rate(median(res.get('notrim')!)).padStart(8)} = ${x(median(res.get('notrim')!) / ceiling)} the ceiling`);
      log(`    (a check that finds more than feedCap entries also raises the floor and deletes the overflow; over time that is one delete per entry written,`);
      log(`    which with a larger trimEvery is done in fewer, larger batches and partly after this window)`);
      steadyRatio = median(res.get(`every${TRIM_EVERY}`)!) / ceiling;
    }

    // ---------------------------------------------------------------------------------------------
    // 4: upload -> visible in a friend's feed.
    log(`\n4. Upload -> visible in a friend's GET /feed?limit=${PAGE}: ${RUNS} JPEGs of 12 MP (distinct bytes), timed from the start of the S3 POST, feed polled every 25 ms`);
    const [u, f] = await Promise.all([signUp(e), signUp(e)]);
    for (const [from, to] of [[u!, f!], [f!, u!]] as const) {
      const res = await api(e, 'POST', `/friends/${to.userId}`, { token: from.accessToken });
      if (res.status >= 300) throw new Error(`POST /friends answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    await waitUntil('the feed builder caught up with the new friendship', async () => (await watcher.behind()) ?? true, 60_000);
    const photos: Buffer[] = [];
    for (let i = 0; i <= RUNS; i++) photos.push(await makeJpeg(4000, 3000, { make: 'Bench', model: `Feed ${i}`, dateTimeOriginal: '2024:01:01 10:00:00' }));
    const visible: number[] = [];
    const uploads: number[] = [];
    for (const [i, photo] of photos.entries()) {
      const created = await api(e, 'POST', '/content', { token: u!.accessToken, body: { contentType: 'image/jpeg', size: photo.length, visibility: 'friends' } });
      if (created.status !== 201) throw new Error(`POST /content answered ${created.status}: ${JSON.stringify(created.body)}`);
      const id = created.body.contentId as string;
      const t = performance.now();
      await postToS3(created.body, photo, 'image/jpeg');
      const up = performance.now() - t;
      await waitUntil(
        `upload ${id} in the friend's feed`,
        async () => {
          const res = await api(e, 'GET', `/feed?limit=${PAGE}`, { token: f!.accessToken });
          return res.status === 200 && res.body.items.some((it: { contentId: string }) => it.contentId === id) ? true : `not yet (${res.status})`;
        },
        30_000,
        25,
      );
      if (i === 0) continue; // warm-up
      visible.push(performance.now() - t);
      uploads.push(up);
    }
    const mb = photos.reduce((s, ph) => s + ph.length, 0) / photos.length / 1e6;
    log(`  S3 POST of the file (${mb.toFixed(1)} MB on average)`.padEnd(LABEL + 3) + `p50 ${ms(percentile(uploads, 50)).padStart(7)} ms   p99 ${ms(percentile(uploads, 99)).padStart(7)} ms`);
    log(`  upload -> visible in the friend's feed`.padEnd(LABEL + 3) + `p50 ${ms(percentile(visible, 50)).padStart(7)} ms   p99 ${ms(percentile(visible, 99)).padStart(7)} ms   (target p99 <= ${TARGETS.uploadP99Ms} ms)`);

    // ---------------------------------------------------------------------------------------------
    const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
    const worstFloor = Math.max(...floorRatios);
    const uploadP99 = percentile(visible, 99);
    log(`\nSUMMARY (one run, ${((performance.now() - started) / 1000).toFixed(0)} s)`);
    const line = (label: string, value: string, target: string, ok: boolean) => log(`  ${label.padEnd(68)} ${value.padStart(9)}   ${target.padEnd(10)} ${verdict(ok)}`);
    line(`precomputed p99 / GetItem p99 (worst of ${TIERS.join('/')} friends)`, x(worstFloor), `<= ${TARGETS.floorRatio}x`, worstFloor <= TARGETS.floorRatio);
    line(`computed p99 / precomputed p99 at ${big} friends (repository)`, x(computedRatio), `>= ${TARGETS.computedRatio}x`, computedRatio >= TARGETS.computedRatio);
    for (const n of FANOUT_SIZES) line(`fan-out reconcileContent / BatchWriteItem ceiling, ${n} friends`, x(fanRatios.get(n)!), `>= ${TARGETS.fanout}x`, fanRatios.get(n)! >= TARGETS.fanout);
    line(`upload -> visible in a friend's feed p99 (${RUNS} x 12 MP)`, `${ms(uploadP99)} ms`, `<= ${TARGETS.uploadP99Ms} ms`, uploadP99 <= TARGETS.uploadP99Ms);
    log(`  (info) computed p99 / precomputed p99 at ${big} friends through HTTP: ${x(httpComputedRatio)}`);
    if (steadyRatio !== undefined) log(`  (info) fan-out at ${FANOUT_SIZES[0]} friends into full partitions (steady state), trimEvery ${TRIM_EVERY}: ${x(steadyRatio)} the ceiling`);
  } finally {
    watcher.close();
    admin.destroy();
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
