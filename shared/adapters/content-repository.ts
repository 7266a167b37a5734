import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ContentItem, ContentStatus, Derivative, MediaMetadata } from '#shared/domain/content';

/** Whether a conditional write happened, and the item's status as the write found it. */
export interface WriteResult {
  applied: boolean;
  status?: ContentStatus;
}
import { dynamo } from '#shared/adapters/clients';

/** REJECTED items stay visible to their owner for a week, then expire with their files. */
const REJECTED_TTL_SECONDS = 7 * 24 * 60 * 60;

/**
 * The Content table. Every processing write is conditional on the item still being PENDING, so
 * a redelivered or late event can never move an item backwards (READY -> PENDING, REJECTED ->
 * READY); such writes report `applied: false` and the status the item has (undefined if it is gone)
 * instead of failing.
 */
export class ContentRepository {
  constructor(private readonly tableName: string) {}

  async createPending(item: ContentItem): Promise<void> {
    await dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(contentId)',
      }),
    );
  }

  async get(contentId: string): Promise<ContentItem | undefined> {
    const out = await dynamo.send(new GetCommand({ TableName: this.tableName, Key: { contentId } }));
    return out.Item as ContentItem | undefined;
  }

  /** Stores the derivatives the thumbnail function made; `dimensions` are the original's, upright. */
  recordDerivatives(contentId: string, derivatives: Record<string, Derivative>, dimensions: { width: number; height: number }) {
    return this.updateWhilePending(contentId, 'SET derivatives = :d, dimensions = :dim, updatedAt = :now', {
      ':d': derivatives,
      ':dim': dimensions,
    });
  }

  /** Stores the EXIF subset the metadata function read. */
  recordMetadata(contentId: string, metadata: MediaMetadata) {
    return this.updateWhilePending(contentId, 'SET exif = :m, updatedAt = :now', { ':m': metadata });
  }

  /** PENDING -> READY once both processing functions have written their part, whichever is last. */
  markReadyIfComplete(contentId: string) {
    return this.updateWhilePending(
      contentId,
      'SET #status = :ready, updatedAt = :now REMOVE expiresAt',
      { ':ready': 'READY' },
      'attribute_exists(derivatives) AND attribute_exists(exif)',
    );
  }

  /** PENDING -> REJECTED with a reason. The first rejection wins; later ones change nothing. */
  reject(contentId: string, reason: string, now = new Date()) {
    return this.updateWhilePending(contentId, 'SET #status = :rejected, reason = :reason, updatedAt = :now, expiresAt = :exp', {
      ':rejected': 'REJECTED',
      ':reason': reason.slice(0, 300),
      ':exp': Math.floor(now.getTime() / 1000) + REJECTED_TTL_SECONDS,
    });
  }

  private async updateWhilePending(
    contentId: string,
    update: string,
    values: Record<string, unknown>,
    extraCondition?: string,
  ): Promise<WriteResult> {
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { contentId },
          UpdateExpression: update,
          ConditionExpression: `#status = :pending${extraCondition ? ` AND ${extraCondition}` : ''}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ...values, ':pending': 'PENDING', ':now': new Date().toISOString() },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { applied: true, status: 'PENDING' };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return { applied: false, status: (error.Item?.status?.S as ContentStatus | undefined) ?? undefined };
      }
      throw error;
    }
  }
}
