import type { ContentStatus, Visibility } from '#shared/content/model';
import { galleryKeys } from '#shared/content/dynamo-layout';
import { canView, galleryIndexFor, type Relationship } from '#shared/content/visibility';

const RELATIONSHIPS: Relationship[] = ['self', 'friend', 'pending', 'none', 'blocked'];
const VISIBILITIES: Visibility[] = ['public', 'friends', 'private'];
const STATUSES: ContentStatus[] = ['PENDING', 'READY', 'REJECTED', 'DUPLICATE', 'DELETED'];

describe('canView', () => {
  it('lets the owner see every state but deleted', () => {
    for (const visibility of VISIBILITIES) {
      expect(canView('self', { status: 'PENDING', visibility })).toBe(true);
      expect(canView('self', { status: 'REJECTED', visibility })).toBe(true);
      expect(canView('self', { status: 'READY', visibility })).toBe(true);
      expect(canView('self', { status: 'DELETED', visibility })).toBe(false);
      expect(canView('self', { status: 'READY', visibility, deletedAt: '2026-01-01T00:00:00Z' })).toBe(false);
    }
  });

  it('shows others READY items only', () => {
    for (const rel of RELATIONSHIPS.filter((r) => r !== 'self'))
      for (const status of STATUSES.filter((s) => s !== 'READY'))
        expect(canView(rel, { status, visibility: 'public' })).toBe(false);
  });

  it.each([
    ['friend', { public: true, friends: true, private: false }],
    ['pending', { public: true, friends: false, private: false }],
    ['none', { public: true, friends: false, private: false }],
    ['blocked', { public: false, friends: false, private: false }],
  ] as const)('for a %s viewer of a READY item follows the table', (rel, expected) => {
    for (const visibility of VISIBILITIES)
      expect(canView(rel, { status: 'READY', visibility })).toBe(expected[visibility]);
  });
});

describe('gallery indexes', () => {
  it('hold exactly what canView allows for the audience that reads them', () => {
    for (const rel of RELATIONSHIPS)
      for (const status of STATUSES)
        for (const visibility of VISIBILITIES)
          for (const deletedAt of [undefined, '2026-01-01T00:00:00Z']) {
            const item = { ownerId: 'o', status, visibility, ...(deletedAt ? { deletedAt } : {}) };
            const index = galleryIndexFor(rel);
            const attribute =
              index &&
              { ownerGallery: 'galleryOwner', friendsGallery: 'galleryFriends', publicGallery: 'galleryPublic' }[index];
            const listed = attribute ? attribute in galleryKeys(item).set : false;
            // The one exception: a DUPLICATE is readable by its owner but not listed in the gallery.
            const expected = canView(rel, item) && !(rel === 'self' && status === 'DUPLICATE');
            expect(listed, JSON.stringify({ rel, ...item })).toBe(expected);
          }
  });

  it('removes every key it does not set', () => {
    const { set, remove } = galleryKeys({ ownerId: 'o', status: 'READY', visibility: 'friends' });
    expect(set).toEqual({ galleryOwner: 'o', galleryFriends: 'o' });
    expect(remove).toEqual(['galleryPublic']);
  });
});
