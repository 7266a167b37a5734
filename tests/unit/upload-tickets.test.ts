// The upload use case on in-memory fakes: one PENDING item and one signed POST per request, for
// exactly the item's key, declared type and size; a batch is created all at once.
import type { ContentItem } from '#shared/content/model';
import { issueUploadTickets, type PendingItems, type UploadSigner } from '#shared/uploads/tickets';

function fakes() {
  const calls = {
    one: [] as ContentItem[],
    many: [] as ContentItem[][],
    signed: [] as Parameters<UploadSigner['presignUpload']>[0][],
  };
  const content: PendingItems = {
    createPending: async (item) => {
      calls.one.push(item);
    },
    createPendingMany: async (items) => {
      calls.many.push(items);
    },
  };
  const storage: UploadSigner = {
    presignUpload: async (input) => {
      calls.signed.push(input);
      return { url: 'https://bucket.example', fields: { key: input.key } };
    },
  };
  return { calls, deps: { content, storage, uploadTtlSeconds: 300 } };
}

const now = new Date('2026-03-01T10:00:00.000Z');

describe('issueUploadTickets', () => {
  it('creates one PENDING item and signs a POST for exactly its key, type and size', async () => {
    const { calls, deps } = fakes();
    const [ticket] = await issueUploadTickets(
      deps,
      'owner-1',
      [{ contentType: 'image/png', size: 1234, visibility: 'friends', caption: 'hi' }],
      now,
    );
    expect(calls.many).toEqual([]);
    expect(calls.one).toHaveLength(1);
    const item = calls.one[0]!;
    expect(item).toMatchObject({
      ownerId: 'owner-1',
      status: 'PENDING',
      contentType: 'image/png',
      declaredBytes: 1234,
    });
    expect(item.originalKey).toBe(`uploads/owner-1/${item.contentId}`);
    expect(calls.signed).toEqual([
      { key: item.originalKey, contentType: 'image/png', maxBytes: 1234, expiresInSeconds: 300 },
    ]);
    expect(ticket).toEqual({
      contentId: item.contentId,
      status: 'PENDING',
      upload: {
        method: 'POST',
        url: 'https://bucket.example',
        fields: { key: item.originalKey },
        expiresAt: '2026-03-01T10:05:00.000Z',
        maxBytes: 1234,
      },
    });
  });

  it('creates a batch all at once, one ticket per request in order, each id new', async () => {
    const { calls, deps } = fakes();
    const tickets = await issueUploadTickets(
      deps,
      'owner-2',
      [
        { contentType: 'image/jpeg', size: 10, visibility: 'public' },
        { contentType: 'image/webp', size: 20, visibility: 'private' },
      ],
      now,
    );
    expect(calls.one).toEqual([]);
    expect(calls.many).toHaveLength(1);
    expect(calls.many[0]!.map((i) => i.contentId)).toEqual(tickets.map((t) => t.contentId));
    expect(new Set(tickets.map((t) => t.contentId)).size).toBe(2);
    expect(calls.signed.map((s) => [s.contentType, s.maxBytes])).toEqual([
      ['image/jpeg', 10],
      ['image/webp', 20],
    ]);
  });
});
