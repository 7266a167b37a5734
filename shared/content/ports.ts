// What content access and the feed's use cases need of the Content table and of the access check:
// the DynamoDB store (shared/content/dynamo-store.ts) implements ContentStore, ContentAccess
// (shared/content/access.ts) ContentChecks, and so do the in-memory fakes of tests/support.
import type { ContentItem } from '#shared/content/model';
import type { GalleryIndex, Relationship } from '#shared/content/visibility';

export interface GalleryPage {
  items: ContentItem[];
  /** Where the next page starts; absent on the last page. */
  lastKey?: Record<string, unknown>;
}

/** The Content table, as content access and the feed read it. */
export interface ContentStore {
  get(contentId: string): Promise<ContentItem | undefined>;
  getMany(contentIds: string[]): Promise<Map<string, ContentItem>>;
  /** One page of a gallery, newest first, of items created at or before `createdAtMost`. */
  galleryPage(
    index: GalleryIndex,
    ownerId: string,
    limit: number,
    startKey?: Record<string, unknown>,
    createdAtMost?: string,
  ): Promise<GalleryPage>;
}

/** An item the viewer may see, and how the viewer stands to its owner. */
export interface Visible {
  item: ContentItem;
  relationship: Relationship;
}

/** The access check every read goes through (ContentAccess, shared/content/access.ts). */
export interface ContentChecks {
  /** The visible ones among `contentIds`, in the order asked. */
  many(viewerId: string, contentIds: string[]): Promise<Visible[]>;
}
