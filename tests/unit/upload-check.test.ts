import { type ContentItem, newPendingItem, originalKey } from '#shared/content/model';
import { decideUpload } from '#shared/media/upload-check';

const OWNER = 'user-1';
const ID = '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b';
const KEY = originalKey(OWNER, ID);
const MAX = 10_000;

const pending = (declared = 5_000): ContentItem =>
  newPendingItem({
    contentId: ID,
    ownerId: OWNER,
    visibility: 'private',
    contentType: 'image/jpeg',
    size: declared,
    now: new Date('2024-06-01T12:00:00Z'),
  });
const upload = (size: number, key = KEY) => ({ bucket: 'media-bucket', key, size });

describe('decideUpload', () => {
  it('processes a pending item whose upload is within the declared size', () => {
    const item = pending();
    expect(decideUpload(upload(4_000), item, MAX)).toEqual({ action: 'process', item });
  });

  it('processes an upload of exactly the declared size', () => {
    expect(decideUpload(upload(5_000), pending(), MAX).action).toBe('process');
  });

  it('skips a key that is not an original upload key', () => {
    expect(decideUpload(upload(10, `derived/${ID}/thumb.webp`), pending(), MAX)).toEqual({
      action: 'skip',
      why: 'not an original upload key',
    });
  });

  it('skips when there is no item for the key', () => {
    expect(decideUpload(upload(10), undefined, MAX)).toEqual({ action: 'skip', why: 'no content item for this key' });
  });

  it('skips an upload under another owner than the item', () => {
    expect(decideUpload(upload(10, originalKey('intruder', ID)), pending(), MAX)).toEqual({
      action: 'skip',
      why: 'key does not match the item',
    });
  });

  it('skips a duplicate delivery for an item already READY', () => {
    expect(decideUpload(upload(10), { ...pending(), status: 'READY' }, MAX)).toEqual({
      action: 'skip',
      why: 'item is already READY',
    });
  });

  it('skips a duplicate delivery for an item already REJECTED', () => {
    expect(decideUpload(upload(0), { ...pending(), status: 'REJECTED' }, MAX)).toEqual({
      action: 'skip',
      why: 'item is already REJECTED',
    });
  });

  it('rejects an empty file', () => {
    const item = pending();
    expect(decideUpload(upload(0), item, MAX)).toEqual({
      action: 'reject',
      item,
      code: 'empty',
      reason: 'The uploaded file is empty.',
    });
  });

  it('rejects a file larger than declared, naming both sizes', () => {
    const decision = decideUpload(upload(5_001), pending(), MAX);
    expect(decision).toMatchObject({ action: 'reject', code: 'larger-than-declared' });
    expect(decision.action === 'reject' && decision.reason).toMatch(/5001 bytes.*5000 bytes/);
  });

  it('rejects a file larger than the maximum even when the item declared more', () => {
    const decision = decideUpload(upload(MAX + 1), pending(MAX * 2), MAX);
    expect(decision).toMatchObject({ action: 'reject', code: 'too-large' });
  });
});

describe('decideUpload reasons', () => {
  it('names the service limit, not the declared size, when only the limit is exceeded', () => {
    const decision = decideUpload(upload(MAX + 1), pending(MAX * 2), MAX);
    expect(decision).toMatchObject({ action: 'reject', reason: expect.stringContaining(`limit of ${MAX} bytes`) });
  });
});
