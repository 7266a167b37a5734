// Jest global setup of the integration project: the real local stack, started once on free
// ports with its own data directory, shared by the test files through the environment
// (tests/support/endpoints.ts). tests/support/stack-teardown.ts stops it.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startStack } from '../../infra/local/stack';
import { ENDPOINTS_VARIABLE, PUSH_WINDOW_SECONDS } from './endpoints';
import { RUNNING_STACK, type RunningStack } from './stack-handle';

export default async function setup(): Promise<void> {
  process.env.LOCAL_STACK_QUIET ??= '1';
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'media-share-it-'));
  const stack = await startStack({
    root: path.resolve(__dirname, '..', '..'),
    dataDir,
    ports: { api: 0, dynamodb: 0, s3: 0, sns: 0, sqs: 0, cognito: 0 },
    asyncRetryDelaysMs: [200, 400],
    // Push windows long enough to hold a test's burst of uploads, short enough to wait for a summary.
    params: { notifyWindowSeconds: PUSH_WINDOW_SECONDS },
  });
  // Test processes start after the global setup, so they inherit this variable.
  process.env[ENDPOINTS_VARIABLE] = JSON.stringify(stack.endpoints);
  (globalThis as Record<symbol, RunningStack>)[RUNNING_STACK] = { stack, dataDir };
}
