import { etagOf, patchContentSchema, versionFromIfMatch } from '#shared/content/edit';
import { decodeCursor, encodeCursor } from '#shared/core/cursor';
import { galleryCursorKeySchema } from '#shared/content/dynamo-layout';
import { feedCursorKeySchema } from '#shared/feed/model';
import { InvalidCursorError } from '#shared/core/errors';

describe('ETags', () => {
  it('round-trips a version', () => {
    expect(versionFromIfMatch(etagOf(7))).toBe(7);
  });
  it('accepts a weak tag', () => {
    expect(versionFromIfMatch('W/"v3"')).toBe(3);
  });
  it.each([undefined, '', '*', 'v3', '"3"', '"v-1"', '"v1", "v2"', '"v99999999999"'])(
    'names no version in %j',
    (header) => {
      expect(versionFromIfMatch(header)).toBeUndefined();
    },
  );
});

describe('patchContentSchema', () => {
  it('accepts a partial edit and null to clear', () => {
    expect(patchContentSchema.parse({ caption: null, location: { latitude: 1, longitude: 2 } })).toEqual({
      caption: null,
      location: { latitude: 1, longitude: 2 },
    });
  });
  it.each([
    {},
    { visibility: 'everyone' },
    { owner: 'x' },
    { location: { latitude: 91, longitude: 0 } },
    { caption: 'x'.repeat(2201) },
  ])('refuses %j', (body) => {
    expect(patchContentSchema.safeParse(body).success).toBe(false);
  });
});

describe('cursors', () => {
  const owner = '7a1c3e52-5f0b-4c1e-9a55-1f2d3c4b5a69';
  const contentId = '0b6f1d7e-2c4a-4e8b-8f3d-5a6b7c8d9e0f';
  const gallery = galleryCursorKeySchema('publicGallery', owner);
  const key = { contentId, createdAt: '2026-01-01T10:00:00.000Z', galleryPublic: owner };
  const forged = (k: unknown, scope = `publicGallery:${owner}`) =>
    Buffer.from(JSON.stringify({ v: 1, scope, key: k })).toString('base64url');

  it('round-trip within their scope', () => {
    expect(decodeCursor(`publicGallery:${owner}`, encodeCursor(`publicGallery:${owner}`, key), gallery)).toEqual(key);
    const feedKey = { before: `2026-01-01T10:00:00.000Z#${contentId}` };
    expect(decodeCursor('feed:u', encodeCursor('feed:u', feedKey), feedCursorKeySchema)).toEqual(feedKey);
  });
  it('are refused in another scope or when tampered with', () => {
    const cursor = encodeCursor(`publicGallery:${owner}`, key);
    expect(() => decodeCursor(`friendsGallery:${owner}`, cursor, gallery)).toThrow(InvalidCursorError);
    expect(() => decodeCursor(`publicGallery:${owner}`, 'garbage!', gallery)).toThrow(InvalidCursorError);
    expect(() => decodeCursor(`publicGallery:${owner}`, forged({ a: { S: 'x' } }), gallery)).toThrow(
      InvalidCursorError,
    );
  });
  it.each([
    ['an empty key', {}],
    ['another owner', { ...key, galleryPublic: contentId }],
    ['a number for an id', { ...key, contentId: 1 }],
    ['an extra attribute', { ...key, galleryOwner: owner }],
    ['a date that is not one', { ...key, createdAt: 'yesterday' }],
  ])('refuse a hand-made gallery key: %s', (_name, k) => {
    expect(() => decodeCursor(`publicGallery:${owner}`, forged(k), gallery)).toThrow(InvalidCursorError);
  });
  it.each([5, '', 'x#y', `2026-01-01T10:00:00.000Z#not-an-id`, `${contentId}#2026-01-01T10:00:00.000Z`])(
    'refuse a hand-made feed key before=%j',
    (before) => {
      expect(() => decodeCursor('feed:u', forged({ before }, 'feed:u'), feedCursorKeySchema)).toThrow(
        InvalidCursorError,
      );
    },
  );
  it('is absent when none is given', () => {
    expect(decodeCursor('s', undefined, gallery)).toBeUndefined();
  });
});
