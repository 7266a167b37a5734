// Lambda's asynchronous invocation for the local stack (SNS -> function, S3 -> function): a failed
// event is retried (twice by default), then goes to the function's on-failure destination; the
// events in flight are counted for GET /_local/async-idle.
import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { LOCAL_ACCOUNT_ID, resolveIntrinsics } from './definition';
import { localLog } from './log';
import type { LocalLambda } from './runtime';
import type { Wiring } from './stack-events';

const log = localLog('stack');

interface AsyncInvocations {
  /** Invokes a function asynchronously: returns at once, retries a failure, records the last one. */
  invoke(name: string, event: unknown): void;
  /**
   * Resolves once no asynchronous event (S3 -> SNS -> function, with retries) is in flight, or
   * after `?timeoutMs=` (default 30 s, at most 120 s): `{ idle, inflight, completed }`.
   */
  idle(url: URL): Promise<{ idle: boolean; inflight: number; completed: number }>;
  /** The stack is stopping: an invocation failing from now on is neither retried nor recorded. */
  stopping(): void;
}

export function asyncInvocations(
  { definition, region, values, pseudo }: Wiring,
  opts: {
    lambda: LocalLambda;
    /** Where the on-failure destinations are written (`<destination>.jsonl`). */
    failuresDir: string;
    /** Delays between the retries of a failed event. */
    retryDelays: number[];
  },
): AsyncInvocations {
  const { lambda, failuresDir, retryDelays } = opts;
  let stopping = false;
  const asyncDestination = (name: string): string | undefined => {
    const fn = definition.functions[name]!;
    const arn = (fn as { destinations?: { onFailure?: unknown } }).destinations?.onFailure;
    const value = arn && typeof arn === 'object' && 'arn' in arn ? (arn as { arn: unknown }).arn : arn;
    return value
      ? String(resolveIntrinsics(value, values, pseudo))
          .split(':')
          .pop()
      : undefined;
  };
  // Asynchronous events still being handled (including retries), for GET /_local/async-idle.
  // `completed` counts the events that ended (handled, or given up after their retries): a
  // waiter sees from it that the stack is getting through a queue, however long.
  let inflight = 0;
  let completed = 0;
  const idleWaiters: Array<() => void> = [];
  const asyncDone = () => {
    inflight--;
    completed++;
    if (inflight === 0) for (const w of idleWaiters.splice(0)) w();
  };
  const invokeAsync = (name: string, event: unknown) => {
    inflight++;
    const retries = Math.min(
      retryDelays.length,
      (definition.functions[name] as { maximumRetryAttempts?: number }).maximumRetryAttempts ?? 2,
    );
    void (async () => {
      try {
        await deliverAsync(name, event, retries);
      } finally {
        asyncDone();
      }
    })();
  };
  const deliverAsync = async (name: string, event: unknown, retries: number) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await lambda.invoke(name, event);
        return;
      } catch (error) {
        if (stopping) return;
        if (attempt >= retries) {
          const destination = asyncDestination(name);
          if (!destination) {
            log.warn(`${name}: event dropped after ${attempt + 1} attempts (no on-failure destination)`);
            return;
          }
          // What Lambda sends to an asynchronous invocation's on-failure destination.
          const record = {
            version: '1.0',
            timestamp: new Date().toISOString(),
            requestContext: {
              requestId: randomUUID(),
              functionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${name}:$LATEST`,
              condition: 'RetriesExhausted',
              approximateInvokeCount: attempt + 1,
            },
            requestPayload: event,
            responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
            responsePayload: { errorType: (error as Error).name, errorMessage: (error as Error).message },
          };
          const file = path.join(failuresDir, `${destination}.jsonl`);
          await appendFile(file, `${JSON.stringify(record)}\n`);
          log.warn(`${name}: event failed ${attempt + 1} times; sent to on-failure destination ${file}`);
          return;
        }
        await new Promise((r) => setTimeout(r, retryDelays[attempt]));
      }
    }
  };
  return {
    invoke: invokeAsync,
    idle: async (url) => {
      const timeoutMs = Math.min(Number(url.searchParams.get('timeoutMs') ?? 30_000), 120_000);
      if (inflight === 0) return { idle: true, inflight, completed };
      let timer: NodeJS.Timeout | undefined;
      const idle = await Promise.race([
        new Promise<boolean>((resolve) => idleWaiters.push(() => resolve(true))),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
      ]);
      clearTimeout(timer);
      return { idle, inflight, completed };
    },
    stopping: () => {
      stopping = true;
    },
  };
}
