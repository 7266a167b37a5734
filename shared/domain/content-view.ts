import type { ContentItem, ContentView, MediaMetadata } from '#shared/domain/content';
import type { Relationship } from '#shared/domain/visibility';

type Sign = (key: string) => Promise<string>;

/**
 * What a viewer sees of an item they may see (the caller has checked canView):
 * - the owner: every field, EXIF GPS included, and URLs for the derivatives and the original;
 * - anyone else: the derivatives only (never the original), no EXIF GPS (the owner's `location`,
 *   if they set one, is what they chose to share).
 * The decoder's dimensions win over the header's.
 */
export async function contentView(item: ContentItem, relationship: Relationship, sign: Sign): Promise<ContentView> {
  const owner = relationship === 'self';
  const urls: ContentView['urls'] = {};
  if (item.status === 'READY') {
    for (const [name, d] of Object.entries(item.derivatives ?? {})) {
      urls[name] = { url: await sign(d.key), width: d.width, height: d.height, contentType: d.contentType };
    }
    if (owner) urls.original = { url: await sign(item.originalKey) };
  }
  let metadata: MediaMetadata | undefined = item.exif || item.dimensions ? { ...item.exif, ...item.dimensions } : undefined;
  if (metadata && !owner) {
    const { gps: _private, ...shared } = metadata;
    metadata = shared;
  }
  return {
    contentId: item.contentId,
    ownerId: item.ownerId,
    status: item.status,
    ...(owner && item.reason ? { reason: item.reason } : {}),
    ...(owner && item.duplicateOf ? { duplicateOf: item.duplicateOf } : {}),
    visibility: item.visibility,
    ...(item.caption ? { caption: item.caption } : {}),
    ...(item.location ? { location: item.location } : {}),
    contentType: item.contentType,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: item.version,
    ...(metadata ? { metadata } : {}),
    ...(item.status === 'READY' && item.placeholder ? { placeholder: item.placeholder } : {}),
    urls,
  };
}

/** The owner's view (kept for the owner-only paths). */
export function ownerView(item: ContentItem, sign: Sign): Promise<ContentView> {
  return contentView(item, 'self', sign);
}
