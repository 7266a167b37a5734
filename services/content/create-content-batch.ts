import { ContentRepository } from '#shared/content/dynamo-store';
import { dynamo, s3 } from '#shared/aws/clients';
import { MediaStorage } from '#shared/media/s3-storage';
import { issueUploadTickets } from '#shared/uploads/tickets';
import { requireEnv, requireIntEnv } from '#shared/lambda/config';
import { apiRoute } from '#shared/http/api';
import { apiRoutes } from '#shared/http/routes';

const content = new ContentRepository(dynamo, requireEnv('CONTENT_TABLE'));
const storage = new MediaStorage(s3, requireEnv('MEDIA_BUCKET'));
const uploadTtlSeconds = requireIntEnv('UPLOAD_URL_TTL_SECONDS');
// The size limit of each item is the stage's (the uploadMaxBytes parameter).
const routes = apiRoutes({ uploadMaxBytes: requireIntEnv('UPLOAD_MAX_BYTES') });

// POST /content/batch: up to 25 upload tickets at once, all created or none.
export const handler = apiRoute(routes.createContentBatch, async ({ userId, body: { items } }) => ({
  status: 201,
  body: { items: await issueUploadTickets({ content, storage, uploadTtlSeconds }, userId, items) },
}));
