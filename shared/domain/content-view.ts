import type { ContentItem, ContentView, MediaMetadata } from '#shared/domain/content';

/**
 * What the owner sees of an item: the metadata merged from both processing functions (the
 * decoder's dimensions win over the header's) and a URL per derivative, signed by `sign`.
 */
export async function ownerView(item: ContentItem & { exif?: MediaMetadata; dimensions?: { width: number; height: number } }, sign: (key: string) => Promise<string>): Promise<ContentView> {
  const urls: ContentView['urls'] = {};
  if (item.status === 'READY') {
    for (const [name, d] of Object.entries(item.derivatives ?? {})) {
      urls[name] = { url: await sign(d.key), width: d.width, height: d.height, contentType: d.contentType };
    }
    urls.original = { url: await sign(item.originalKey) };
  }
  const metadata: MediaMetadata | undefined = item.exif || item.dimensions ? { ...item.exif, ...item.dimensions } : undefined;
  return {
    contentId: item.contentId,
    ownerId: item.ownerId,
    status: item.status,
    ...(item.reason ? { reason: item.reason } : {}),
    visibility: item.visibility,
    ...(item.caption ? { caption: item.caption } : {}),
    contentType: item.contentType,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: item.version,
    ...(metadata ? { metadata } : {}),
    urls,
  };
}
