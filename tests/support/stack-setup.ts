// Vitest global setup of the integration project: the real local stack, started once on free
// ports with its own data directory, shared by the test files through `inject('endpoints')`.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startStack, type Endpoints } from '../../infra/local/stack';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: Endpoints;
  }
}

export default async function setup(project: TestProject) {
  process.env.LOCAL_STACK_QUIET ??= '1';
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'media-share-it-'));
  const stack = await startStack({
    root: path.resolve(__dirname, '..', '..'),
    dataDir,
    ports: { api: 0, dynamodb: 0, s3: 0, sns: 0, cognito: 0 },
    asyncRetryDelaysMs: [200, 400],
  });
  project.provide('endpoints', stack.endpoints);
  return async () => {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
