import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  paginateScan,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from '#shared/aws/dynamo';
import type { ContentItem, ContentStatus, Derivative, MediaMetadata } from '#shared/content/model';
import type { ContentPatch } from '#shared/content/edit';
import { fromItem, GALLERY_INDEX_ATTRIBUTE, galleryKeys, toItem } from '#shared/content/dynamo-layout';
import type { GalleryIndex } from '#shared/content/visibility';
import type { ContentStore, GalleryPage } from '#shared/content/ports';
import type { UploadItems } from '#shared/media/ports';

/** Whether a conditional write happened, and the item's status as the write found it. */
export interface WriteResult {
  applied: boolean;
  status?: ContentStatus;
}

export type PatchResult =
  | { outcome: 'updated'; item: ContentItem }
  | { outcome: 'stale'; current: number }
  | { outcome: 'gone' };

/** REJECTED items stay visible to their owner for a week, then expire with their files. */
const REJECTED_TTL_SECONDS = 7 * 24 * 60 * 60;

/**
 * The Content table. Every processing write is conditional on the item still being PENDING, so
 * a redelivered or late event can never move an item backwards (READY -> PENDING, REJECTED ->
 * READY); such writes report `applied: false` and the status the item has (undefined if it is gone)
 * instead of failing. Every write that changes status, visibility or deletion also sets the
 * sparse gallery keys (shared/content/visibility.ts), conditional on the inputs it computed them from.
 */
export class ContentRepository implements ContentStore, UploadItems {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Every item's key fields, a page (up to 1 MB of them) at a time: for rebuilding derived data. */
  async *scanKeys(): AsyncGenerator<{ contentId: string; ownerId: string; createdAt: string }[]> {
    const pages = paginateScan(
      { client: this.db },
      { TableName: this.tableName, ProjectionExpression: 'contentId, ownerId, createdAt' },
    );
    for await (const page of pages)
      yield (page.Items ?? []) as { contentId: string; ownerId: string; createdAt: string }[];
  }

  async createPending(item: ContentItem): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: toItem(item),
        ConditionExpression: 'attribute_not_exists(contentId)',
      }),
    );
  }

  /** Several new items at once, all or none (TransactWriteItems takes up to 100). */
  async createPendingMany(items: ContentItem[]): Promise<void> {
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: items.map((item) => ({
          Put: {
            TableName: this.tableName,
            Item: toItem(item),
            ConditionExpression: 'attribute_not_exists(contentId)',
          },
        })),
      }),
    );
  }

  /** A strongly consistent read: API paths must see their own and others' latest writes. */
  async get(contentId: string): Promise<ContentItem | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { contentId }, ConsistentRead: true }),
    );
    return out.Item && fromItem(out.Item);
  }

  /** Up to any number of items by id (BatchGetItem per 100, UnprocessedKeys retried); missing ids are absent. */
  async getMany(contentIds: string[]): Promise<Map<string, ContentItem>> {
    const keys = [...new Set(contentIds)].map((contentId) => ({ contentId }));
    const stored = await batchGetAll<Record<string, unknown>>(this.db, this.tableName, keys, { consistent: true });
    const items = stored.map(fromItem);
    return new Map(items.map((item) => [item.contentId, item]));
  }

  /**
   * One page of a gallery index, newest first. The index holds only what its audience may see,
   * so the page is full without a FilterExpression (DynamoDB applies Limit before filtering).
   */
  async galleryPage(
    index: GalleryIndex,
    ownerId: string,
    limit: number,
    startKey?: Record<string, unknown>,
    /** Only items created at or before this time. */
    createdAtMost?: string,
  ): Promise<GalleryPage> {
    const attribute = GALLERY_INDEX_ATTRIBUTE[index];
    // One more than asked tells whether another page exists, so the last page carries no cursor
    // (rather than a cursor to an empty page).
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index,
        KeyConditionExpression: createdAtMost ? '#g = :owner AND createdAt <= :t' : '#g = :owner',
        ExpressionAttributeNames: { '#g': attribute },
        ExpressionAttributeValues: { ':owner': ownerId, ...(createdAtMost ? { ':t': createdAtMost } : {}) },
        ScanIndexForward: false,
        Limit: limit + 1,
        ExclusiveStartKey: startKey,
      }),
    );
    const items = (out.Items ?? []).map(fromItem);
    if (items.length <= limit) return { items, lastKey: undefined };
    const last = items[limit - 1]!;
    return {
      items: items.slice(0, limit),
      lastKey: { contentId: last.contentId, createdAt: last.createdAt, [attribute]: ownerId },
    };
  }

  /** Stores what the thumbnail function made; `dimensions` are the original's, upright. */
  recordDerivatives(
    contentId: string,
    derivatives: Record<string, Derivative>,
    dimensions: { width: number; height: number },
    placeholder: string,
    sha256: string,
  ) {
    return this.updateWhilePending(
      contentId,
      'SET derivatives = :d, dimensions = :dim, placeholder = :p, sha256 = :sha, updatedAt = :now',
      {
        ':d': derivatives,
        ':dim': dimensions,
        ':p': placeholder,
        ':sha': sha256,
      },
    );
  }

  /** PENDING -> DUPLICATE of the owner's item with the same bytes; it leaves the gallery. */
  markDuplicate(contentId: string, duplicateOf: string, now = new Date()) {
    return this.updateWhilePending(
      contentId,
      'SET #status = :duplicate, duplicateOf = :of, updatedAt = :now, expiresAt = :exp REMOVE galleryOwner, galleryFriends, galleryPublic',
      {
        ':duplicate': 'DUPLICATE',
        ':of': duplicateOf,
        ':exp': Math.floor(now.getTime() / 1000) + REJECTED_TTL_SECONDS,
      },
    );
  }

  /** Stores the EXIF subset the metadata function read. */
  recordMetadata(contentId: string, metadata: MediaMetadata) {
    return this.updateWhilePending(contentId, 'SET exif = :m, updatedAt = :now', { ':m': metadata });
  }

  /**
   * PENDING -> READY once both processing functions have written their part, whichever is last.
   * The gallery keys depend on the visibility, which the owner may be changing at this moment:
   * the write is conditional on the visibility it read, and re-reads when that changed.
   */
  async markReadyIfComplete(contentId: string): Promise<WriteResult> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const item = await this.get(contentId);
      if (!item) return { applied: false };
      if (item.status !== 'PENDING') return { applied: false, status: item.status };
      const keys = galleryKeys({ ...item, status: 'READY' });
      const names = Object.keys(keys.set);
      const result = await this.updateWhilePending(
        contentId,
        `SET #status = :ready, updatedAt = :now${names.map((n) => `, ${n} = :${n}`).join('')} REMOVE expiresAt${keys.remove.map((n) => `, ${n}`).join('')}`,
        {
          ':ready': 'READY',
          ':vis': item.visibility,
          ...Object.fromEntries(names.map((n) => [`:${n}`, keys.set[n as keyof typeof keys.set]])),
        },
        'attribute_exists(derivatives) AND attribute_exists(exif) AND visibility = :vis',
      );
      if (result.applied || result.status !== 'PENDING') return result;
      // Still PENDING: either a part is missing (the other function will finish the job) or the
      // visibility changed under us; only the latter is worth another try.
      const again = await this.get(contentId);
      if (!again || again.visibility === item.visibility) return { applied: false, status: again?.status };
    }
    throw new Error(`Could not mark ${contentId} READY: its visibility keeps changing`);
  }

  /** PENDING -> REJECTED with a reason. The first rejection wins; later ones change nothing. */
  reject(contentId: string, reason: string, now = new Date()) {
    return this.updateWhilePending(
      contentId,
      'SET #status = :rejected, reason = :reason, updatedAt = :now, expiresAt = :exp',
      {
        ':rejected': 'REJECTED',
        ':reason': reason.slice(0, 300),
        ':exp': Math.floor(now.getTime() / 1000) + REJECTED_TTL_SECONDS,
      },
    );
  }

  /**
   * The owner's edit, if the item is still at `expectedVersion` (If-Match). The gallery keys are
   * computed from the status read here, so the write also requires that status to be unchanged;
   * when only processing moved on (PENDING -> READY, which does not change the version), it reads
   * again and retries.
   */
  async applyPatch(
    contentId: string,
    expectedVersion: number,
    patch: ContentPatch,
    now = new Date(),
  ): Promise<PatchResult> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const item = await this.get(contentId);
      if (!item || item.deletedAt) return { outcome: 'gone' };
      if (item.version !== expectedVersion) return { outcome: 'stale', current: item.version };
      const next: ContentItem = { ...item, visibility: patch.visibility ?? item.visibility };
      const keys = galleryKeys(next);
      const set: Record<string, unknown> = {
        ...keys.set,
        visibility: next.visibility,
        updatedAt: now.toISOString(),
        version: item.version + 1,
      };
      const remove: string[] = [...keys.remove];
      if (patch.caption) set.caption = patch.caption;
      else if (patch.caption !== undefined) remove.push('caption');
      if (patch.location) set.location = patch.location;
      else if (patch.location !== undefined) remove.push('location');
      const names = Object.keys(set);
      try {
        const out = await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { contentId },
            UpdateExpression: `SET ${names.map((n) => `#${n} = :${n}`).join(', ')}${remove.length ? ` REMOVE ${remove.map((n) => `#${n}`).join(', ')}` : ''}`,
            ConditionExpression: 'version = :expected AND #st = :status AND attribute_not_exists(deletedAt)',
            ExpressionAttributeNames: {
              ...Object.fromEntries([...names, ...remove].map((n) => [`#${n}`, n])),
              '#st': 'status',
            },
            ExpressionAttributeValues: {
              ...Object.fromEntries(names.map((n) => [`:${n}`, set[n]])),
              ':expected': expectedVersion,
              ':status': item.status,
            },
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { outcome: 'updated', item: fromItem(out.Attributes!) };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const old = error.Item;
        if (!old || old.deletedAt) return { outcome: 'gone' };
        const version = Number(old.version?.N);
        if (version !== expectedVersion) return { outcome: 'stale', current: version };
        // Only the status moved (processing finished meanwhile): compute the keys again.
      }
    }
    throw new Error(`Could not apply the edit to ${contentId}: its status keeps changing`);
  }

  /** Soft delete: the item disappears from every read at once; the stream cascade removes the rest. */
  async softDelete(contentId: string, ownerId: string, now = new Date()): Promise<boolean> {
    const keys = galleryKeys({ ownerId, status: 'DELETED', visibility: 'private', deletedAt: now.toISOString() });
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { contentId },
          UpdateExpression: `SET deletedAt = :now, #status = :deleted, updatedAt = :now REMOVE ${keys.remove.join(', ')}`,
          ConditionExpression: 'ownerId = :owner AND attribute_not_exists(deletedAt)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':now': now.toISOString(), ':deleted': 'DELETED', ':owner': ownerId },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Removes a soft-deleted item for good, once its files are gone (the cleanup cascade's last step). */
  async purge(contentId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { contentId },
          ConditionExpression: 'attribute_exists(deletedAt)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async updateWhilePending(
    contentId: string,
    update: string,
    values: Record<string, unknown>,
    extraCondition?: string,
  ): Promise<WriteResult> {
    try {
      await this.db.send(
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
