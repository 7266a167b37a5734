import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';

/**
 * The MediaHashes table: which of an owner's items holds the original with a given SHA-256.
 * A claim is a conditional put, so of two identical uploads processed at once exactly one holds
 * the bytes and the other learns which one.
 */
export class MediaHashes {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Claims `sha256` for `contentId` unless another item holds it; returns that other item's id.
   * `replacing` takes the claim over from an item that no longer holds the bytes (deleted, gone).
   */
  async claim(ownerId: string, sha256: string, contentId: string, replacing?: string): Promise<string | undefined> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ownerHash: `${ownerId}#${sha256}`, contentId, claimedAt: new Date().toISOString() },
          ConditionExpression: replacing
            ? 'attribute_not_exists(ownerHash) OR contentId = :self OR contentId = :old'
            : 'attribute_not_exists(ownerHash) OR contentId = :self',
          ExpressionAttributeValues: { ':self': contentId, ...(replacing ? { ':old': replacing } : {}) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return error.Item?.contentId?.S;
    }
  }

  /** Releases the claim if `contentId` still holds it (when that item is deleted). */
  async release(ownerId: string, sha256: string, contentId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { ownerHash: `${ownerId}#${sha256}` },
          ConditionExpression: 'contentId = :self',
          ExpressionAttributeValues: { ':self': contentId },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
