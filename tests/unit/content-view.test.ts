import { type ContentItem, newPendingItem } from '#shared/content/model';
import { contentView } from '#shared/content/view';

const ownerView = (item: Parameters<typeof contentView>[0], sign: Parameters<typeof contentView>[2]) =>
  contentView(item, 'self', sign);

const ID = '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b';
const base = newPendingItem({
  contentId: ID,
  ownerId: 'user-1',
  caption: 'Beach',
  visibility: 'public',
  contentType: 'image/jpeg',
  size: 2048,
  now: new Date('2024-06-01T12:00:00Z'),
});
const thumb = { key: `derived/${ID}/thumb.webp`, contentType: 'image/webp', width: 320, height: 240, bytes: 9_000 };
const ready: ContentItem = { ...base, status: 'READY', version: 3, derivatives: { thumb } };
const sign = jest.fn(async (key: string) => `signed:${key}`);

describe('ownerView', () => {
  it('gives a READY item a signed URL with dimensions for each derivative', async () => {
    const view = await ownerView(ready, sign);
    expect(view.urls.thumb).toEqual({
      url: `signed:derived/${ID}/thumb.webp`,
      width: 320,
      height: 240,
      contentType: 'image/webp',
    });
  });

  it('gives a READY item a signed URL for the original', async () => {
    const view = await ownerView(ready, sign);
    expect(view.urls.original).toEqual({ url: `signed:uploads/user-1/${ID}` });
  });

  it('gives a READY item without derivatives only the original', async () => {
    const { derivatives, ...noDerivatives } = ready;
    expect(Object.keys((await ownerView(noDerivatives, sign)).urls)).toEqual(['original']);
  });

  it('gives a PENDING item no URLs and signs nothing', async () => {
    const signNothing = jest.fn(async (key: string) => key);
    const view = await ownerView(base, signNothing);
    expect(view.urls).toEqual({});
    expect(signNothing).not.toHaveBeenCalled();
  });

  it('gives a REJECTED item no URLs, even with derivatives', async () => {
    const view = await ownerView({ ...ready, status: 'REJECTED', reason: 'Not a supported image.' }, sign);
    expect(view.urls).toEqual({});
  });

  it('shows the reason of a REJECTED item', async () => {
    const view = await ownerView({ ...base, status: 'REJECTED', reason: 'Not a supported image.' }, sign);
    expect(view.reason).toBe('Not a supported image.');
  });

  it('has no reason key when the item has none', async () => {
    expect(await ownerView(ready, sign)).not.toHaveProperty('reason');
  });

  it('merges exif and dimensions into metadata, the dimensions winning', async () => {
    const item = {
      ...ready,
      exif: { width: 100, height: 50, make: 'Acme', takenAt: '2024-06-01T14:03:22+02:00' },
      dimensions: { width: 800, height: 600 },
    };
    expect((await ownerView(item, sign)).metadata).toEqual({
      width: 800,
      height: 600,
      make: 'Acme',
      takenAt: '2024-06-01T14:03:22+02:00',
    });
  });

  it('shows the exif alone when there are no dimensions yet', async () => {
    expect((await ownerView({ ...base, exif: { make: 'Acme' } }, sign)).metadata).toEqual({ make: 'Acme' });
  });

  it('has no metadata key when there is neither exif nor dimensions', async () => {
    expect(await ownerView(ready, sign)).not.toHaveProperty('metadata');
  });

  it('shows the item fields the owner may see and nothing internal', async () => {
    const view = await ownerView(ready, sign);
    expect(view).toMatchObject({
      contentId: ID,
      ownerId: 'user-1',
      status: 'READY',
      visibility: 'public',
      caption: 'Beach',
      contentType: 'image/jpeg',
      createdAt: '2024-06-01T12:00:00.000Z',
      updatedAt: '2024-06-01T12:00:00.000Z',
      version: 3,
    });
    for (const internal of ['originalKey', 'expiresAt', 'declaredBytes', 'derivatives'])
      expect(view).not.toHaveProperty(internal);
  });
});
