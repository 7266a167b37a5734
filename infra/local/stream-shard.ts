// One shard of a stream mapping: a ShardWorker reads it in order from its checkpoint and delivers
// its records in batches with Lambda's failure handling (partial responses, bisect, retries).
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
import {
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import type { MappingState, ShardState } from './stream-files';
import { toLambdaRecord } from './stream-records';
import { errMessage, errName, localLog } from './log';

const log = localLog('streams');

/** A record read from a shard and not yet delivered. */
export interface Item {
  seq: string;
  arrival?: Date;
  record: DynamoDBRecord;
}

export type Outcome =
  | { kind: 'ok' }
  | { kind: 'partial'; index: number; requestId: string }
  | { kind: 'error'; requestId: string; functionError?: string; message: string };

export interface SubBatch {
  items: Item[];
  retries: number;
  invokes: number;
}

/** What a ShardWorker needs of the mapping that runs it (the Mapping of streams.ts). */
export interface ShardOwner {
  readonly label: string;
  readonly cfg: { batchSize: number; maximumRetryAttempts: number; bisectBatchOnFunctionError: boolean };
  readonly pollIntervalMs: number;
  readonly abort: AbortController;
  readonly streams: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly region: string;
  readonly stopped: boolean;
  workerFailures: number;
  readonly state: MappingState;
  pause(ms: number): Promise<void>;
  wakeDiscovery(): void;
  changed(): void;
  iterator(shardId: string, type: ShardIteratorType, seq?: string): Promise<string | undefined>;
  persist(): Promise<void>;
  invokeBatch(items: Item[]): Promise<Outcome>;
  sendToDestination(shardId: string, sub: SubBatch, outcome: Outcome): Promise<void>;
}

export class ShardWorker {
  pollStarted = 0;
  caughtUpAt = 0;
  finished: Promise<void> | undefined;
  private lastFetched: string | undefined;

  constructor(
    readonly m: ShardOwner,
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
