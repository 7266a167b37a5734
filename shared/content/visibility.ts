import type { ContentItem } from '#shared/content/model';

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

export type GalleryIndex = 'ownerGallery' | 'friendsGallery' | 'publicGallery';
