// SDK clients for tests that look behind the API (S3 objects, table items, SNS endpoints) on the local stack.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Endpoints } from '../../scripts/lib/client';

export function clients(endpoints: Endpoints) {
  const base = { region: endpoints.region, credentials: endpoints.credentials };
  return {
    s3: new S3Client({ ...base, endpoint: endpoints.s3, forcePathStyle: true }),
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({ ...base, endpoint: endpoints.dynamodb })),
    sns: new SNSClient({ ...base, endpoint: endpoints.sns }),
  };
}

export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!);
}

/**
 * Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. With
 * `progress`, the wait scales with the work: whenever the deadline passes and `progress()` gives
 * another value than at the last deadline (work is still being done), it starts again.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  progress?: () => Promise<unknown>,
): Promise<T> {
  let deadline = Date.now() + timeoutMs;
  let seen = progress ? JSON.stringify(await progress()) : undefined;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const now = progress ? JSON.stringify(await progress()) : undefined;
      if (now === seen)
        throw new Error(`timed out after ${timeoutMs} ms${progress ? ' without progress' : ''} waiting for ${what}`);
      seen = now;
      deadline = Date.now() + timeoutMs;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An S3 ObjectCreated notification for the media bucket, as S3 publishes it to SNS (key as given: encode it yourself). */
export function s3EventMessage(
  endpoints: Endpoints,
  key: unknown,
  size: unknown,
  eventName = 'ObjectCreated:Post',
): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: endpoints.region,
        eventTime: new Date().toISOString(),
        eventName,
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'uploads',
          bucket: { name: endpoints.bucket, arn: `arn:aws:s3:::${endpoints.bucket}` },
          object: { key, size },
        },
      },
    ],
  });
}
