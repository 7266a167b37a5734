// The Content table's gallery layout: three sparse index attributes, each set on exactly the items
// its audience may see (canView, shared/content/visibility.ts), so a gallery page is one Query with
// no filter. The domain names the galleries (GalleryIndex); the attributes and keys are the store's.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { z } from 'zod';
import { type ContentItem, contentIdSchema } from '#shared/content/model';
import type { GalleryIndex } from '#shared/content/visibility';

const GALLERY_ATTRIBUTES = ['galleryOwner', 'galleryFriends', 'galleryPublic'] as const;

/** The item attribute each gallery index is keyed on (its partition: the owner's id). */
export const GALLERY_INDEX_ATTRIBUTE: Record<GalleryIndex, (typeof GALLERY_ATTRIBUTES)[number]> = {
  ownerGallery: 'galleryOwner',
  friendsGallery: 'galleryFriends',
  publicGallery: 'galleryPublic',
};

/** A content item as the table stores it: the item and the gallery attributes of its state. */
export function toItem(item: ContentItem): Record<string, unknown> {
  return { ...item, ...galleryKeys(item).set };
}

/** A stored item as the domain sees it: the gallery attributes are the store's, not the item's. */
export function fromItem(stored: Record<string, unknown>): ContentItem {
  const item = { ...stored };
  for (const name of GALLERY_ATTRIBUTES) delete item[name];
  return item as unknown as ContentItem;
}

/** A Content stream image (DynamoDB JSON) as the domain's item. */
export function contentFromImage(image: unknown): ContentItem | undefined {
  return image ? fromItem(unmarshall(image as Record<string, AttributeValue>)) : undefined;
}

/**
 * The sparse gallery index keys an item carries in a given state, mirroring canView: each index
 * holds exactly the items its audience may see, so a gallery page needs no FilterExpression.
 */
export function galleryKeys(item: Pick<ContentItem, 'ownerId' | 'status' | 'visibility'> & { deletedAt?: string }): {
  set: Partial<Record<(typeof GALLERY_ATTRIBUTES)[number], string>>;
  remove: (typeof GALLERY_ATTRIBUTES)[number][];
} {
  const set: Partial<Record<(typeof GALLERY_ATTRIBUTES)[number], string>> = {};
  // A DUPLICATE stays readable by its owner (to learn which item it points at) but is not listed.
  if (!item.deletedAt && item.status !== 'DELETED' && item.status !== 'DUPLICATE') {
    set.galleryOwner = item.ownerId;
    if (item.status === 'READY' && (item.visibility === 'public' || item.visibility === 'friends'))
      set.galleryFriends = item.ownerId;
    if (item.status === 'READY' && item.visibility === 'public') set.galleryPublic = item.ownerId;
  }
  return { set, remove: GALLERY_ATTRIBUTES.filter((name) => !(name in set)) };
}

/** The key a gallery page ends at (the index's LastEvaluatedKey), for that owner's gallery only. */
export function galleryCursorKeySchema(index: GalleryIndex, ownerId: string) {
  return z.strictObject({
    contentId: contentIdSchema,
    createdAt: z.iso.datetime(),
    [GALLERY_INDEX_ATTRIBUTE[index]]: z.literal(ownerId),
  });
}
