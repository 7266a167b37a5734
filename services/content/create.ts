import { ContentRepository } from '#shared/adapters/content-repository';
import { s3 } from '#shared/adapters/clients';
import { MediaStorage } from '#shared/adapters/media-storage';
import { issueUploadTickets } from '#shared/adapters/upload-tickets';
import { requireEnv, requireIntEnv } from '#shared/config';
import { createContentSchema } from '#shared/domain/content';
import { apiHandler, json, parseJsonBody } from '#shared/http/api';

const content = new ContentRepository(requireEnv('CONTENT_TABLE'));
const storage = new MediaStorage(s3, requireEnv('MEDIA_BUCKET'));
const uploadTtlSeconds = requireIntEnv('UPLOAD_URL_TTL_SECONDS');
const schema = createContentSchema(requireIntEnv('UPLOAD_MAX_BYTES'));

// POST /content: validate -> PENDING item -> presigned POST for exactly uploads/{userId}/{contentId}.
export const handler = apiHandler(async ({ event, userId }) => {
  const [ticket] = await issueUploadTickets({ content, storage, uploadTtlSeconds }, userId, [parseJsonBody(event, schema)]);
  return json(201, ticket, { location: `/content/${ticket!.contentId}` });
});
