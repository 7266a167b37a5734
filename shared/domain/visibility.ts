import type { ContentItem } from '#shared/domain/content';

/**
 * How a viewer stands to another user. `friend` means mutual: both sides accepted.
 * `blocked` covers both directions (the viewer blocked the other, or was blocked).
 */
export type Relationship = 'self' | 'friend' | 'pending' | 'blocked' | 'none';

/**
 * The one access rule, used by every read path (single, bulk, gallery, URLs):
 * the owner sees their item in any state except deleted; anyone else sees it only when it is
 * READY and its visibility allows: public to everyone not blocked, friends to mutual friends,
 * private to no one.
 */
export function canView(
  relationship: Relationship,
  item: Pick<ContentItem, 'status' | 'visibility'> & { deletedAt?: string },
): boolean {
  if (item.deletedAt || item.status === 'DELETED') return false;
  if (relationship === 'self') return true;
  if (relationship === 'blocked' || item.status !== 'READY') return false;
  switch (item.visibility) {
    case 'public':
      return true;
    case 'friends':
      return relationship === 'friend';
    default:
      return false;
  }
}

/** Which gallery a viewer reads: the index that holds exactly what they may see. */
export function galleryIndexFor(relationship: Relationship): GalleryIndex | undefined {
  switch (relationship) {
    case 'self':
      return 'ownerGallery';
    case 'friend':
      return 'friendsGallery';
    case 'blocked':
      return undefined;
    default:
      return 'publicGallery';
  }
}

export const GALLERY_ATTRIBUTES = ['galleryOwner', 'galleryFriends', 'galleryPublic'] as const;

export type GalleryIndex = 'ownerGallery' | 'friendsGallery' | 'publicGallery';

/** The item attribute each gallery index is keyed on (its partition: the owner's id). */
export const GALLERY_INDEX_ATTRIBUTE: Record<GalleryIndex, (typeof GALLERY_ATTRIBUTES)[number]> = {
  ownerGallery: 'galleryOwner',
  friendsGallery: 'galleryFriends',
  publicGallery: 'galleryPublic',
};

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
