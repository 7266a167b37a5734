// DynamoDB Streams -> Lambda event-source mappings, emulated locally with Lambda's semantics:
// per-shard ordering and lineage (a parent shard is finished before its children), batches of up to
// batchSize, ReportBatchItemFailures, bisect on function error, bounded retries with a short
// exponential back-off, an on-failure destination (a JSON-lines file a developer can read) and
// checkpoints persisted after every batch so a restart resumes where it stopped.
//
// Retry accounting (documented because Lambda's docs are terse about it):
// - Every failed invocation of a batch (a rejection, a malformed batch response, or a valid
//   batchItemFailures list) counts as one retry of that batch. When a batch has used more than
//   maximumRetryAttempts retries (-1 = never), its records go to the on-failure destination and the
//   shard moves past them.
// - With bisectBatchOnFunctionError, a failed batch of two or more records is split in two halves
//   instead of being retried whole; the split is the failed batch's retry (so it counts against that
//   batch's budget: with maximumRetryAttempts 0 nothing is split), and each half then starts with a
//   fresh budget, as Lambda resets the retry count when it bisects. A poison record therefore ends
//   up alone in a batch of one and reaches the destination after maximumRetryAttempts + 1
//   invocations, while the healthy records around it are delivered.
// - A batchItemFailures response checkpoints the records before the lowest failed sequence number
//   and retries the batch from that record (the records after it included), as Lambda does.
import { randomUUID } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type AttributeValue as SdkAttributeValue,
  type _Record as SdkRecord,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { localLog } from './log';

const log = localLog('streams');

export interface StreamMappingConfig {
  functionName: string;
  tableName: string;
  batchSize: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** -1 = infinite (Lambda's default); a bound otherwise. */
  maximumRetryAttempts: number;
  bisectBatchOnFunctionError: boolean;
  /** functionResponseType: ReportBatchItemFailures */
  reportBatchItemFailures: boolean;
  /** Destination (an SQS queue in AWS); locally `${failuresDir}/${name}.jsonl`. */
  onFailure?: { name: string; arn: string };
}

export interface StreamMapping {
  stop(): Promise<void>;
  /**
   * Resolves when every record written so far has been delivered or sent to the failure
   * destination. With `timeoutMs`, rejects after that long (naming the shards still busy).
   */
  drained?(opts?: { timeoutMs?: number }): Promise<void>;
}

export interface StartStreamMappingOptions {
  config: StreamMappingConfig;
  dynamodbEndpoint: string;
  region: string;
  /** Rejects when the function throws or times out. */
  invoke: (event: DynamoDBStreamEvent) => Promise<unknown>;
  /** Checkpoints persisted here (one JSON file per mapping) so a restart resumes where it stopped. */
  stateDir: string;
  /** Default 250. */
  pollIntervalMs?: number;
  /** Where on-failure destinations are written; default `${stateDir}/failures`. */
  failuresDir?: string;
}

/** What Lambda writes to an on-failure destination for a DynamoDB stream batch. */
export interface StreamFailureRecord {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted';
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: '$LATEST'; functionError?: string };
  version: '1.0';
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

export function checkpointFile(
  stateDir: string,
  config: Pick<StreamMappingConfig, 'functionName' | 'tableName'>,
): string {
  return join(stateDir, `${config.functionName}.${config.tableName}.json`);
}

export function failureFile(failuresDir: string, destinationName: string): string {
  return join(failuresDir, `${destinationName}.jsonl`);
}

// ---------------------------------------------------------------------------------------------
// Event shape

function toLambdaAttribute(v: SdkAttributeValue): AttributeValue {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
  if (v.S !== undefined) return { S: v.S };
  if (v.N !== undefined) return { N: v.N };
  if (v.B !== undefined) return { B: b64(v.B) };
  if (v.BOOL !== undefined) return { BOOL: v.BOOL };
  if (v.NULL !== undefined) return { NULL: v.NULL };
  if (v.SS !== undefined) return { SS: [...v.SS] };
  if (v.NS !== undefined) return { NS: [...v.NS] };
  if (v.BS !== undefined) return { BS: v.BS.map(b64) };
  if (v.L !== undefined) return { L: v.L.map(toLambdaAttribute) };
  if (v.M !== undefined) return { M: toLambdaImage(v.M) };
  // DynamoDB Local's GetRecords returns an empty map as `{}`, without its M tag (Scan and GetItem
  // return {"M":{}}); AWS does not. Without this, one such record would stall the shard forever.
  if (v && typeof v === 'object' && Object.keys(v).length === 0) return { M: {} };
  throw new Error(`unsupported attribute value ${JSON.stringify(v)}`);
}

function toLambdaImage(m: Record<string, SdkAttributeValue>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(m)) out[k] = toLambdaAttribute(v);
  return out;
}

/** One SDK stream record in the shape Lambda hands to a function (exported for unit tests). */
export function toLambdaRecord(rec: SdkRecord, streamArn: string, region: string): DynamoDBRecord {
  const d = rec.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime;
  const out: DynamoDBRecord = {
    eventID: rec.eventID,
    eventName: rec.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: {
      ...(created ? { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) } : {}),
      Keys: toLambdaImage(d.Keys ?? {}),
      ...(d.NewImage ? { NewImage: toLambdaImage(d.NewImage) } : {}),
      ...(d.OldImage ? { OldImage: toLambdaImage(d.OldImage) } : {}),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType,
    },
    eventSourceARN: streamArn,
  };
  if (rec.userIdentity) out.userIdentity = { type: rec.userIdentity.Type, principalId: rec.userIdentity.PrincipalId };
  return out;
}

interface Item {
  seq: string;
  arrival?: Date;
  record: DynamoDBRecord;
}

// ---------------------------------------------------------------------------------------------
// Persisted state

interface ShardState {
  parent?: string;
  /** Sequence number of the last record delivered (or sent to the destination). */
  checkpoint?: string;
  /** Closed shard read to its end. */
  done?: boolean;
}

interface MappingState {
  version: 1;
  functionName: string;
  tableName: string;
  streamArn: string;
  startingPosition: string;
  shards: Record<string, ShardState>;
  updatedAt?: string;
}

// ---------------------------------------------------------------------------------------------

export type Outcome =
  | { kind: 'ok' }
  | { kind: 'partial'; index: number; requestId: string }
  | { kind: 'error'; requestId: string; functionError?: string; message: string };

interface SubBatch {
  items: Item[];
  retries: number;
  invokes: number;
}

const errName = (err: unknown) => (err instanceof Error ? err.name : '');
const errMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isoSeconds = (d: Date | undefined) => (d ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');

class ShardWorker {
  pollStarted = 0;
  caughtUpAt = 0;
  finished: Promise<void> | undefined;
  private lastFetched: string | undefined;

  constructor(
    readonly m: Mapping,
    readonly shardId: string,
  ) {}

  start(): void {
    this.finished = this.run().catch((err) => {
      if (this.m.stopped) return;
      // The discovery loop restarts the shard from its checkpoint within a second or so.
      const n = ++this.m.workerFailures;
      if (n === 1 || n % 30 === 0) {
        log.error(
          `${this.m.label}: shard ${this.shardId} stopped on an error; it restarts from its checkpoint (${errName(err) || 'Error'}: ${errMessage(err)})`,
        );
      }
    });
  }

  private get st(): ShardState {
    this.m.state.shards[this.shardId] ??= {};
    return this.m.state.shards[this.shardId]!;
  }

  private async acquire(after: string | undefined): Promise<string | undefined> {
    if (after !== undefined) {
      try {
        return await this.m.iterator(this.shardId, 'AFTER_SEQUENCE_NUMBER', after);
      } catch (err) {
        if (this.m.stopped || errName(err) === 'ResourceNotFoundException') throw err;
        // Trimmed, invalid (DynamoDB Local answers a sequence number it never issued with a 500
        // InternalFailure) or otherwise unusable: start from the oldest record still there.
        log.warn(
          `${this.m.label}: shard ${this.shardId}: checkpoint ${after} is not usable (${errName(err) || errMessage(err)}); reading from TRIM_HORIZON`,
        );
      }
    }
    return this.m.iterator(this.shardId, 'TRIM_HORIZON');
  }

  private async run(): Promise<void> {
    const m = this.m;
    const cfg = m.cfg;
    let iterator: string | undefined;
    this.lastFetched = this.st.checkpoint;
    try {
      iterator = await this.acquire(this.st.checkpoint);
    } catch (err) {
      if (m.stopped) return;
      if (errName(err) === 'ResourceNotFoundException') return this.markDone('it no longer exists (trimmed)');
      throw err;
    }
    const buffer: Item[] = [];
    let lastFetchFull = false;
    let failures = 0;
    while (!m.stopped) {
      const wantMore =
        iterator !== undefined && (buffer.length === 0 || (lastFetchFull && buffer.length < cfg.batchSize));
      if (wantMore) {
        const pollNo = ++this.pollStarted;
        let res: GetRecordsCommandOutput;
        try {
          res = await m.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }), {
            abortSignal: m.abort.signal,
          });
          failures = 0;
        } catch (err) {
          if (m.stopped) return;
          const name = errName(err);
          if (name === 'ExpiredIteratorException') {
            iterator = await this.acquire(this.lastFetched);
            continue;
          }
          if (name === 'TrimmedDataAccessException') {
            log.warn(
              `${m.label}: shard ${this.shardId}: records after ${this.lastFetched ?? 'the start'} were trimmed; reading from TRIM_HORIZON`,
            );
            iterator = await m.iterator(this.shardId, 'TRIM_HORIZON');
            continue;
          }
          if (name === 'ResourceNotFoundException') return this.markDone('it no longer exists (trimmed)');
          failures++;
          if (failures === 1 || failures % 20 === 0)
            log.warn(`${m.label}: GetRecords on shard ${this.shardId} failed (${name || errMessage(err)}); retrying`);
          await m.pause(Math.min(2_000, 100 * 2 ** Math.min(failures, 5)));
          continue;
        }
        iterator = res.NextShardIterator;
        const records = res.Records ?? [];
        lastFetchFull = records.length >= 1000;
        for (const r of records) {
          const seq = r.dynamodb?.SequenceNumber;
          if (!seq) continue;
          buffer.push({
            seq,
            arrival: r.dynamodb?.ApproximateCreationDateTime,
            record: toLambdaRecord(r, m.streamArn, m.region),
          });
          this.lastFetched = seq;
        }
        if (buffer.length === 0) {
          if (iterator === undefined) break; // closed and fully read
          this.caughtUpAt = pollNo;
          m.changed();
          await m.pause(m.pollIntervalMs);
          continue;
        }
        if (lastFetchFull && buffer.length < cfg.batchSize) continue;
      }
      if (buffer.length === 0) {
        if (iterator === undefined) break;
        continue;
      }
      const batch = buffer.splice(0, cfg.batchSize);
      const completed = await this.process(batch);
      if (!completed) return; // stopped: the unprocessed rest is re-read from the checkpoint
    }
    if (!m.stopped && iterator === undefined && buffer.length === 0) await this.markDone();
  }

  private async markDone(reason?: string): Promise<void> {
    this.st.done = true;
    if (reason) log.warn(`${this.m.label}: shard ${this.shardId} finished: ${reason}`);
    await this.m.persist();
    this.m.changed();
    this.m.wakeDiscovery(); // its children may start now
  }

  private async checkpoint(seq: string): Promise<void> {
    this.st.checkpoint = seq;
    await this.m.persist();
  }

  /** Delivers one batch with Lambda's failure handling. False when stopped before it was resolved. */
  private async process(items: Item[]): Promise<boolean> {
    const m = this.m;
    const cfg = m.cfg;
    const pending: SubBatch[] = [{ items, retries: 0, invokes: 0 }];
    while (pending.length > 0) {
      if (m.stopped) return false;
      const sub = pending[0]!;
      const outcome = await m.invokeBatch(sub.items);
      sub.invokes++;
      const first = sub.items[0]!.seq;
      const last = sub.items[sub.items.length - 1]!.seq;
      if (outcome.kind === 'ok') {
        await this.checkpoint(last);
        pending.shift();
        continue;
      }
      sub.retries++;
      const exhausted = cfg.maximumRetryAttempts >= 0 && sub.retries > cfg.maximumRetryAttempts;
      if (outcome.kind === 'partial') {
        if (outcome.index > 0) {
          await this.checkpoint(sub.items[outcome.index - 1]!.seq);
          sub.items = sub.items.slice(outcome.index);
        }
        log.warn(
          `${m.label}: ${sub.items.length} record(s) from ${sub.items[0]!.seq} reported as failed${exhausted ? '' : `; retry ${sub.retries}${cfg.maximumRetryAttempts >= 0 ? `/${cfg.maximumRetryAttempts}` : ''}`}`,
        );
      } else {
        log.warn(
          `${m.label}: batch of ${sub.items.length} (${first}..${last}) failed: ${outcome.message}${exhausted ? '' : `; retry ${sub.retries}${cfg.maximumRetryAttempts >= 0 ? `/${cfg.maximumRetryAttempts}` : ''}${cfg.bisectBatchOnFunctionError && sub.items.length > 1 ? ' (bisected)' : ''}`}`,
        );
      }
      if (exhausted) {
        await m.sendToDestination(this.shardId, sub, outcome);
        await this.checkpoint(sub.items[sub.items.length - 1]!.seq);
        pending.shift();
        continue;
      }
      if (outcome.kind === 'error' && cfg.bisectBatchOnFunctionError && sub.items.length > 1) {
        const half = Math.ceil(sub.items.length / 2);
        pending.splice(
          0,
          1,
          { items: sub.items.slice(0, half), retries: 0, invokes: 0 },
          { items: sub.items.slice(half), retries: 0, invokes: 0 },
        );
      }
      await m.pause(Math.min(2_000, 100 * 2 ** (sub.retries - 1)));
    }
    return true;
  }
}

class Mapping {
  readonly label: string;
  readonly pollIntervalMs: number;
  readonly abort = new AbortController();
  readonly ddb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly file: string;
  stopped = false;
  workerFailures = 0;
  streamArn = '';
  state!: MappingState;
  private shards: Shard[] = [];
  private readonly workers = new Map<string, ShardWorker>();
  private readonly sleepers = new Set<() => void>();
  private discoveryWaker: (() => void) | undefined;
  private discoveries = 0;
  private discoveryLoop: Promise<void> | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly drainWaiters = new Set<() => void>();

  constructor(readonly opts: StartStreamMappingOptions) {
    this.label = `${opts.config.functionName} <- ${opts.config.tableName}`;
    this.pollIntervalMs = opts.pollIntervalMs ?? 250;
    const common = {
      endpoint: opts.dynamodbEndpoint,
      region: opts.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    this.ddb = new DynamoDBClient(common);
    this.streams = new DynamoDBStreamsClient(common);
    this.file = checkpointFile(opts.stateDir, opts.config);
  }

  get cfg(): StreamMappingConfig {
    return this.opts.config;
  }
  get region(): string {
    return this.opts.region;
  }

  // -- timing -----------------------------------------------------------------------------------
  /** A delay that ends early when the mapping stops. */
  pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  wakeDiscovery(): void {
    this.discoveryWaker?.();
  }

  // -- AWS calls --------------------------------------------------------------------------------
  async iterator(shardId: string, type: ShardIteratorType, seq?: string): Promise<string | undefined> {
    const res = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shardId,
        ShardIteratorType: type,
        ...(seq ? { SequenceNumber: seq } : {}),
      }),
      { abortSignal: this.abort.signal },
    );
    return res.ShardIterator;
  }

  private async describeShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const res = await this.streams.send(
        new DescribeStreamCommand({ StreamArn: this.streamArn, ExclusiveStartShardId: start }),
        {
          abortSignal: this.abort.signal,
        },
      );
      shards.push(...(res.StreamDescription?.Shards ?? []));
      start = res.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards;
  }

  // -- state ------------------------------------------------------------------------------------
  persist(): Promise<void> {
    const next = this.writing.then(async () => {
      this.state.updatedAt = new Date().toISOString();
      const tmp = `${this.file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
      await fs.writeFile(tmp, `${JSON.stringify(this.state, null, 2)}\n`);
      await fs.rename(tmp, this.file);
    });
    this.writing = next.catch((err) =>
      log.error(`${this.label}: could not save the checkpoint ${this.file}: ${errMessage(err)}`),
    );
    return this.writing;
  }

  private loadState(): MappingState | undefined {
    if (!existsSync(this.file)) return undefined;
    try {
      const s = JSON.parse(readFileSync(this.file, 'utf8')) as MappingState;
      if (s.version !== 1 || typeof s.shards !== 'object' || !s.shards) throw new Error('unknown format');
      return s;
    } catch (err) {
      log.warn(`${this.label}: ignoring unreadable checkpoint file ${this.file} (${errMessage(err)})`);
      return undefined;
    }
  }

  // -- start / discovery ------------------------------------------------------------------------
  async start(): Promise<void> {
    const cfg = this.cfg;
    if (!Number.isInteger(cfg.batchSize) || cfg.batchSize < 1)
      throw new Error(`${this.label}: batchSize must be a positive integer`);
    await fs.mkdir(this.opts.stateDir, { recursive: true });
    const { Table } = await this.ddb.send(new DescribeTableCommand({ TableName: cfg.tableName }));
    if (!Table?.LatestStreamArn || !Table.StreamSpecification?.StreamEnabled) {
      throw new Error(`${this.label}: table ${cfg.tableName} has no stream (StreamSpecification missing?)`);
    }
    this.streamArn = Table.LatestStreamArn;
    let state = this.loadState();
    if (state && state.streamArn !== this.streamArn) {
      log.warn(
        `${this.label}: the table's stream changed (${state.streamArn} -> ${this.streamArn}); starting at ${cfg.startingPosition}`,
      );
      state = undefined;
    }
    const fresh = state === undefined;
    this.state = state ?? {
      version: 1,
      functionName: cfg.functionName,
      tableName: cfg.tableName,
      streamArn: this.streamArn,
      startingPosition: cfg.startingPosition,
      shards: {},
    };
    if (fresh) {
      const shards = await this.describeShards();
      for (const s of shards) {
        const id = s.ShardId!;
        const entry: ShardState = s.ParentShardId ? { parent: s.ParentShardId } : {};
        this.state.shards[id] = entry;
        if (cfg.startingPosition === 'LATEST') {
          if (s.SequenceNumberRange?.EndingSequenceNumber) entry.done = true;
          else await this.skipToTip(id, entry);
        }
      }
    }
    await this.persist();
    await this.discover();
    this.discoveryLoop = this.runDiscovery();
    log.info(
      `${this.label}: polling ${this.streamArn} (batch ${cfg.batchSize}, ${fresh ? `new, from ${cfg.startingPosition}` : 'resuming from its checkpoint'})`,
    );
  }

  /**
   * LATEST, made restartable: read the open shard to its tip once and checkpoint the last record,
   * so a restart before any new record arrives still resumes exactly here (a LATEST iterator has no
   * position that could be saved).
   */
  private async skipToTip(shardId: string, entry: ShardState): Promise<void> {
    let it = await this.iterator(shardId, 'TRIM_HORIZON');
    while (it) {
      const res = await this.streams.send(new GetRecordsCommand({ ShardIterator: it, Limit: 1000 }), {
        abortSignal: this.abort.signal,
      });
      const recs = res.Records ?? [];
      const last = recs[recs.length - 1]?.dynamodb?.SequenceNumber;
      if (last) entry.checkpoint = last;
      it = res.NextShardIterator;
      if (!it) entry.done = true;
      if (recs.length === 0) break;
    }
  }

  private async discover(): Promise<void> {
    const shards = await this.describeShards();
    this.shards = shards;
    const ids = new Set(shards.map((s) => s.ShardId!));
    let changed = false;
    for (const s of shards) {
      if (!this.state.shards[s.ShardId!]) {
        this.state.shards[s.ShardId!] = s.ParentShardId ? { parent: s.ParentShardId } : {};
        changed = true;
      }
    }
    for (const id of Object.keys(this.state.shards)) {
      if (!ids.has(id) && !this.workers.has(id)) {
        delete this.state.shards[id]; // trimmed from the stream
        changed = true;
      }
    }
    if (changed) await this.persist();
    for (const s of shards) {
      const id = s.ShardId!;
      const st = this.state.shards[id]!;
      if (st.done || this.stopped) continue;
      const running = this.workers.get(id);
      if (running) continue;
      const parent = s.ParentShardId;
      const parentPending = parent !== undefined && ids.has(parent) && !this.state.shards[parent]?.done;
      if (parentPending) continue;
      const w = new ShardWorker(this, id);
      this.workers.set(id, w);
      w.start();
      void w.finished!.then(() => {
        if (this.workers.get(id) === w) this.workers.delete(id);
      });
    }
    this.discoveries++;
    this.changed();
  }

  private async runDiscovery(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.sleepers.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(1_000, this.pollIntervalMs * 4));
        this.discoveryWaker = done;
        this.sleepers.add(done);
      });
      this.discoveryWaker = undefined;
      if (this.stopped) break;
      try {
        await this.discover();
        failures = 0;
      } catch (err) {
        if (this.stopped) break;
        failures++;
        if (failures === 1 || failures % 30 === 0)
          log.warn(`${this.label}: DescribeStream failed (${errName(err) || errMessage(err)}); retrying`);
      }
    }
  }

  // -- invoking ---------------------------------------------------------------------------------
  async invokeBatch(items: Item[]): Promise<Outcome> {
    const requestId = randomUUID();
    const event: DynamoDBStreamEvent = { Records: items.map((i) => structuredClone(i.record)) };
    let response: unknown;
    try {
      response = await Promise.resolve().then(() => this.opts.invoke(event));
    } catch (err) {
      return { kind: 'error', requestId, functionError: 'Unhandled', message: errMessage(err) };
    }
    if (!this.cfg.reportBatchItemFailures) return { kind: 'ok' };
    return interpretBatchResponse(
      response,
      items.map((i) => i.seq),
      requestId,
    );
  }

  async sendToDestination(shardId: string, sub: SubBatch, outcome: Outcome): Promise<void> {
    const first = sub.items[0]!;
    const last = sub.items[sub.items.length - 1]!;
    const dest = this.cfg.onFailure;
    if (!dest) {
      log.warn(
        `${this.label}: dropped ${sub.items.length} record(s) ${first.seq}..${last.seq} after ${sub.retries - 1} retries (no on-failure destination)`,
      );
      return;
    }
    const record: StreamFailureRecord = {
      requestContext: {
        requestId: outcome.kind === 'ok' ? randomUUID() : outcome.requestId,
        functionArn: `arn:aws:lambda:${this.region}:000000000000:function:${this.cfg.functionName}`,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: sub.invokes,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(outcome.kind === 'error' && outcome.functionError ? { functionError: outcome.functionError } : {}),
      },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: first.seq,
        endSequenceNumber: last.seq,
        approximateArrivalOfFirstRecord: isoSeconds(first.arrival),
        approximateArrivalOfLastRecord: isoSeconds(last.arrival),
        batchSize: sub.items.length,
        streamArn: this.streamArn,
      },
    };
    const dir = this.opts.failuresDir ?? join(this.opts.stateDir, 'failures');
    const file = failureFile(dir, dest.name);
    await fs.mkdir(dir, { recursive: true });
    await fs.appendFile(file, `${JSON.stringify(record)}\n`);
    log.warn(
      `${this.label}: ${sub.items.length} record(s) ${first.seq}..${last.seq} sent to on-failure destination ${dest.name}: ${file}`,
    );
  }

  // -- drained / stop ---------------------------------------------------------------------------
  changed(): void {
    for (const w of [...this.drainWaiters]) w();
  }

  drained(opts: { timeoutMs?: number } = {}): Promise<void> {
    if (this.stopped) return Promise.reject(new Error(`${this.label}: mapping stopped`));
    const polls = new Map([...this.workers].map(([id, w]) => [id, w.pollStarted]));
    const discoveries = this.discoveries;
    this.wakeDiscovery();
    const busyShards = () =>
      this.shards
        .map((s) => s.ShardId!)
        .filter((id) => {
          if (this.state.shards[id]?.done) return false;
          const w = this.workers.get(id);
          return !w || w.caughtUpAt <= (polls.get(id) ?? 0);
        });
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const check = () => {
        if (this.stopped) {
          finish();
          reject(new Error(`${this.label}: mapping stopped before it drained`));
        } else if (this.discoveries > discoveries && busyShards().length === 0) {
          finish();
          resolve();
        }
      };
      const finish = () => {
        this.drainWaiters.delete(check);
        if (timer) clearTimeout(timer);
      };
      if (opts.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          finish();
          reject(
            new Error(
              `${this.label}: not drained after ${opts.timeoutMs} ms (shards still busy: ${busyShards().join(', ') || 'none'})`,
            ),
          );
        }, opts.timeoutMs);
      }
      this.drainWaiters.add(check);
      check();
    });
  }

  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.abort.abort();
      for (const s of [...this.sleepers]) s();
      this.changed();
    }
    await this.discoveryLoop;
    await Promise.all([...this.workers.values()].map((w) => w.finished));
    await this.writing;
    this.ddb.destroy();
    this.streams.destroy();
  }
}

/**
 * Lambda's reading of a ReportBatchItemFailures response: nothing, null, {} or an empty/null list
 * = the whole batch succeeded; failures = retry from the lowest failed sequence number; an entry
 * without a usable itemIdentifier or one naming a record not in the batch = the whole batch failed.
 */
export function interpretBatchResponse(
  response: unknown,
  sequenceNumbers: string[],
  requestId = randomUUID(),
): Outcome {
  if (response === undefined || response === null || typeof response !== 'object') return { kind: 'ok' };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'ok' };
  if (!Array.isArray(failures))
    return { kind: 'error', requestId, message: 'malformed batchItemFailures (not a list): whole batch failed' };
  if (failures.length === 0) return { kind: 'ok' };
  let lowest = Number.POSITIVE_INFINITY;
  for (const f of failures) {
    const id = f && typeof f === 'object' ? (f as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    const index = typeof id === 'string' && id !== '' ? sequenceNumbers.indexOf(id) : -1;
    if (index < 0) {
      return {
        kind: 'error',
        requestId,
        message: `malformed batchItemFailures entry ${JSON.stringify(f)}: whole batch failed`,
      };
    }
    lowest = Math.min(lowest, index);
  }
  return { kind: 'partial', index: lowest, requestId };
}

export async function startStreamMapping(opts: StartStreamMappingOptions): Promise<StreamMapping> {
  const mapping = new Mapping(opts);
  try {
    await mapping.start();
  } catch (err) {
    await mapping.stop();
    throw err;
  }
  return {
    stop: () => mapping.stop(),
    drained: (o?: { timeoutMs?: number }) => mapping.drained(o),
  };
}
