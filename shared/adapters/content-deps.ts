import { ContentAccess } from '#shared/adapters/content-access';
import { ContentRepository } from '#shared/adapters/content-repository';
import { dynamo, s3 } from '#shared/adapters/clients';
import { FriendshipRepository } from '#shared/adapters/friendship-repository';
import { MediaStorage } from '#shared/adapters/media-storage';
import { requireEnv, requireIntEnv } from '#shared/config';

/** What the content read/write handlers share, built once per execution environment. */
export function contentDeps() {
  const content = new ContentRepository(dynamo, requireEnv('CONTENT_TABLE'));
  const friendships = new FriendshipRepository(dynamo, requireEnv('FRIENDSHIPS_TABLE'));
  const storage = new MediaStorage(s3, requireEnv('MEDIA_BUCKET'));
  const urlTtlSeconds = requireIntEnv('DOWNLOAD_URL_TTL_SECONDS');
  return {
    content,
    friendships,
    storage,
    access: new ContentAccess(content, friendships),
    sign: (key: string) => storage.signedGetUrl(key, urlTtlSeconds),
  };
}
