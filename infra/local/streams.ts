// DynamoDB Streams -> Lambda event-source mappings, emulated locally with Lambda's semantics:
// per-shard ordering and lineage (a parent shard is finished before its children), batches of up to
// batchSize, ReportBatchItemFailures, bisect on function error, bounded retries with a short
// exponential back-off, an on-failure destination (a JSON-lines file a developer can read) and
// checkpoints persisted after every batch so a restart resumes where it stopped.
// (Shards are read and batches delivered by stream-shard.ts, which documents the retry accounting;
// the checkpoint and on-failure files are stream-files.ts.)
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import {
  appendFailure,
  checkpointFile,
  readState,
  writeState,
  type MappingState,
  type ShardState,
  type StreamFailureRecord,
} from './stream-files';
import {
  interpretBatchResponse,
  ShardWorker,
  type Item,
  type Outcome,
  type ShardOwner,
  type SubBatch,
} from './stream-shard';
import { errMessage, errName, localLog } from './log';

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

const isoSeconds = (d: Date | undefined) => (d ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');

class Mapping implements ShardOwner {
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
    const next = this.writing.then(() => writeState(this.file, this.state));
    this.writing = next.catch((err) =>
      log.error(`${this.label}: could not save the checkpoint ${this.file}: ${errMessage(err)}`),
    );
    return this.writing;
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
    let state = readState(this.file, this.label);
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
    const file = await appendFailure(dir, dest.name, record);
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
