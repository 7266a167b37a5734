import readline from 'node:readline';
import { Readable, Transform, type TransformCallback, pipeline } from 'node:stream';
import { MAX_LINE_BYTES } from './line-format';

export interface SourceLine {
  /** 1-based, counting every line (blank ones too), as an editor shows them. */
  number: number;
  text: string;
  /** The line had more than `maxLineBytes` bytes; `text` holds only its beginning. */
  tooLong: boolean;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Cuts every line to at most `keep` bytes before readline sees it, so one enormous line (or a
 * file with no line break at all) costs `keep` bytes of memory, not the line's size: readline
 * itself buffers a whole line. Line breaks are LF and CR, as for readline (CRLF is two breaks
 * here, which only resets the count twice).
 */
export class LineLengthLimiter extends Transform {
  /** Bytes of the current line seen so far (kept or not). */
  private run = 0;

  constructor(private readonly keep: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // Fast path: no line in this chunk can pass the limit.
    if (this.run + chunk.length <= this.keep) {
      const lastBreak = Math.max(chunk.lastIndexOf(LF), chunk.lastIndexOf(CR));
      this.run = lastBreak === -1 ? this.run + chunk.length : chunk.length - lastBreak - 1;
      callback(null, chunk);
      return;
    }
    const parts: Buffer[] = [];
    let cut = false;
    let nextLf = chunk.indexOf(LF);
    let nextCr = chunk.indexOf(CR);
    for (let pos = 0; pos < chunk.length; ) {
      if (nextLf !== -1 && nextLf < pos) nextLf = chunk.indexOf(LF, pos);
      if (nextCr !== -1 && nextCr < pos) nextCr = chunk.indexOf(CR, pos);
      const brk = nextLf === -1 ? nextCr : nextCr === -1 ? nextLf : Math.min(nextLf, nextCr);
      const end = brk === -1 ? chunk.length : brk;
      const take = Math.min(Math.max(0, this.keep - this.run), end - pos);
      if (take > 0) parts.push(chunk.subarray(pos, pos + take));
      if (take < end - pos) cut = true;
      this.run += end - pos;
      if (brk === -1) break;
      parts.push(chunk.subarray(brk, brk + 1));
      this.run = 0;
      pos = brk + 1;
    }
    callback(null, cut ? Buffer.concat(parts) : chunk);
  }
}

/**
 * The lines of a byte stream (an S3 GetObject body), read with backpressure: the source is
 * read only as fast as the consumer takes lines (readline's async iterator pauses its input),
 * so memory stays flat whatever the file's size. Handles LF and CRLF, a last line without a
 * line break and a UTF-8 BOM. A failing source (a dropped connection) throws: a partial file is
 * never taken for a complete one.
 */
export async function* readLines(
  body: Readable | AsyncIterable<Uint8Array>,
  maxLineBytes = MAX_LINE_BYTES,
): AsyncGenerator<SourceLine> {
  const source = body instanceof Readable ? body : Readable.from(body, { objectMode: false });
  // pipeline() destroys every stream when one fails, and readline rethrows the error.
  const limited = pipeline(source, new LineLengthLimiter(maxLineBytes + 1), () => {});
  const lines = readline.createInterface({ input: limited, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const raw of lines) {
      number++;
      const text = number === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      // Characters never outnumber bytes: only a line that might be long is measured.
      const tooLong = text.length * 3 > maxLineBytes && Buffer.byteLength(text) > maxLineBytes;
      yield { number, text, tooLong };
    }
  } finally {
    lines.close();
    limited.destroy();
  }
}
