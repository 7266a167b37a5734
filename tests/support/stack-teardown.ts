// Jest global teardown of the integration project: stops the stack the global setup started.
import { rm } from 'node:fs/promises';
import { RUNNING_STACK, type RunningStack } from './stack-handle';

export default async function teardown(): Promise<void> {
  const running = (globalThis as Record<symbol, RunningStack | undefined>)[RUNNING_STACK];
  if (!running) return;
  delete (globalThis as Record<symbol, RunningStack | undefined>)[RUNNING_STACK];
  await running.stack.stop();
  await rm(running.dataDir, { recursive: true, force: true });
}
