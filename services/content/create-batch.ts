import { ContentRepository } from '#shared/adapters/content-repository';
import { s3 } from '#shared/adapters/clients';
import { MediaStorage } from '#shared/adapters/media-storage';
import { issueUploadTickets } from '#shared/adapters/upload-tickets';
import { requireEnv, requireIntEnv } from '#shared/config';
import { createContentBatchSchema } from '#shared/domain/content';
import { apiHandler, json, parseJsonBody } from '#shared/http/api';

const content = new ContentRepository(requireEnv('CONTENT_TABLE'));
const storage = new MediaStorage(s3, requireEnv('MEDIA_BUCKET'));
const uploadTtlSeconds = requireIntEnv('UPLOAD_URL_TTL_SECONDS');
const schema = createContentBatchSchema(requireIntEnv('UPLOAD_MAX_BYTES'));

// POST /content/batch: up to 25 upload tickets at once, all created or none.
export const handler = apiHandler(async ({ event, userId }) => {
  const { items } = parseJsonBody(event, schema);
  return json(201, { items: await issueUploadTickets({ content, storage, uploadTtlSeconds }, userId, items) });
});
