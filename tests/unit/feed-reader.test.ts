// The feed reader on in-memory stores: newest first from the viewer's partition and the public
// days, every candidate checked against the item and the friendship as they are now, pages that
// follow each other with no gap and no repeat, also past the window floor (computed on read).
import { ContentAccess } from '#shared/content/access';
import { InvalidCursorError } from '#shared/core/errors';
import { sortKeyOf } from '#shared/feed/model';
import { FeedBuilder } from '#shared/feed/builder';
import { FeedReader } from '#shared/feed/reader';
import { InMemoryContent, InMemoryFeed, InMemoryFriendships } from '../support/feed-stores';

function setup(cap = 50) {
  const content = new InMemoryContent();
  const friendships = new InMemoryFriendships();
  const feed = new InMemoryFeed();
  const builder = new FeedBuilder(feed, content, friendships, { cap });
  const reader = new FeedReader(feed, content, friendships, new ContentAccess(content, friendships));
  return { content, friendships, feed, builder, reader };
}

async function everything(reader: FeedReader, viewer: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await reader.page(viewer, limit, cursor);
    ids.push(...page.items.map((v) => v.item.contentId));
    if (!page.cursor) return ids;
    cursor = page.cursor;
  }
  throw new Error('no last page after 100 pages');
}

describe('FeedReader', () => {
  it("merges the viewer's own, friends' and everyone's public items, newest first", async () => {
    const { content, friendships, builder, reader } = setup();
    friendships.befriend('ann', 'bob');
    const items = [
      content.add('ann', 'private'),
      content.add('bob', 'friends'),
      content.add('cy', 'public'),
      content.add('cy', 'friends'),
      content.add('bob', 'public'),
    ];
    for (const item of items) await builder.onContentChange(undefined, item);
    const page = await reader.page('ann', 10);
    expect(page.items.map((v) => v.item.contentId)).toEqual(
      [items[4], items[2], items[1], items[0]].map((i) => i!.contentId),
    );
    expect(page.items.map((v) => v.relationship)).toEqual(['friend', 'none', 'friend', 'self']);
    expect(page.cursor).toBeUndefined();
  });

  it('leaves out what the viewer may no longer see, though its entry is still there', async () => {
    const { content, friendships, builder, reader } = setup();
    friendships.befriend('ann', 'bob');
    const item = content.add('bob', 'friends');
    await builder.onContentChange(undefined, item);
    content.update(item.contentId, { visibility: 'private' }); // the builder has not run yet
    expect((await reader.page('ann', 10)).items).toEqual([]);
    content.update(item.contentId, { visibility: 'friends' });
    friendships.unfriend('ann', 'bob'); // nor has it for the unfriend
    expect((await reader.page('ann', 10)).items).toEqual([]);
  });

  it('pages through everything with no gap and no repeat, across the window floor', async () => {
    const { content, friendships, feed, builder, reader } = setup(3);
    friendships.befriend('ann', 'bob');
    const items = Array.from({ length: 12 }, (_, i) =>
      content.add(i % 3 === 0 ? 'cy' : 'bob', i % 3 === 0 ? 'public' : 'friends'),
    );
    for (const item of items) await builder.onContentChange(undefined, item);
    // A window of the newest few: below the floor the reader computes the feed from the galleries.
    const friendsOnly = items.filter((i) => i.visibility === 'friends');
    const floor = sortKeyOf(friendsOnly.at(-4)!);
    await feed.raiseFloor('ann', floor);
    await feed.write(
      [],
      (await feed.entriesOf('ann')).filter((e) => e.sortKey <= floor),
    );
    const newestFirst = [...items].reverse().map((i) => i.contentId);
    for (const limit of [1, 2, 5, 20]) expect(await everything(reader, 'ann', limit)).toEqual(newestFirst);
  });

  it('refuses a cursor it did not write, or one written for another viewer', async () => {
    const { content, builder, reader } = setup();
    const items = [content.add('ann', 'public'), content.add('ann', 'public')];
    for (const item of items) await builder.onContentChange(undefined, item);
    const first = await reader.page('ann', 1);
    expect(first.cursor).toBeDefined();
    await expect(reader.page('bob', 1, first.cursor)).rejects.toThrow(InvalidCursorError);
    await expect(reader.page('ann', 1, 'not-a-cursor')).rejects.toThrow(InvalidCursorError);
  });
});
