import { describe, expect, it } from 'vitest';
import { etagOf, patchContentSchema, versionFromIfMatch } from '#shared/domain/content-edit';
import { decodeCursor, encodeCursor } from '#shared/domain/cursor';
import { BadRequestError } from '#shared/errors';

describe('ETags', () => {
  it('round-trips a version', () => {
    expect(versionFromIfMatch(etagOf(7))).toBe(7);
  });
  it('accepts a weak tag', () => {
    expect(versionFromIfMatch('W/"v3"')).toBe(3);
  });
  it.each([undefined, '', '*', 'v3', '"3"', '"v-1"', '"v1", "v2"', '"v99999999999"'])('names no version in %j', (header) => {
    expect(versionFromIfMatch(header)).toBeUndefined();
  });
});

describe('patchContentSchema', () => {
  it('accepts a partial edit and null to clear', () => {
    expect(patchContentSchema.parse({ caption: null, location: { latitude: 1, longitude: 2 } })).toEqual({ caption: null, location: { latitude: 1, longitude: 2 } });
  });
  it.each([{}, { visibility: 'everyone' }, { owner: 'x' }, { location: { latitude: 91, longitude: 0 } }, { caption: 'x'.repeat(2201) }])('refuses %j', (body) => {
    expect(patchContentSchema.safeParse(body).success).toBe(false);
  });
});

describe('cursors', () => {
  it('round-trip within their scope', () => {
    const key = { contentId: 'c', createdAt: '2026-01-01', galleryPublic: 'o' };
    expect(decodeCursor('publicGallery:o', encodeCursor('publicGallery:o', key))).toEqual(key);
  });
  it('are refused in another scope or when tampered with', () => {
    const cursor = encodeCursor('publicGallery:o', { contentId: 'c' });
    expect(() => decodeCursor('friendsGallery:o', cursor)).toThrow(BadRequestError);
    expect(() => decodeCursor('publicGallery:o', 'garbage!')).toThrow(BadRequestError);
    expect(() => decodeCursor('publicGallery:o', Buffer.from('{"v":1,"scope":"publicGallery:o","key":{"a":{"S":"x"}}}').toString('base64url'))).toThrow(BadRequestError);
  });
  it('is absent when none is given', () => {
    expect(decodeCursor('s', undefined)).toBeUndefined();
  });
});
