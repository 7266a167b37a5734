import type { ContentChecks, ContentStore, Visible } from '#shared/content/ports';
import type { FriendshipStore } from '#shared/friends/ports';
import { canView } from '#shared/content/visibility';

/**
 * Every read of content goes through here: the item, how the viewer stands to its owner (read
 * consistently, so an unfriend or a block applies to the very next request), and canView.
 * What the viewer may not see is simply absent: callers answer 404, never 403, so ids cannot be probed.
 */
export class ContentAccess implements ContentChecks {
  constructor(
    private readonly content: ContentStore,
    private readonly friendships: FriendshipStore,
  ) {}

  async one(viewerId: string, contentId: string): Promise<Visible | undefined> {
    const item = await this.content.get(contentId);
    if (!item) return undefined;
    const relationship = await this.friendships.relationship(viewerId, item.ownerId);
    return canView(relationship, item) ? { item, relationship } : undefined;
  }

  /** The visible ones among `contentIds`, in the order asked. */
  async many(viewerId: string, contentIds: string[]): Promise<Visible[]> {
    const items = await this.content.getMany(contentIds);
    const relationships = await this.friendships.relationships(
      viewerId,
      [...items.values()].map((i) => i.ownerId),
    );
    const out: Visible[] = [];
    for (const id of new Set(contentIds)) {
      const item = items.get(id);
      const relationship = item && relationships.get(item.ownerId);
      if (item && relationship && canView(relationship, item)) out.push({ item, relationship });
    }
    return out;
  }
}
