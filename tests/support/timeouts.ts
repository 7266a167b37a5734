// Per-project timeouts (Jest `setupFilesAfterEnv`): tests get the project's `testTimeout`, and hooks
// (beforeAll, afterEach, ...) given no timeout of their own get its `hookTimeout`, which Jest has no
// setting for. Both come from the project's `globals.timeouts` in jest.config.js.
const { testTimeout, hookTimeout } = (
  globalThis as unknown as { timeouts: { testTimeout: number; hookTimeout: number } }
).timeouts;

jest.setTimeout(testTimeout);
for (const name of ['beforeAll', 'beforeEach', 'afterAll', 'afterEach'] as const) {
  const hook = globalThis[name] as (fn: jest.ProvidesHookCallback, timeout?: number) => void;
  globalThis[name] = ((fn: jest.ProvidesHookCallback, timeout?: number) =>
    hook(fn, timeout ?? hookTimeout)) as jest.Lifecycle;
}
