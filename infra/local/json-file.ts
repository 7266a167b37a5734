// A local service's state file, rewritten whole after each change: through a temporary file and a
// rename (a reader never sees half a file), one write at a time (two at once would share the
// temporary file, and the losing rename would fail the request that caused it). Each write takes
// the state as it is when its turn comes, so the file ends with the latest.
import { rename, writeFile } from 'node:fs/promises';

export function jsonFileWriter(file: string, state: () => unknown): () => Promise<void> {
  let last = Promise.resolve();
  const write = async () => {
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(state(), null, 2));
    await rename(tmp, file);
  };
  return () => {
    last = last.then(write, write);
    return last;
  };
}
