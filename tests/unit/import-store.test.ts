import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoImportStore } from '#shared/imports/dynamo-import-store';
import { edgeKey } from '#shared/imports/plan';

type Item = Record<string, unknown>;

/**
 * BatchGetItem / BatchWriteItem over in-memory tables, leaving part of every request
 * unprocessed as DynamoDB does under throttling (`leave(n)`: how many to leave out of n).
 */
class FakeDynamo {
  readonly tables = new Map<string, Map<string, Item>>();
  readonly calls: Array<{ op: 'get' | 'write'; size: number }> = [];
  constructor(private readonly leave: (n: number) => number = () => 0) {}

  private table(name: string) {
    if (!this.tables.has(name)) this.tables.set(name, new Map());
    return this.tables.get(name)!;
  }

  private key(item: Item) {
    return item.friendId === undefined ? String(item.userId) : edgeKey(String(item.userId), String(item.friendId));
  }

  async send(command: unknown): Promise<unknown> {
    if (command instanceof BatchGetCommand) {
      const [[name, { Keys }]] = Object.entries(command.input.RequestItems!) as [[string, { Keys: Item[] }]];
      if (Keys.length > 100) throw new Error('ValidationException: too many keys');
      this.calls.push({ op: 'get', size: Keys.length });
      const left = this.leave(Keys.length);
      const served = Keys.slice(0, Keys.length - left);
      const found = served.map((k) => this.table(name).get(this.key(k))).filter((i): i is Item => i !== undefined);
      return {
        Responses: { [name]: structuredClone(found) },
        UnprocessedKeys: left ? { [name]: { Keys: Keys.slice(Keys.length - left) } } : {},
      };
    }
    if (command instanceof BatchWriteCommand) {
      const [[name, requests]] = Object.entries(command.input.RequestItems!) as [
        [string, Array<{ PutRequest: { Item: Item } }>],
      ];
      if (requests.length > 25) throw new Error('ValidationException: too many items');
      this.calls.push({ op: 'write', size: requests.length });
      const left = this.leave(requests.length);
      for (const r of requests.slice(0, requests.length - left))
        this.table(name).set(this.key(r.PutRequest.Item), structuredClone(r.PutRequest.Item));
      return { UnprocessedItems: left ? { [name]: requests.slice(requests.length - left) } : {} };
    }
    throw new Error('unexpected command');
  }
}

const TABLES = { users: 'users', friendships: 'friendships' };
const noWait = async () => {};

describe('DynamoImportStore', () => {
  it('writes in batches of 25 and reads in batches of 100, retrying what DynamoDB leaves unprocessed', async () => {
    const db = new FakeDynamo((n) => (n > 1 ? Math.floor(n / 3) : 0));
    const waits: number[] = [];
    const store = new DynamoImportStore(db as unknown as DynamoDBDocumentClient, TABLES, {
      sleep: async (attempt) => void waits.push(attempt),
    });
    const users = Array.from({ length: 260 }, (_, i) => ({ userId: `u${i}`, displayName: `User ${i}` }));
    await store.putUsers(users);
    expect(db.tables.get('users')!.size).toBe(260);
    expect(Math.max(...db.calls.filter((c) => c.op === 'write').map((c) => c.size))).toBe(25);
    expect(waits.length).toBeGreaterThan(0);

    db.calls.length = 0;
    const found = await store.getUsers([...users.map((u) => u.userId), 'nobody']);
    expect(found.size).toBe(260);
    expect(found.get('u42')).toEqual({ userId: 'u42', displayName: 'User 42' });
    expect(Math.max(...db.calls.map((c) => c.size))).toBe(100);
  });

  it('reads edges keyed by direction', async () => {
    const db = new FakeDynamo();
    const store = new DynamoImportStore(db as unknown as DynamoDBDocumentClient, TABLES, { sleep: noWait });
    const ab = {
      userId: 'a',
      friendId: 'b',
      state: 'accepted' as const,
      blocking: false,
      blockedBy: false,
      updatedAt: 't',
      version: 1,
    };
    await store.putEdges([ab]);
    const found = await store.getEdges([
      { userId: 'a', friendId: 'b' },
      { userId: 'b', friendId: 'a' },
    ]);
    expect([...found.keys()]).toEqual([edgeKey('a', 'b')]);
    expect(found.get(edgeKey('a', 'b'))).toEqual(ab);
  });

  it('fails loudly when unprocessed items never drain', async () => {
    const db = new FakeDynamo((n) => n);
    const store = new DynamoImportStore(db as unknown as DynamoDBDocumentClient, TABLES, {
      sleep: noWait,
      maxRetries: 3,
    });
    await expect(store.putUsers([{ userId: 'a' }])).rejects.toThrow(
      'BatchWriteItem on users left 1 items unprocessed after 3 retries',
    );
    expect(db.calls).toHaveLength(4);
    await expect(store.getUsers(['a'])).rejects.toThrow(
      'BatchGetItem on users left 1 keys unprocessed after 3 retries',
    );
  });

  it('backs off exponentially with jitter by default, within a bound', async () => {
    const db = new FakeDynamo((n) => (n > 0 ? 1 : 0));
    const store = new DynamoImportStore(db as unknown as DynamoDBDocumentClient, TABLES, { maxRetries: 2 });
    const started = Date.now();
    await expect(store.putUsers([{ userId: 'a' }])).rejects.toThrow('unprocessed');
    // Two waits of at most 100 and 200 ms (full jitter: anything from 0).
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
