import { randomUUID } from 'node:crypto';
import { ContentRepository } from '#shared/adapters/content-repository';
import { s3 } from '#shared/adapters/clients';
import { MediaStorage } from '#shared/adapters/media-storage';
import { requireEnv, requireIntEnv } from '#shared/config';
import { createContentSchema, newPendingItem } from '#shared/domain/content';
import { apiHandler, json, parseJsonBody } from '#shared/http/api';

const content = new ContentRepository(requireEnv('CONTENT_TABLE'));
const storage = new MediaStorage(s3, requireEnv('MEDIA_BUCKET'));
const maxBytes = requireIntEnv('UPLOAD_MAX_BYTES');
const uploadTtlSeconds = requireIntEnv('UPLOAD_URL_TTL_SECONDS');
const schema = createContentSchema(maxBytes);

// POST /content: validate -> PENDING item -> presigned POST for exactly uploads/{userId}/{contentId}.
export const handler = apiHandler(async ({ event, userId }) => {
  const input = parseJsonBody(event, schema);
  const item = newPendingItem({ ...input, contentId: randomUUID(), ownerId: userId, now: new Date() });
  await content.createPending(item);
  const upload = await storage.presignUpload({
    key: item.originalKey,
    contentType: item.contentType,
    maxBytes: item.declaredBytes,
    expiresInSeconds: uploadTtlSeconds,
  });
  return json(
    201,
    {
      contentId: item.contentId,
      status: item.status,
      upload: {
        method: 'POST',
        url: upload.url,
        fields: upload.fields,
        expiresAt: new Date(Date.now() + uploadTtlSeconds * 1000).toISOString(),
        maxBytes: item.declaredBytes,
      },
    },
    { location: `/content/${item.contentId}` },
  );
});
