import { randomUUID } from 'node:crypto';
import type { ContentRepository } from '#shared/adapters/content-repository';
import type { MediaStorage } from '#shared/adapters/media-storage';
import { newPendingItem, type ContentItem, type Visibility } from '#shared/domain/content';
import type { UploadTicket } from '#shared/domain/content-view';

export interface UploadRequest {
  caption?: string;
  visibility: Visibility;
  contentType: typeof import('#shared/domain/content').UPLOAD_CONTENT_TYPES[number];
  size: number;
}

/** PENDING items and a presigned POST each, for exactly uploads/{userId}/{contentId}. */
export async function issueUploadTickets(
  deps: { content: ContentRepository; storage: MediaStorage; uploadTtlSeconds: number },
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
