// The bulk import: a JSON Lines file of users and friendships, streamed line by line and loaded
// into the Users and Friendships tables in bounded chunks.
//
// Two passes over the file. The first only finds, for every key (a user, a pair of users), the
// last line that sets it (shared/imports/last-line-index.ts); the second applies exactly those
// lines. So a later line wins wherever it is in the file, and no key is written twice in a run:
// applying lines in file order instead would write an earlier line's value and then the later
// one, and a second run would do it again (chunk by chunk, the stored value would flap).
//
// Idempotent by design, which is what makes at-least-once delivery safe: every chunk reads the
// stored items first (BatchGetItem) and writes only those whose content differs (BatchWriteItem).
// A second run of the same file, a redelivered S3 event, or Lambda's retry after a failure or a
// timeout finds the already imported items equal and writes nothing for them; a retry therefore
// also resumes cheaply (reads only) over the part a failed attempt finished.
import type { Readable } from 'node:stream';
import type { FriendshipEdge } from '#shared/friends/model';
import { MAX_LINE_BYTES, parseLine, type FriendshipLine, type ImportLine } from './line-format';
import { LastLineIndex } from './last-line-index';
import { readLines } from './line-reader';
import { edgeKey, pairKey, planFriendship, planUser, userPatch, type UserPatch } from './plan';
import { MAX_LISTED_ISSUES, ReportBuilder, type ImportReport } from './report';

export interface ImportSource {
  bucket: string;
  key: string;
}

export interface OpenedFile {
  body: Readable | AsyncIterable<Uint8Array>;
  /** The version read; the second pass must read the same one. */
  etag?: string;
}

/** The file and its report. */
export interface ImportFiles {
  /** With `etag`: that version of the file, or an error if it was replaced meanwhile. */
  open(source: ImportSource, etag?: string): Promise<OpenedFile>;
  writeReport(source: ImportSource, report: ImportReport): Promise<void>;
}

/** The two tables. Reads return only the items that exist; writes either complete or throw. */
export interface ImportStore {
  getUsers(userIds: string[]): Promise<Map<string, Record<string, unknown>>>;
  /** Keyed by edgeKey(userId, friendId). */
  getEdges(keys: Array<{ userId: string; friendId: string }>): Promise<Map<string, FriendshipEdge>>;
  putUsers(items: Array<Record<string, unknown>>): Promise<void>;
  putEdges(items: FriendshipEdge[]): Promise<void>;
}

interface ImportLog {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
}

export interface ImportOptions {
  /** Records (valid lines) per chunk: read, compared and written together. */
  chunkSize?: number;
  /** The report is rewritten (status RUNNING) and progress logged every this many lines. */
  progressEveryLines?: number;
  maxLineBytes?: number;
  /** How many malformed and skipped lines the report lists (the counts stay exact). */
  maxListed?: number;
  now?: () => Date;
  /** Time left before the function is stopped (Lambda's context.getRemainingTimeInMillis). */
  remainingMs?: () => number;
  /** Stop (FAILED, so Lambda retries) when less than this is left: a killed run leaves its report RUNNING. */
  stopWithMsLeft?: number;
  log?: ImportLog;
}

class ImportTimeoutError extends Error {
  constructor(line: number, msLeft: number) {
    super(
      `stopped at line ${line} with ${msLeft} ms left before the function's timeout; ` +
        'a retry starts over and passes quickly over what is already imported (it compares before writing)',
    );
    this.name = 'ImportTimeoutError';
  }
}

/** Keys the bucket notification sends to the importer (its own reports end in .report.json). */
export function isImportKey(key: string): boolean {
  return key.startsWith('imports/') && key.endsWith('.jsonl');
}

const silent: ImportLog = { info() {}, warn() {} };

/** Imports one file and returns its final report (also written next to the file). */
export async function importFile(
  source: ImportSource,
  deps: { files: ImportFiles; store: ImportStore },
  options: ImportOptions = {},
): Promise<ImportReport> {
  const chunkSize = options.chunkSize ?? 5_000;
  const progressEvery = options.progressEveryLines ?? 20_000;
  const now = options.now ?? (() => new Date());
  const log = options.log ?? silent;
  const report = new ReportBuilder(`s3://${source.bucket}/${source.key}`, now, options.maxListed ?? MAX_LISTED_ISSUES);
  const counts = report.counts;
  const memory = new PeakMemory();
  memory.start();
  const snapshot = (status: ImportReport['status'], error?: string) => {
    report.memory(memory.sample());
    return report.snapshot(status, error);
  };

  const flush = async (chunk: Chunk) => {
    memory.sample();
    const at = now().toISOString();
    const settled = await Promise.allSettled([
      flushUsers(chunk, deps.store, at, counts),
      flushPairs(chunk, deps.store, at, counts, report),
    ]);
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  };

  const stopIfOutOfTime = (line: number) => {
    const left = options.remainingMs?.();
    if (left !== undefined && left < (options.stopWithMsLeft ?? 30_000)) throw new ImportTimeoutError(line, left);
  };
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;

  try {
    await deps.files.writeReport(source, snapshot('RUNNING'));
    log.info('Import started', { source: `s3://${source.bucket}/${source.key}` });

    // Pass 1: the last line of every key (no writes, so no chunks).
    const last = new LastLineIndex();
    const first = await deps.files.open(source);
    for await (const line of readLines(first.body, maxLineBytes)) {
      const parsed = parseLine(line.text, line.tooLong);
      if (parsed.kind === 'record') last.set(recordKey(parsed.record), line.number);
      if (line.number % progressEvery === 0) stopIfOutOfTime(line.number);
    }
    memory.sample();
    log.info('Import indexed', { keys: last.size, indexBytes: last.bytes });

    // Pass 2: the same version of the file; each key's last line is applied, the others counted.
    const second = await deps.files.open(source, first.etag);
    let chunk = new Chunk();
    let reported = 0;
    for await (const line of readLines(second.body, maxLineBytes)) {
      counts.lines = line.number;
      const parsed = parseLine(line.text, line.tooLong);
      if (parsed.kind === 'empty') counts.empty++;
      else if (parsed.kind === 'malformed') report.malformed(line.number, parsed.reason);
      else if (last.get(recordKey(parsed.record)) !== line.number) counts.duplicates++;
      else chunk.add(line.number, parsed.record);

      const progressDue = counts.lines - reported >= progressEvery;
      if (chunk.size < chunkSize && !progressDue) continue;
      await flush(chunk);
      chunk = new Chunk();
      if (progressDue) {
        reported = counts.lines;
        const progress = snapshot('RUNNING');
        await deps.files.writeReport(source, progress);
        log.info('Import progress', summary(progress));
      }
      stopIfOutOfTime(line.number);
    }
    await flush(chunk);
    const done = snapshot('COMPLETED');
    await deps.files.writeReport(source, done);
    log.info('Import completed', summary(done));
    return done;
  } catch (error) {
    const failed = snapshot('FAILED', error instanceof Error ? error.message : String(error));
    log.warn('Import failed', { ...summary(failed), error: failed.error });
    await deps.files
      .writeReport(source, failed)
      .catch((e: unknown) => log.warn('Could not write the FAILED report', { error: (e as Error).message }));
    throw error;
  } finally {
    memory.stop();
  }
}

/** Which record a line sets: a user, or a pair of users whichever way round it names them. */
function recordKey(record: ImportLine): string {
  return record.type === 'user' ? `u\u0000${record.userId}` : `p\u0000${pairKey(record.userId, record.friendId)}`;
}

/** The lines of one chunk: each the last line of its key (pass 1), so no key comes twice. */
class Chunk {
  readonly users = new Map<string, { line: number; patch: UserPatch }>();
  readonly pairs = new Map<string, { line: number; record: FriendshipLine }>();

  get size(): number {
    return this.users.size + this.pairs.size;
  }

  add(line: number, record: ImportLine): void {
    if (record.type === 'user') this.users.set(record.userId, { line, patch: userPatch(record) });
    else this.pairs.set(pairKey(record.userId, record.friendId), { line, record });
  }
}

async function flushUsers(
  chunk: Chunk,
  store: ImportStore,
  now: string,
  counts: ReportBuilder['counts'],
): Promise<void> {
  if (!chunk.users.size) return;
  const stored = await store.getUsers([...chunk.users.keys()]);
  const writes: Array<Record<string, unknown>> = [];
  for (const [userId, { patch }] of chunk.users) {
    const item = planUser(userId, patch, stored.get(userId), now);
    if (item) writes.push(item);
  }
  await store.putUsers(writes);
  counts.users.written += writes.length;
  counts.users.unchanged += chunk.users.size - writes.length;
}

async function flushPairs(
  chunk: Chunk,
  store: ImportStore,
  now: string,
  counts: ReportBuilder['counts'],
  report: ReportBuilder,
): Promise<void> {
  if (!chunk.pairs.size) return;
  const keys = [...chunk.pairs.values()].flatMap(({ record: { userId, friendId } }) => [
    { userId, friendId },
    { userId: friendId, friendId: userId },
  ]);
  const stored = await store.getEdges(keys);
  const writes: FriendshipEdge[] = [];
  let written = 0;
  let unchanged = 0;
  for (const { line, record } of chunk.pairs.values()) {
    const plan = planFriendship(
      record,
      stored.get(edgeKey(record.userId, record.friendId)),
      stored.get(edgeKey(record.friendId, record.userId)),
      now,
    );
    if (plan.outcome === 'blocked') report.blocked(line);
    else if (plan.outcome === 'unchanged') unchanged++;
    else {
      written++;
      writes.push(...plan.edges);
    }
  }
  await store.putEdges(writes);
  counts.friendships.written += written;
  counts.friendships.unchanged += unchanged;
  counts.friendships.edgesWritten += writes.length;
}

function summary(report: ImportReport) {
  const {
    source,
    status,
    lines,
    users,
    friendships,
    malformedCount,
    durationMs,
    peakHeapBytes,
    peakExternalBytes,
    peakRssBytes,
  } = report;
  const linesPerSecond = durationMs > 0 ? Math.round((lines / durationMs) * 1000) : undefined;
  return {
    source,
    status,
    lines,
    users,
    friendships,
    malformedCount,
    durationMs,
    linesPerSecond,
    peakHeapBytes,
    peakExternalBytes,
    peakRssBytes,
  };
}

/**
 * Peak memory, sampled at every chunk and every 250 ms. In a worker thread (the local stack runs
 * each execution environment in one) heapUsed and external are the worker's own, rss is the
 * whole process's.
 */
class PeakMemory {
  private peak = { rss: 0, heapUsed: 0, external: 0 };
  private timer: NodeJS.Timeout | undefined;

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 250);
    this.timer.unref();
  }

  sample(): { rss: number; heapUsed: number; external: number } {
    const { rss, heapUsed, external } = process.memoryUsage();
    this.peak = {
      rss: Math.max(this.peak.rss, rss),
      heapUsed: Math.max(this.peak.heapUsed, heapUsed),
      external: Math.max(this.peak.external, external),
    };
    return this.peak;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
