/**
 * For each key of a file, the number of the last line that sets it: the first pass of an import
 * fills it, the second applies only those lines. Keys are kept as 64-bit hashes in typed arrays
 * outside the JS heap: 12 bytes a slot, 35-70% of the slots used, so 17-34 bytes a key. A file
 * with 10 million distinct keys (more than one invocation can write in 15 minutes) needs 200 MB,
 * where a Map of strings would need about 1 GB.
 *
 * Two different keys with the same 64-bit hash would be taken for one (the earlier one's line
 * skipped): about a 1-in-370,000 chance for a file of 10 million keys, 1 in 4 billion for 100,000.
 */
export class LastLineIndex {
  private hashHi: Uint32Array;
  private hashLo: Uint32Array;
  /** 0 = empty slot (line numbers start at 1). */
  private lines: Uint32Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 1 << 16) {
    const capacity = 2 ** Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.hashHi = new Uint32Array(capacity);
    this.hashLo = new Uint32Array(capacity);
    this.lines = new Uint32Array(capacity);
    this.mask = capacity - 1;
  }

  /** Records that `line` sets `key` (lines come in increasing order: the last call wins). */
  set(key: string, line: number): void {
    hash64(key);
    this.put(h1, h2, line);
    if (this.size > (this.mask + 1) * 0.7) this.grow();
  }

  get(key: string): number | undefined {
    hash64(key);
    for (let slot = h1 & this.mask; ; slot = (slot + 1) & this.mask) {
      const line = this.lines[slot]!;
      if (line === 0) return undefined;
      if (this.hashHi[slot] === h1 && this.hashLo[slot] === h2) return line;
    }
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.lines.byteLength * 3;
  }

  private put(hi: number, lo: number, line: number): void {
    for (let slot = hi & this.mask; ; slot = (slot + 1) & this.mask) {
      if (this.lines[slot] === 0) {
        this.hashHi[slot] = hi;
        this.hashLo[slot] = lo;
        this.lines[slot] = line;
        this.size++;
        return;
      }
      if (this.hashHi[slot] === hi && this.hashLo[slot] === lo) {
        this.lines[slot] = line;
        return;
      }
    }
  }

  private grow(): void {
    const [hi, lo, lines] = [this.hashHi, this.hashLo, this.lines];
    const capacity = lines.length * 2;
    this.hashHi = new Uint32Array(capacity);
    this.hashLo = new Uint32Array(capacity);
    this.lines = new Uint32Array(capacity);
    this.mask = capacity - 1;
    this.size = 0;
    for (let slot = 0; slot < lines.length; slot++) if (lines[slot] !== 0) this.put(hi[slot]!, lo[slot]!, lines[slot]!);
  }
}

// The last hash computed (two 32-bit halves), kept in module variables to avoid an allocation a line.
let h1 = 0;
let h2 = 0;

/** A 64-bit string hash (cyrb53's mixing, both lanes kept). Not cryptographic. */
function hash64(key: string): void {
  let a = 0xdeadbeef;
  let b = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  a = Math.imul(a ^ (a >>> 16), 2246822507);
  a ^= Math.imul(b ^ (b >>> 13), 3266489909);
  b = Math.imul(b ^ (b >>> 16), 2246822507);
  b ^= Math.imul(a ^ (a >>> 13), 3266489909);
  h1 = a >>> 0;
  h2 = b >>> 0;
}
