// Soft expectations (what Vitest calls expect.soft), which Jest lacks: a failed check is recorded
// and the test goes on, so one run lists every file or case that went wrong; the test then fails
// with all of them. Used where a table of cases is checked in one test (tests/integration/hostile).

export type SoftExpect = <T>(actual: T, message?: string) => jest.JestMatchers<T>;

/** Runs `body` with a soft `expect`; afterwards throws one error listing every failed check. */
export async function softly<T>(body: (soft: SoftExpect) => Promise<T>): Promise<T> {
  const failures: string[] = [];
  const record = (error: unknown) => failures.push(error instanceof Error ? error.message : String(error));
  // Every matcher (and every `.not`/`.resolves`/`.rejects` chain) records its failure instead of throwing.
  const wrap = (target: object): any =>
    new Proxy(target, {
      get(object, property) {
        const value = Reflect.get(object, property);
        if (typeof value === 'function') {
          return (...args: unknown[]) => {
            try {
              const result = value.apply(object, args);
              return result instanceof Promise ? result.catch(record) : result;
            } catch (error) {
              record(error);
              return undefined;
            }
          };
        }
        return value !== null && typeof value === 'object' ? wrap(value) : value;
      },
    });
  const soft: SoftExpect = (actual, message) => wrap(expect(actual, message) as object);
  let result: T;
  try {
    result = await body(soft);
  } catch (error) {
    record(error);
  }
  if (failures.length > 0) {
    throw new Error(`${failures.length} expectation(s) failed:\n\n${failures.join('\n\n')}`);
  }
  return result!;
}
