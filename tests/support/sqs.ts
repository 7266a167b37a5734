// The local SQS on a free port with the given queues, and an SDK client for it: for the tests of
// the SQS subset and of its event-source mappings.
import { SQSClient } from '@aws-sdk/client-sqs';
import { type LocalSqs, type QueueConfig, startSqs } from '../../infra/local/sqs';

export async function localSqs(dataDir: string, queues: QueueConfig[]): Promise<{ sqs: LocalSqs; client: SQSClient }> {
  const sqs = await startSqs({
    port: 0,
    host: '127.0.0.1',
    region: 'us-east-1',
    accountId: '000000000000',
    dataDir,
    queues,
  });
  const client = new SQSClient({
    endpoint: sqs.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { sqs, client };
}
