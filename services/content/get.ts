import { ContentRepository } from '#shared/adapters/content-repository';
import { s3 } from '#shared/adapters/clients';
import { MediaStorage } from '#shared/adapters/media-storage';
import { requireEnv, requireIntEnv } from '#shared/config';
import { contentIdSchema } from '#shared/domain/content';
import { ownerView } from '#shared/domain/content-view';
import { NotFoundError } from '#shared/errors';
import { apiHandler, json, validate } from '#shared/http/api';

const content = new ContentRepository(requireEnv('CONTENT_TABLE'));
const storage = new MediaStorage(s3, requireEnv('MEDIA_BUCKET'));
const urlTtlSeconds = requireIntEnv('DOWNLOAD_URL_TTL_SECONDS');

// GET /content/{id}: the owner's view. Anyone else gets the same 404 as for a missing id, so ids
// cannot be probed.
export const handler = apiHandler(async ({ event, userId }) => {
  const contentId = validate(contentIdSchema, event.pathParameters?.id);
  const item = await content.get(contentId);
  if (!item || item.ownerId !== userId) throw new NotFoundError('Content not found.');
  return json(200, await ownerView(item, (key) => storage.signedGetUrl(key, urlTtlSeconds)), { 'cache-control': 'private, no-store' });
});
