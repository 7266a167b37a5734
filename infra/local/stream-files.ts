// The files of a stream mapping: its checkpoint (one JSON file per mapping, the position of every
// shard, rewritten after every batch) and its on-failure destination (one JSON line per record).
import { randomUUID } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errMessage, localLog } from './log';

const log = localLog('streams');

export function checkpointFile(stateDir: string, config: { functionName: string; tableName: string }): string {
  return join(stateDir, `${config.functionName}.${config.tableName}.json`);
}

export function failureFile(failuresDir: string, destinationName: string): string {
  return join(failuresDir, `${destinationName}.jsonl`);
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

// ---------------------------------------------------------------------------------------------
// Persisted state

export interface ShardState {
  parent?: string;
  /** Sequence number of the last record delivered (or sent to the destination). */
  checkpoint?: string;
  /** Closed shard read to its end. */
  done?: boolean;
}

export interface MappingState {
  version: 1;
  functionName: string;
  tableName: string;
  streamArn: string;
  startingPosition: string;
  shards: Record<string, ShardState>;
  updatedAt?: string;
}

/** Saves the mapping's state: written to a temporary file, then renamed over the checkpoint file. */
export async function writeState(file: string, state: MappingState): Promise<void> {
  state.updatedAt = new Date().toISOString();
  const tmp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await fs.rename(tmp, file);
}

/** The saved state; undefined when there is none, or (with a warning) when it cannot be read. */
export function readState(file: string, label: string): MappingState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as MappingState;
    if (s.version !== 1 || typeof s.shards !== 'object' || !s.shards) throw new Error('unknown format');
    return s;
  } catch (err) {
    log.warn(`${label}: ignoring unreadable checkpoint file ${file} (${errMessage(err)})`);
    return undefined;
  }
}

/** Appends a record to the on-failure destination `name` in `failuresDir`; returns its file. */
export async function appendFailure(failuresDir: string, name: string, record: StreamFailureRecord): Promise<string> {
  const file = failureFile(failuresDir, name);
  await fs.mkdir(failuresDir, { recursive: true });
  await fs.appendFile(file, `${JSON.stringify(record)}\n`);
  return file;
}
