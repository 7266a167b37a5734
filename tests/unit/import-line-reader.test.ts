import { Readable } from 'node:stream';
import { LineLengthLimiter, readLines, type SourceLine } from '#shared/imports/line-reader';

/** A stream that delivers `text` in chunks of `size` bytes (to cut lines, CRLFs and characters apart). */
function chunked(text: string | Buffer, size: number): Readable {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts, { objectMode: false });
}

async function collect(body: Readable | AsyncIterable<Uint8Array>, max?: number): Promise<SourceLine[]> {
  const lines: SourceLine[] = [];
  for await (const line of readLines(body, max)) lines.push(line);
  return lines;
}

const texts = (lines: SourceLine[]) => lines.map((l) => l.text);

describe('readLines', () => {
  it.each([1, 2, 3, 7, 1024])(
    'splits LF, CRLF, a last line without a break and a BOM, in chunks of %i bytes',
    async (size) => {
      const file = '\uFEFF{"a":1}\r\n\r\n{"b":"é€😀"}\n\n  \n{"c":3}';
      const lines = await collect(chunked(file, size));
      expect(lines).toEqual([
        { number: 1, text: '{"a":1}', tooLong: false },
        { number: 2, text: '', tooLong: false },
        { number: 3, text: '{"b":"é€😀"}', tooLong: false },
        { number: 4, text: '', tooLong: false },
        { number: 5, text: '  ', tooLong: false },
        { number: 6, text: '{"c":3}', tooLong: false },
      ]);
    },
  );

  it('gives no extra line for a final line break, and none for an empty file', async () => {
    expect(texts(await collect(chunked('a\nb\n', 4)))).toEqual(['a', 'b']);
    expect(await collect(chunked('', 4))).toEqual([]);
  });

  it('strips a BOM only at the start of the file', async () => {
    expect(texts(await collect(chunked('a\n\uFEFFb', 3)))).toEqual(['a', '\uFEFFb']);
  });

  it('flags lines over the limit, counted in bytes, and keeps numbering the lines after them', async () => {
    const max = 16;
    const file = ['x'.repeat(16), 'y'.repeat(17), 'é'.repeat(8), 'é'.repeat(9), 'z'.repeat(1000), 'ok'].join('\r\n');
    for (const size of [1, 5, 64, 4096]) {
      const lines = await collect(chunked(file, size), max);
      expect(lines.map((l) => [l.number, l.tooLong])).toEqual([
        [1, false],
        [2, true],
        [3, false],
        [4, true],
        [5, true],
        [6, false],
      ]);
      expect(lines[4]!.text.length).toBeLessThanOrEqual(max + 1);
      expect(lines[5]!.text).toBe('ok');
    }
  });

  it('reads a line far larger than the limit without holding it', async () => {
    // 200 MiB without a line break, generated lazily, then one short line.
    const block = Buffer.alloc(1 << 20, 0x61);
    let sent = 0;
    const body = new Readable({
      read() {
        if (sent < 200) this.push(block);
        else if (sent === 200) this.push('\n{"type":"user"}\n');
        else this.push(null);
        sent++;
      },
    });
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const lines: Array<{ number: number; tooLong: boolean; length: number }> = [];
    for await (const line of readLines(body)) {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
      lines.push({ number: line.number, tooLong: line.tooLong, length: line.text.length });
    }
    expect(lines).toEqual([
      { number: 1, tooLong: true, length: 64 * 1024 + 1 },
      { number: 2, tooLong: false, length: 15 },
    ]);
    expect(peak - before).toBeLessThan(32 * 1024 * 1024);
  });

  it('reads only as fast as lines are taken (backpressure)', async () => {
    let pushed = 0;
    const body = new Readable({
      highWaterMark: 1024,
      read() {
        pushed++;
        this.push(pushed > 10_000 ? null : `${'x'.repeat(99)}\n`);
      },
    });
    let taken = 0;
    for await (const _line of readLines(body)) {
      if (++taken === 100) break;
    }
    // Far fewer than the 10,000 lines the source could produce were read.
    expect(pushed).toBeLessThan(3_000);
  });

  it('throws when the source fails midway instead of ending early', async () => {
    let n = 0;
    const body = new Readable({
      read() {
        n++;
        if (n === 3) this.destroy(new Error('socket hang up'));
        else this.push('{"a":1}\n');
      },
    });
    await expect(collect(body)).rejects.toThrow('socket hang up');
  });

  it('accepts any async iterable of bytes', async () => {
    async function* parts() {
      yield new TextEncoder().encode('a\r');
      yield new TextEncoder().encode('\nb');
    }
    expect(texts(await collect(parts()))).toEqual(['a', 'b']);
  });
});

describe('LineLengthLimiter', () => {
  it('passes short lines through untouched and cuts long ones to the limit', async () => {
    const limiter = new LineLengthLimiter(4);
    const out: Buffer[] = [];
    limiter.on('data', (d: Buffer) => out.push(d));
    const done = new Promise((resolve) => limiter.on('end', resolve));
    limiter.write(Buffer.from('ab\nabcdefgh'));
    limiter.write(Buffer.from('ijk\r\nxy'));
    limiter.end();
    await done;
    expect(Buffer.concat(out).toString()).toBe('ab\nabcd\r\nxy');
  });
});
