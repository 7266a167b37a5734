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
// The body's size limit is the stage's (the uploadMaxBytes parameter), as the document states it.
const routes = apiRoutes({ uploadMaxBytes: requireIntEnv('UPLOAD_MAX_BYTES') });

// POST /content: validate -> PENDING item -> presigned POST for exactly uploads/{userId}/{contentId}.
export const handler = apiRoute(routes.createContent, async ({ userId, body }) => {
  const [ticket] = await issueUploadTickets({ content, storage, uploadTtlSeconds }, userId, [body]);
  return { status: 201, body: ticket!, headers: { location: `/content/${ticket!.contentId}` } };
});
