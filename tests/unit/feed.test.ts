import { partitionToCheck } from '../../shared/feed/dynamo-streams';
import type { ContentItem } from '../../shared/content/model';
import {
  entryTargets,
  feedQuerySchema,
  mergeNewestFirst,
  publicBucketOf,
  reconcilePlan,
  shouldTrim,
  sortKeyOf,
  timeOf,
  trimPlan,
} from '../../shared/feed/model';
import { WINDOW_SORT_KEY } from '../../shared/feed/dynamo-store';

const item = (over: Partial<ContentItem> = {}): ContentItem => ({
  contentId: '00000000-0000-4000-8000-000000000001',
  ownerId: 'owner',
  status: 'READY',
  visibility: 'friends',
  contentType: 'image/jpeg',
  declaredBytes: 1,
  originalKey: 'uploads/owner/x',
  createdAt: '2026-03-01T23:59:59.999Z',
  updatedAt: '2026-03-01T23:59:59.999Z',
  version: 1,
  ...over,
});

describe('where an item is indexed', () => {
  it('friends-only: the owner and each mutual friend', () => {
    expect(entryTargets(item(), ['a', 'b'])).toEqual(['user#owner', 'user#a', 'user#b']);
  });
  it('public: its day partition only, never a write per user', () => {
    expect(entryTargets(item({ visibility: 'public' }), ['a', 'b'])).toEqual(['public#2026-03-01']);
  });
  it('private: the owner only', () => {
    expect(entryTargets(item({ visibility: 'private' }), ['a'])).toEqual(['user#owner']);
  });
  it('nowhere unless READY and not deleted', () => {
    for (const status of ['PENDING', 'REJECTED', 'DUPLICATE', 'DELETED'] as const)
      expect(entryTargets(item({ status }), ['a'])).toEqual([]);
    expect(entryTargets(item({ deletedAt: '2026-03-02T00:00:00Z' }), ['a'])).toEqual([]);
    expect(entryTargets(undefined, ['a'])).toEqual([]);
  });
  it('a reconciliation deletes from every other place the item may be', () => {
    const plan = reconcilePlan(item(), item({ visibility: 'public' }), ['a']);
    expect(plan.puts.map((e) => e.feedKey)).toEqual(['public#2026-03-01']);
    expect(plan.deletes.map((e) => e.feedKey).sort()).toEqual(['user#a', 'user#owner']);
    const gone = reconcilePlan(item(), undefined, ['a']);
    expect(gone.puts).toEqual([]);
    expect(gone.deletes.map((e) => e.feedKey).sort()).toEqual(['public#2026-03-01', 'user#a', 'user#owner']);
    // Deterministic keys: the same state always gives the same entries.
    expect(reconcilePlan(item(), item(), ['a'])).toEqual(reconcilePlan(item(), item(), ['a']));
    expect(plan.puts[0]!.sortKey).toBe('2026-03-01T23:59:59.999Z#00000000-0000-4000-8000-000000000001');
  });
});

describe('keys', () => {
  it('sort keys order by time, then id, and below the window marker', () => {
    const k = sortKeyOf(item());
    expect(timeOf(k)).toBe('2026-03-01T23:59:59.999Z');
    expect(k < WINDOW_SORT_KEY).toBe(true);
    expect(publicBucketOf('2026-03-02T00:00:00.000Z')).toBe('2026-03-02');
  });
});

describe('merging sources', () => {
  it('newest first, one ref per item', () => {
    const r = (id: string, t: string) => ({ contentId: id, ownerId: 'o', sortKey: `${t}#${id}` });
    const merged = mergeNewestFirst([[r('a', '3'), r('b', '1')], [r('c', '2'), r('a', '3')], []]);
    expect(merged.map((m) => m.contentId)).toEqual(['a', 'c', 'b']);
  });
});

describe('trimming', () => {
  it('keeps the newest `cap`; the floor is the newest entry dropped', () => {
    expect(trimPlan(['5', '4', '3'], 3)).toBeUndefined();
    expect(trimPlan(['5', '4', '3', '2', '1'], 3)).toEqual({ floor: '2', drop: ['2', '1'] });
  });
  it('checks about one write in `every`, the same way for the same write', () => {
    const hits = Array.from({ length: 1600 }, (_, i) => shouldTrim('user#u', `item-${i}`, 16)).filter(Boolean).length;
    expect(hits).toBeGreaterThan(50);
    expect(hits).toBeLessThan(150);
    expect(shouldTrim('user#u', 'item-7', 16)).toBe(shouldTrim('user#u', 'item-7', 16));
    expect(shouldTrim('user#u', 'anything', 1)).toBe(true);
  });
});

describe('what the trimmer checks', () => {
  const rec = (eventName: string, feedKey: string, sortKey: string) => ({
    eventName,
    dynamodb: { Keys: { feedKey: { S: feedKey }, sortKey: { S: sortKey } } },
  });
  it('new entries of user partitions only', () => {
    expect(partitionToCheck(rec('INSERT', 'user#u1', '2026-01-01T00:00:00.000Z#x'), 1)).toBe('u1');
    expect(partitionToCheck(rec('REMOVE', 'user#u1', '2026-01-01T00:00:00.000Z#x'), 1)).toBeUndefined();
    expect(partitionToCheck(rec('MODIFY', 'user#u1', '2026-01-01T00:00:00.000Z#x'), 1)).toBeUndefined();
    expect(partitionToCheck(rec('INSERT', 'user#u1', WINDOW_SORT_KEY), 1)).toBeUndefined();
    expect(partitionToCheck(rec('INSERT', 'public#2026-01-01', '2026-01-01T00:00:00.000Z#x'), 1)).toBeUndefined();
    expect(partitionToCheck({ eventName: 'INSERT' }, 1)).toBeUndefined();
  });
});

describe('GET /feed query', () => {
  it('limit 1-100, default 20; unknown parameters refused', () => {
    expect(feedQuerySchema.parse({})).toEqual({ limit: 20 });
    expect(feedQuerySchema.parse({ limit: '100' }).limit).toBe(100);
    for (const bad of [
      { limit: '0' },
      { limit: '101' },
      { limit: 'x' },
      { other: '1' },
      { cursor: 'x'.repeat(2049) },
    ]) {
      expect(feedQuerySchema.safeParse(bad).success, JSON.stringify(bad).slice(0, 40)).toBe(false);
    }
  });
});
