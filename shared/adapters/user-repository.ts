import { BatchGetCommand, GetCommand, UpdateCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '#shared/adapters/clients';
import { backoff } from '#shared/adapters/friendship-repository';
import type { Profile, ProfileInput } from '#shared/domain/profile';

/** The Users table: one profile item per user, keyed by userId. */
export class UserRepository {
  constructor(private readonly tableName: string) {}

  async get(userId: string): Promise<Profile | undefined> {
    const out = await dynamo.send(new GetCommand({ TableName: this.tableName, Key: { userId } }));
    return out.Item as Profile | undefined;
  }

  /**
   * Creates or replaces the editable part of a profile in one UpdateItem: createdAt is set only
   * when the item is new (if_not_exists), so an update keeps it. Returns the stored profile.
   */
  async save(userId: string, input: ProfileInput, now = new Date()): Promise<Profile> {
    const avatar = input.avatarContentId ?? undefined;
    const out = await dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { userId },
        UpdateExpression:
          'SET #name = :name, #prefs = :prefs, #updated = :now, #created = if_not_exists(#created, :now)' +
          (avatar ? ', #avatar = :avatar' : ' REMOVE #avatar'),
        ExpressionAttributeNames: {
          '#name': 'displayName',
          '#prefs': 'notificationPreferences',
          '#updated': 'updatedAt',
          '#created': 'createdAt',
          '#avatar': 'avatarContentId',
        },
        ExpressionAttributeValues: {
          ':name': input.displayName,
          ':prefs': { newContent: input.notificationPreferences.newContent, friendRequests: input.notificationPreferences.friendRequests },
          ':now': now.toISOString(),
          ...(avatar ? { ':avatar': avatar } : {}),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return out.Attributes as Profile;
  }

  /** Display names of those users who have a profile (one BatchGetItem per 100, unprocessed keys retried). */
  async displayNames(userIds: readonly string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    const wanted = [...new Set(userIds)];
    for (let i = 0; i < wanted.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = wanted.slice(i, i + 100).map((userId) => ({ userId }));
      for (let attempt = 0; keys?.length; attempt++) {
        if (attempt > 0) await backoff(attempt);
        const out: BatchGetCommandOutput = await dynamo.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: { Keys: keys, ProjectionExpression: '#id, #name', ExpressionAttributeNames: { '#id': 'userId', '#name': 'displayName' } },
            },
          }),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) {
          if (typeof item.displayName === 'string' && item.displayName) names.set(item.userId as string, item.displayName);
        }
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys;
        if (attempt > 8 && keys?.length) throw new Error(`BatchGetItem left ${keys.length} keys unprocessed after ${attempt} retries`);
      }
    }
    return names;
  }
}
