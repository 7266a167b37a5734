import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { localLog } from './log';

const log = localLog('s3');

/** s3rver verifies request signatures against this account: local clients sign with it. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface BucketConfig {
  name: string;
  cors?: {
    AllowedMethods?: string[];
    AllowedOrigins?: string[];
    AllowedHeaders?: string[];
    ExposedHeaders?: string[];
    MaxAge?: number;
  }[];
  /** Notifications in CloudFormation's shape (NotificationConfiguration). */
  notifications?: {
    TopicConfigurations?: NotificationTarget[];
    LambdaConfigurations?: NotificationTarget[];
    QueueConfigurations?: NotificationTarget[];
  };
}

interface NotificationTarget {
  Event: string;
  Topic?: string;
  Function?: string;
  Queue?: string;
  Filter?: { S3Key?: { Rules?: { Name: string; Value: string }[] } };
}

/**
 * s3rver with the buckets of the service definition and S3's event notifications: an object
 * created under a configured prefix is delivered to the configured topic, exactly once per
 * matching configuration, in S3's own event shape.
 */
export async function startS3(options: {
  port: number;
  host: string;
  dataDir: string;
  region: string;
  buckets: BucketConfig[];
  toTopic(topicArn: string, message: string): void;
  toFunction(functionArn: string, event: unknown): void;
}): Promise<{ endpoint: string; close(): Promise<void> }> {
  await mkdir(options.dataDir, { recursive: true });
  const server = new S3rver({
    port: options.port,
    address: options.host,
    directory: options.dataDir,
    silent: true,
    configureBuckets: options.buckets.map((b) => ({ name: b.name, configs: b.cors ? [corsXml(b.cors)] : [] })),
  });
  server.on(
    'event',
    (event: {
      Records: Array<{
        eventName: string;
        awsRegion: string;
        s3: { configurationId: string; bucket: { name: string; arn: string }; object: { key: string } };
      }>;
    }) => {
      for (const record of event.Records) {
        const bucket = options.buckets.find((b) => b.name === record.s3.bucket.name);
        const rawKey = record.s3.object.key;
        const eventName = `s3:${record.eventName}`;
        const targets = [
          ...(bucket?.notifications?.TopicConfigurations ?? []),
          ...(bucket?.notifications?.LambdaConfigurations ?? []),
          ...(bucket?.notifications?.QueueConfigurations ?? []),
        ];
        targets.forEach((target, index) => {
          if (!eventMatches(target.Event, eventName) || !keyMatches(target.Filter, rawKey)) return;
          // Real S3 events carry the key URL-encoded with '+' for spaces; s3rver's do not.
          const s3Record = {
            ...record,
            awsRegion: options.region,
            s3: {
              ...record.s3,
              configurationId: `notification-${index}`,
              bucket: { ...record.s3.bucket, arn: `arn:aws:s3:::${record.s3.bucket.name}` },
              object: {
                ...record.s3.object,
                key: encodeURIComponent(rawKey).replace(/%20/g, '+').replace(/%2F/g, '/'),
              },
            },
          };
          const message = JSON.stringify({ Records: [s3Record] });
          if (target.Topic) options.toTopic(target.Topic, message);
          else if (target.Function) options.toFunction(target.Function, { Records: [s3Record] });
          else log.warn(`queue notifications are not emulated (bucket ${record.s3.bucket.name})`);
        });
      }
    },
  );
  const address = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://${options.host}:${address.port}`,
    close: async () => {
      await server.close();
    },
  };
}

function eventMatches(pattern: string, eventName: string): boolean {
  return pattern.endsWith('*') ? eventName.startsWith(pattern.slice(0, -1)) : pattern === eventName;
}

function keyMatches(filter: NotificationTarget['Filter'], key: string): boolean {
  for (const rule of filter?.S3Key?.Rules ?? []) {
    const name = rule.Name.toLowerCase();
    if (name === 'prefix' && !key.startsWith(rule.Value)) return false;
    if (name === 'suffix' && !key.endsWith(rule.Value)) return false;
  }
  return true;
}

function corsXml(rules: NonNullable<BucketConfig['cors']>): string {
  const list = (tag: string, values?: string[]) => (values ?? []).map((v) => `<${tag}>${v}</${tag}>`).join('');
  return `<CORSConfiguration>${rules
    .map(
      (r) =>
        `<CORSRule>${list('AllowedOrigin', r.AllowedOrigins)}${list('AllowedMethod', r.AllowedMethods)}${list('AllowedHeader', r.AllowedHeaders)}${list('ExposeHeader', r.ExposedHeaders)}${r.MaxAge ? `<MaxAgeSeconds>${r.MaxAge}</MaxAgeSeconds>` : ''}</CORSRule>`,
    )
    .join('')}</CORSConfiguration>`;
}
