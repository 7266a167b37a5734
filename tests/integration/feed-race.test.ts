// The race the feed builder's re-read loop is there for, played step by step on DynamoDB Local
// (fresh tables). An owner's friends-only item becomes READY while a friendship of that owner is
// accepted, and the two stream records are handled at the same time:
//   1. the item's reconciliation reads the owner's mutual friends: none yet;
//   2. the friendship is accepted, and the pair's reconciliation backfills from the owner's
//      gallery: the item is not READY yet, so nothing;
//   3. the item becomes READY, and the item's reconciliation reads it: READY, friends-only.
// Written from what it read, the item goes to its owner's feed only, and no record is left to
// correct that. Reading the state again after writing shows a new friend and starts over.
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { feedModules, type FeedModules } from '../support/feed-modules';
import { cloneTable } from '../support/tables';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();

const ddb = new DynamoDBClient({
  endpoint: endpoints.dynamodb,
  region: endpoints.region,
  credentials: endpoints.credentials,
});
const tables: string[] = [];

afterAll(async () => {
  await Promise.all(tables.map((t) => ddb.send(new DeleteTableCommand({ TableName: t })).catch(() => undefined)));
});

let mods: FeedModules;

beforeAll(async () => {
  mods = feedModules(endpoints);
});

describe('the feed builder under a race between an item and a friendship of its owner', () => {
  it("ends with the item in the new friend's feed, though each reconciliation read the other's old state", async () => {
    const suffix = randomUUID().slice(0, 8);
    const [contentTable, friendshipsTable, feedTable] = (await Promise.all(
      ['ContentTable', 'FriendshipsTable', 'FeedTable'].map((id) => cloneTable(ddb, endpoints.tables[id]!, suffix)),
    )) as [string, string, string];
    tables.push(contentTable, friendshipsTable, feedTable);
    const content = new mods.ContentRepository(mods.db, contentTable);
    const friendships = new mods.FriendshipRepository(mods.db, friendshipsTable);
    const feed = new mods.FeedRepository(mods.db, feedTable);
    const [owner, friend] = [randomUUID(), randomUUID()];

    // The friend has asked; the owner's answer comes in step 2. The item has both media results
    // and waits for READY (step 3).
    await friendships.change(friend, owner, 'request');
    const item = mods.newPendingItem({
      contentId: randomUUID(),
      ownerId: owner,
      visibility: 'friends',
      contentType: 'image/jpeg',
      size: 10,
      now: new Date('2026-05-01T10:00:00Z'),
    });
    await content.createPending(item);
    await content.recordDerivatives(
      item.contentId,
      {
        thumbnail: {
          key: `derived/${item.contentId}/t.webp`,
          contentType: 'image/webp',
          width: 8,
          height: 8,
          bytes: 8,
        },
      },
      { width: 8, height: 8 },
      'ph',
      'sha',
    );
    await content.recordMetadata(item.contentId, {});

    // The pair's reconciliation (its own builder, as another Lambda invocation would be).
    const pairBuilder = new mods.FeedBuilder(feed, content, friendships, { cap: 10 });
    let releaseItemRead!: () => void;
    const itemReadMayGo = new Promise<void>((resolve) => (releaseItemRead = resolve));
    let raced = false;
    // The item's reconciliation sees the tables through these: its first read of the owner's
    // friends happens before steps 2 and 3, its first read of the item after them.
    const racingFriendships = Object.assign(Object.create(friendships) as typeof friendships, {
      async mutualFriends(userId: string) {
        const seen = await friendships.mutualFriends(userId);
        if (!raced) {
          raced = true;
          await friendships.change(owner, friend, 'request'); // 2. accepted
          await pairBuilder.reconcilePair(owner, friend); //          backfill: nothing READY yet
          expect((await content.markReadyIfComplete(item.contentId)).applied).toBe(true); // 3.
          releaseItemRead();
        }
        return seen;
      },
    });
    const racingContent = Object.assign(Object.create(content) as typeof content, {
      async get(contentId: string) {
        await itemReadMayGo;
        return content.get(contentId);
      },
    });
    const itemBuilder = new mods.FeedBuilder(feed, racingContent, racingFriendships, { cap: 10 });

    await itemBuilder.reconcileContent({ contentId: item.contentId, ownerId: owner, createdAt: item.createdAt });
    expect(raced).toBe(true);
    expect(await friendships.mutualFriends(owner)).toEqual([friend]);
    expect((await feed.entriesOf(owner)).map((e) => e.contentId)).toEqual([item.contentId]);
    expect(
      (await feed.entriesOf(friend)).map((e) => e.contentId),
      "the new friend's feed",
    ).toEqual([item.contentId]);
  });
});
