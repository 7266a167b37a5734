// `npm start`: the whole backend on local services. Ctrl-C stops everything, DynamoDB Local's
// Java process included. Ports: LOCAL_API_PORT (3000), LOCAL_DYNAMODB_PORT (8000),
// LOCAL_S3_PORT (4569), LOCAL_SNS_PORT (9911), LOCAL_SQS_PORT (9324), LOCAL_COGNITO_PORT (9229); 0 picks a free port.
// Data lives in LOCAL_DATA_DIR (default .local/), which a restart keeps.
import path from 'node:path';
import { DEFAULT_PORTS, startStack } from './stack';

function port(name: keyof typeof DEFAULT_PORTS): number {
  const raw = process.env[`LOCAL_${name.toUpperCase()}_PORT`];
  if (raw === undefined || raw === '') return DEFAULT_PORTS[name];
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`LOCAL_${name.toUpperCase()}_PORT must be a port number (0 picks a free one), got "${raw}".`);
    process.exit(2);
  }
  return value;
}

async function main() {
  const root = path.resolve(__dirname, '..', '..');
  const started = Date.now();
  const stack = await startStack({
    root,
    dataDir: path.resolve(root, process.env.LOCAL_DATA_DIR ?? '.local'),
    ports: {
      api: port('api'),
      dynamodb: port('dynamodb'),
      s3: port('s3'),
      sns: port('sns'),
      sqs: port('sqs'),
      cognito: port('cognito'),
    },
  });
  const e = stack.endpoints;
  console.log(
    [
      '',
      `media-share is running locally (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      `  API          ${e.api}`,
      `  Cognito      ${e.cognito.endpoint}  userPoolId=${e.cognito.userPoolId} clientId=${e.cognito.clientId}`,
      `  S3           ${e.s3}  bucket=${e.bucket}`,
      `  DynamoDB     ${e.dynamodb}  tables=${Object.values(e.tables).join(',')}`,
      `  SNS          ${e.sns}`,
      `  credentials  ${e.credentials.accessKeyId} / ${e.credentials.secretAccessKey} (local only)`,
      `  endpoints    ${path.join(process.env.LOCAL_DATA_DIR ?? '.local', 'endpoints.json')}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping...`);
    await stack.stop();
    console.log('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: Error) => {
  console.error(`npm start failed: ${error.message}`);
  process.exit(1);
});
