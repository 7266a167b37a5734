import { LastLineIndex } from '#shared/imports/last-line-index';

describe('LastLineIndex', () => {
  it('keeps the last line of each key', () => {
    const index = new LastLineIndex(16);
    index.set('u\u0000ann', 1);
    index.set('u\u0000ben', 2);
    index.set('u\u0000ann', 7);
    expect(index.get('u\u0000ann')).toBe(7);
    expect(index.get('u\u0000ben')).toBe(2);
    expect(index.get('u\u0000cid')).toBeUndefined();
    expect(index.size).toBe(2);
  });

  it('grows past its initial size and still finds every key', () => {
    const index = new LastLineIndex(16);
    const n = 200_000;
    for (let i = 1; i <= n; i++) index.set(`u\u0000user-${i % 150_000}`, i);
    expect(index.size).toBe(150_000);
    for (let k = 0; k < 150_000; k += 997) {
      const last = k + 150_000 <= n ? k + 150_000 : k;
      expect(index.get(`u\u0000user-${k}`)).toBe(last === 0 ? 150_000 : last);
    }
    // 12 bytes a slot, at most 70% full.
    expect(index.bytes).toBeLessThanOrEqual(Math.ceil(150_000 / 0.7) * 2 * 12);
  });
});
