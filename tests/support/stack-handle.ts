// The stack started by the global setup, kept on the global object of the main Jest process
// (global setup and teardown share it) until the teardown stops it.
import type { startStack } from '../../infra/local/stack';

export const RUNNING_STACK = Symbol.for('media-share.test-stack');

export interface RunningStack {
  stack: Awaited<ReturnType<typeof startStack>>;
  dataDir: string;
}
