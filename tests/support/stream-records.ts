// Reads a DynamoDB Local table's stream from the start, for tests that deliver the records to a
// function themselves (in their own order, with duplicates). Records come in Lambda's shape.
import type { DynamoDBRecord } from 'aws-lambda';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { toLambdaRecord } from '../../infra/local/stream-records';

export class StreamTap {
  private readonly iterators = new Map<string, string | undefined>();
  private readonly seen = new Set<string>();

  private constructor(
    private readonly streams: DynamoDBStreamsClient,
    private readonly streamArn: string,
    private readonly region: string,
  ) {}

  static async open(
    dynamodb: DynamoDBClient,
    streams: DynamoDBStreamsClient,
    tableName: string,
    region: string,
  ): Promise<StreamTap> {
    const table = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    const arn = table.Table?.LatestStreamArn;
    if (!arn) throw new Error(`table ${tableName} has no stream`);
    return new StreamTap(streams, arn, region);
  }

  /** Every record written since the last call (each once, whatever the shard iterators did). */
  async take(): Promise<DynamoDBRecord[]> {
    const out: DynamoDBRecord[] = [];
    const description = await this.streams.send(new DescribeStreamCommand({ StreamArn: this.streamArn }));
    for (const shard of description.StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId!;
      let iterator = this.iterators.has(shardId) ? this.iterators.get(shardId) : await this.horizon(shardId);
      while (iterator) {
        let page: GetRecordsCommandOutput;
        try {
          page = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
        } catch (error) {
          // DynamoDB Local may answer a brand-new stream this way; what was seen is skipped below.
          if ((error as Error).name !== 'TrimmedDataAccessException') throw error;
          iterator = await this.horizon(shardId);
          continue;
        }
        for (const record of page.Records ?? []) {
          const seq = record.dynamodb!.SequenceNumber!;
          if (this.seen.has(seq)) continue;
          this.seen.add(seq);
          out.push(toLambdaRecord(record, this.streamArn, this.region));
        }
        const next = page.NextShardIterator;
        if (!page.Records?.length) {
          this.iterators.set(shardId, next);
          break;
        }
        iterator = next;
      }
    }
    return out;
  }

  private async horizon(shardId: string): Promise<string | undefined> {
    const out = await this.streams.send(
      new GetShardIteratorCommand({ StreamArn: this.streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    return out.ShardIterator;
  }
}

export function streamsClient(
  endpoint: string,
  region: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({ endpoint, region, credentials });
}
