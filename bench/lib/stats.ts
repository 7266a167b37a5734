// Small statistics and waiting helpers shared by the benchmarks that need them.

/** The nearest-rank percentile (p99 of 300 samples is the 297th smallest). */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Milliseconds with a precision that suits the size (0.42, 4.2, 42). */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

export const sleep = (msToWait: number) => new Promise<void>((resolve) => setTimeout(resolve, msToWait));

/**
 * Polls `check` until it returns a value (not undefined) or `timeoutMs` passes; then throws with
 * the last reason `check` gave (a string return means "not yet, because ...").
 */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | string | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let reason = 'not checked yet';
  for (;;) {
    const result = await check();
    if (result !== undefined && typeof result !== 'string') return result;
    if (typeof result === 'string') reason = result;
    if (Date.now() >= deadline) throw new Error(`${what}: not reached after ${timeoutMs} ms (${reason})`);
    await sleep(intervalMs);
  }
}
