// What the media functions need of the Content table while they process an upload: the DynamoDB
// store (shared/content/dynamo-store.ts) implements it.
import type { ContentItem } from '#shared/content/model';

export interface UploadItems {
  get(contentId: string): Promise<ContentItem | undefined>;
  /** PENDING -> REJECTED with a reason; `applied` is false when the item was no longer PENDING. */
  reject(contentId: string, reason: string): Promise<{ applied: boolean }>;
}
