import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from '#shared/aws/dynamo';
import { DEFAULT_NOTIFICATION_PREFERENCES, type Profile, type ProfileInput } from '#shared/users/model';

/** The Users table: one profile item per user, keyed by userId. */
export class UserRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(userId: string): Promise<Profile | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { userId } }));
    return out.Item as Profile | undefined;
  }

  /**
   * Creates or replaces the editable part of a profile in one UpdateItem: createdAt is set only
   * when the item is new (if_not_exists), so an update keeps it. Returns the stored profile.
   */
  async save(userId: string, input: ProfileInput, now = new Date()): Promise<Profile> {
    const avatar = input.avatarContentId ?? undefined;
    const out = await this.db.send(
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
          ':prefs': {
            newContent: input.notificationPreferences.newContent,
            friendRequests: input.notificationPreferences.friendRequests,
            friendAccepts:
              input.notificationPreferences.friendAccepts ?? DEFAULT_NOTIFICATION_PREFERENCES.friendAccepts,
          },
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
    const keys = [...new Set(userIds)].map((userId) => ({ userId }));
    const items = await batchGetAll(this.db, this.tableName, keys, {
      projection: { expression: '#id, #name', names: { '#id': 'userId', '#name': 'displayName' } },
    });
    const names = new Map<string, string>();
    for (const item of items)
      if (typeof item.displayName === 'string' && item.displayName) names.set(item.userId as string, item.displayName);
    return names;
  }
}
