import { ContentAccess } from '#shared/content/access';
import { ContentRepository } from '#shared/content/dynamo-store';
import { dynamo, s3 } from '#shared/aws/clients';
import { FriendshipRepository } from '#shared/friends/dynamo-store';
import { MediaStorage } from '#shared/media/s3-storage';
import { requireEnv, requireIntEnv } from '#shared/lambda/config';

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
