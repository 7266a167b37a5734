// The feed builder on in-memory stores: which partitions an item's entry goes to, how a new
// friendship backfills (up to the cap, raising the window floor) and an unfriend purges, and that
// a repeated reconciliation changes nothing.
import { publicBucketOf, publicFeedKey, sortKeyOf, userFeedKey } from '#shared/feed/model';
import { FeedBuilder, type FeedBuilderObserver } from '#shared/feed/builder';
import { InMemoryContent, InMemoryFeed, InMemoryFriendships } from '../support/feed-stores';

function setup(cap = 10) {
  const content = new InMemoryContent();
  const friendships = new InMemoryFriendships();
  const feed = new InMemoryFeed();
  return { content, friendships, feed, builder: new FeedBuilder(feed, content, friendships, { cap }) };
}

describe('FeedBuilder', () => {
  it("puts a friends-only item in its owner's and each mutual friend's feed, and nowhere else", async () => {
    const { content, friendships, feed, builder } = setup();
    friendships.befriend('ann', 'bob');
    friendships.befriend('ann', 'cy');
    const item = content.add('ann', 'friends');
    await builder.onContentChange(undefined, item);
    for (const user of ['ann', 'bob', 'cy']) expect(feed.contentIdsOf(user)).toEqual([item.contentId]);
    expect(feed.contentIdsOf('dee')).toEqual([]);
    expect(feed.keysOf(publicFeedKey(publicBucketOf(item.createdAt)))).toEqual([]);
  });

  it('puts a public item in its day partition only, and marks the day (everyone reads it from there)', async () => {
    const { content, friendships, feed, builder } = setup();
    friendships.befriend('ann', 'bob');
    const item = content.add('ann', 'public');
    await builder.onContentChange(undefined, item);
    expect(feed.keysOf(publicFeedKey(publicBucketOf(item.createdAt)))).toEqual([sortKeyOf(item)]);
    expect(feed.publicBuckets).toEqual(new Set([publicBucketOf(item.createdAt)]));
    expect(feed.contentIdsOf('ann')).toEqual([]);
    expect(feed.contentIdsOf('bob')).toEqual([]);
  });

  it('takes the entries back when the item turns private, is deleted, or was never READY', async () => {
    const { content, friendships, feed, builder } = setup();
    friendships.befriend('ann', 'bob');
    const item = content.add('ann', 'friends');
    await builder.onContentChange(undefined, item);
    const madePrivate = content.update(item.contentId, { visibility: 'private' });
    await builder.onContentChange(madePrivate.before, madePrivate.after);
    expect(feed.contentIdsOf('bob')).toEqual([]);
    expect(feed.contentIdsOf('ann')).toEqual([item.contentId]);
    const deleted = content.update(item.contentId, { deletedAt: '2026-02-01T00:00:00.000Z' });
    await builder.onContentChange(deleted.before, deleted.after);
    expect(feed.contentIdsOf('ann')).toEqual([]);

    const pending = content.add('ann', 'public', { status: 'PENDING' });
    await builder.onContentChange(undefined, pending);
    expect(
      [...feed.partitions.values()].every((p) => ![...p.values()].some((e) => e.contentId === pending.contentId)),
    ).toBe(true);
  });

  it("backfills a new friend's friends-only items both ways, newest first, and purges them on unfriend", async () => {
    const { content, friendships, feed, builder } = setup();
    const annOld = content.add('ann', 'friends');
    content.add('ann', 'private');
    const bobs = content.add('bob', 'friends');
    const annNew = content.add('ann', 'friends');
    const made = friendships.befriend('ann', 'bob');
    await builder.onFriendshipChange('ann', 'bob', made.before[0], made.after[0]);
    expect(feed.contentIdsOf('bob')).toEqual([annNew.contentId, annOld.contentId]);
    expect(feed.contentIdsOf('ann')).toEqual([bobs.contentId]);

    const ended = friendships.unfriend('ann', 'bob');
    await builder.onFriendshipChange('ann', 'bob', ended.before[0], ended.after[0]);
    expect(feed.contentIdsOf('bob')).toEqual([]);
    expect(feed.contentIdsOf('ann')).toEqual([]);
  });

  it('backfills at most `cap` items and raises the window floor to the first one left out', async () => {
    const { content, friendships, feed, builder } = setup(2);
    const items = [1, 2, 3, 4].map(() => content.add('ann', 'friends'));
    friendships.befriend('ann', 'bob');
    await builder.reconcilePair('ann', 'bob');
    expect(feed.contentIdsOf('bob')).toEqual([items[3]!.contentId, items[2]!.contentId]);
    expect(await feed.floor('bob')).toBe(sortKeyOf(items[1]!));
  });

  it('changes nothing when a reconciliation is repeated, as a redelivered record would', async () => {
    const { content, friendships, feed, builder } = setup();
    friendships.befriend('ann', 'bob');
    const item = content.add('ann', 'friends');
    const open = content.add('ann', 'public');
    await builder.reconcileContent(item);
    await builder.reconcileContent(open);
    await builder.reconcilePair('ann', 'bob');
    const snapshot = JSON.stringify([...feed.partitions].map(([k, p]) => [k, [...p.keys()].sort()]));
    await builder.reconcileContent(item);
    await builder.reconcileContent(open);
    await builder.reconcilePair('ann', 'bob');
    expect(JSON.stringify([...feed.partitions].map(([k, p]) => [k, [...p.keys()].sort()]))).toBe(snapshot);
    expect(feed.keysOf(userFeedKey('bob'))).toEqual([sortKeyOf(item)]);
    expect(feed.keysOf(publicFeedKey(publicBucketOf(open.createdAt)))).toEqual([sortKeyOf(open)]);
  });

  it('tells its observer what it wrote, and each time a reconciliation starts over', async () => {
    const content = new InMemoryContent();
    const friendships = new InMemoryFriendships();
    const item = content.add('ann', 'friends');
    friendships.befriend('ann', 'bob');
    // The owner makes the item private while its first entries are being written.
    class ChangingFeed extends InMemoryFeed {
      changed = false;
      override async write(...args: Parameters<InMemoryFeed['write']>): Promise<void> {
        await super.write(...args);
        if (!this.changed) {
          this.changed = true;
          content.update(item.contentId, { visibility: 'private' });
        }
      }
    }
    const feed = new ChangingFeed();
    const seen = { puts: 0, deletes: 0, retries: 0 };
    const observer: FeedBuilderObserver = {
      wrote: (puts, deletes) => {
        seen.puts += puts;
        seen.deletes += deletes;
      },
      retried: () => seen.retries++,
    };
    await new FeedBuilder(feed, content, friendships, { cap: 10, observer }).reconcileContent(item);
    // Each pass sends its whole plan: ann's and bob's entries (and the delete of a public one),
    // then, one retry later on the new state, ann's entry again and the deletes of bob's and the public one.
    expect(seen).toEqual({ puts: 3, deletes: 3, retries: 1 });
    expect(feed.contentIdsOf('bob')).toEqual([]);
    expect(feed.contentIdsOf('ann')).toEqual([item.contentId]);
  });
});
