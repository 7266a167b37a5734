import { randomUUID } from 'node:crypto';
import { newPendingItem, type ContentItem, type Visibility } from '#shared/content/model';
import type { UploadTicket } from '#shared/content/view';

// The upload use case and what it needs, declared beside it: the Content store
// (ContentRepository) and the bucket's signer (MediaStorage) implement these; the unit tests use
// in-memory fakes (tests/unit/upload-tickets.test.ts).

/** Where PENDING items are created: one, or all of a batch or none. */
export interface PendingItems {
  createPending(item: ContentItem): Promise<void>;
  createPendingMany(items: ContentItem[]): Promise<void>;
}

/** Signs a browser POST for exactly one key, Content-Type and size range. */
export interface UploadSigner {
  presignUpload(input: {
    key: string;
    contentType: string;
    maxBytes: number;
    expiresInSeconds: number;
  }): Promise<{ url: string; fields: Record<string, string> }>;
}

export interface UploadRequest {
  caption?: string;
  visibility: Visibility;
  contentType: typeof import('#shared/content/model').UPLOAD_CONTENT_TYPES[number];
  size: number;
}

/** PENDING items and a presigned POST each, for exactly uploads/{userId}/{contentId}. */
export async function issueUploadTickets(
  deps: { content: PendingItems; storage: UploadSigner; uploadTtlSeconds: number },
  ownerId: string,
  requests: UploadRequest[],
  now = new Date(),
): Promise<UploadTicket[]> {
  const items: ContentItem[] = requests.map((r) => newPendingItem({ ...r, contentId: randomUUID(), ownerId, now }));
  if (items.length === 1) await deps.content.createPending(items[0]!);
  else await deps.content.createPendingMany(items);
  return Promise.all(
    items.map(async (item) => {
      const upload = await deps.storage.presignUpload({
        key: item.originalKey,
        contentType: item.contentType,
        maxBytes: item.declaredBytes,
        expiresInSeconds: deps.uploadTtlSeconds,
      });
      return {
        contentId: item.contentId,
        status: 'PENDING' as const,
        upload: {
          method: 'POST' as const,
          url: upload.url,
          fields: upload.fields,
          expiresAt: new Date(now.getTime() + deps.uploadTtlSeconds * 1000).toISOString(),
          maxBytes: item.declaredBytes,
        },
      };
    }),
  );
}
