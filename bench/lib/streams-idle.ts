// Whether the local stack's DynamoDB stream mappings have delivered every record written so far.
//
// GET /_local/async-idle covers asynchronous invocations (S3 -> SNS -> function) only, not the
// stream mappings, and the running stack does not expose its mappings' drained(). What it does
// expose is on disk: each mapping checkpoints, after every delivered batch, the sequence number of
// the last record it delivered, per shard (infra/local/stream-files.ts, `<dataDir>/streams/*.json`).
// A mapping has caught up when, for every shard of its stream, nothing follows its checkpoint.
// This is a read-only look: one GetRecords (Limit 1) per open shard.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { Endpoints } from '../../infra/local/stack';

interface Checkpoints {
  functionName: string;
  tableName: string;
  streamArn: string;
  shards: Record<string, { checkpoint?: string; done?: boolean }>;
}

export class StreamWatcher {
  private readonly client: DynamoDBStreamsClient;
  private readonly dir: string;

  constructor(endpoints: Endpoints) {
    this.client = new DynamoDBStreamsClient({
      endpoint: endpoints.dynamodb,
      region: endpoints.region,
      credentials: endpoints.credentials,
    });
    this.dir = path.join(endpoints.dataDir, 'streams');
  }

  /** undefined when every mapping has caught up; otherwise which ones are behind (for messages). */
  async behind(): Promise<string | undefined> {
    const files = (await readdir(this.dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
    if (!files.length) return 'no stream mapping checkpoints yet';
    const lagging: string[] = [];
    for (const file of files) {
      let state: Checkpoints;
      try {
        state = JSON.parse(await readFile(path.join(this.dir, file), 'utf8')) as Checkpoints;
      } catch {
        return `checkpoint ${file} being written`;
      }
      for (const shard of await this.shards(state.streamArn)) {
        const id = shard.ShardId!;
        const st = state.shards[id];
        if (st?.done) continue;
        const iterator = await this.client.send(
          new GetShardIteratorCommand({
            StreamArn: state.streamArn,
            ShardId: id,
            ...(st?.checkpoint
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: st.checkpoint }
              : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        );
        if (!iterator.ShardIterator) continue;
        const out = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator, Limit: 1 }));
        if (out.Records?.length) lagging.push(`${state.functionName} <- ${state.tableName}`);
      }
    }
    return lagging.length ? `behind: ${[...new Set(lagging)].join(', ')}` : undefined;
  }

  private async shards(streamArn: string): Promise<Shard[]> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const out = await this.client.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      shards.push(...(out.StreamDescription?.Shards ?? []));
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards;
  }

  close(): void {
    this.client.destroy();
  }
}
