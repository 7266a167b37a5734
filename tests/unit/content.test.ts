import {
  CAPTION_MAX,
  PENDING_TTL_SECONDS,
  createContentSchema,
  derivedKey,
  newPendingItem,
  originalKey,
  parseOriginalKey,
} from '#shared/content/model';

const MAX = 10 * 1024 * 1024;
const schema = createContentSchema(MAX);
const valid = { caption: 'Sunset', visibility: 'public', contentType: 'image/jpeg', size: 2048 };
const ID = '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b';

describe('createContentSchema', () => {
  it('accepts a valid body as is', () => {
    expect(schema.parse(valid)).toEqual(valid);
  });

  it('defaults visibility to private', () => {
    const { visibility, ...rest } = valid;
    expect(schema.parse(rest).visibility).toBe('private');
  });

  it('accepts every supported image type, HEIC and HEIF included', () => {
    for (const contentType of ['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif']) {
      expect(schema.safeParse({ ...valid, contentType }).success, contentType).toBe(true);
    }
  });

  it('rejects unknown fields', () => {
    const result = schema.safeParse({ ...valid, key: 'uploads/someone-else/x' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.code).toBe('unrecognized_keys');
  });

  it('rejects a visibility that is not public, friends or private', () => {
    expect(schema.safeParse({ ...valid, visibility: 'everyone' }).success).toBe(false);
  });

  it.each(['image/gif', 'text/plain', 'image/svg+xml', 'IMAGE/JPEG'])(
    'rejects the unsupported content type %s',
    (contentType) => {
      expect(schema.safeParse({ ...valid, contentType }).success).toBe(false);
    },
  );

  it('rejects a size of 0', () => {
    expect(schema.safeParse({ ...valid, size: 0 }).success).toBe(false);
  });

  it('rejects a non-integer size', () => {
    expect(schema.safeParse({ ...valid, size: 1.5 }).success).toBe(false);
  });

  it('rejects a size given as a string', () => {
    expect(schema.safeParse({ ...valid, size: '2048' }).success).toBe(false);
  });

  it('accepts a size of exactly the maximum', () => {
    expect(schema.safeParse({ ...valid, size: MAX }).success).toBe(true);
  });

  it('rejects a size over the maximum, naming the maximum', () => {
    const result = schema.safeParse({ ...valid, size: MAX + 1 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(`size must be at most ${MAX} bytes`);
  });

  it(`accepts a caption of exactly ${CAPTION_MAX} characters`, () => {
    expect(schema.safeParse({ ...valid, caption: 'a'.repeat(CAPTION_MAX) }).success).toBe(true);
  });

  it(`rejects a caption over ${CAPTION_MAX} characters`, () => {
    expect(schema.safeParse({ ...valid, caption: 'a'.repeat(CAPTION_MAX + 1) }).success).toBe(false);
  });

  it('trims the caption', () => {
    expect(schema.parse({ ...valid, caption: '  at the beach \n' }).caption).toBe('at the beach');
  });

  it('checks the caption length after trimming', () => {
    expect(schema.safeParse({ ...valid, caption: ` ${'a'.repeat(CAPTION_MAX)} ` }).success).toBe(true);
  });
});

describe('newPendingItem', () => {
  const now = new Date('2024-06-01T12:00:00.000Z');
  const item = newPendingItem({
    contentId: ID,
    ownerId: 'user-1',
    caption: 'Hi',
    visibility: 'friends',
    contentType: 'image/png',
    size: 1234,
    now,
  });

  it('starts PENDING at version 1', () => {
    expect(item.status).toBe('PENDING');
    expect(item.version).toBe(1);
  });

  it('puts the original under uploads/{owner}/{id}', () => {
    expect(item.originalKey).toBe(`uploads/user-1/${ID}`);
  });

  it('expires one day after creation, in epoch seconds', () => {
    expect(PENDING_TTL_SECONDS).toBe(86_400);
    expect(item.expiresAt).toBe(Date.parse('2024-06-02T12:00:00.000Z') / 1000);
  });

  it('records the declared size, type, visibility, caption and timestamps', () => {
    expect(item).toMatchObject({
      contentId: ID,
      ownerId: 'user-1',
      caption: 'Hi',
      visibility: 'friends',
      contentType: 'image/png',
      declaredBytes: 1234,
      createdAt: '2024-06-01T12:00:00.000Z',
      updatedAt: '2024-06-01T12:00:00.000Z',
    });
  });

  it('leaves out an empty caption', () => {
    const noCaption = newPendingItem({
      contentId: ID,
      ownerId: 'user-1',
      caption: '',
      visibility: 'private',
      contentType: 'image/png',
      size: 1,
      now,
    });
    expect(noCaption).not.toHaveProperty('caption');
  });
});

describe('object keys', () => {
  it('builds the original key from owner and content id', () => {
    expect(originalKey('user-1', ID)).toBe(`uploads/user-1/${ID}`);
  });

  it('builds a derived key from content id and name', () => {
    expect(derivedKey(ID, 'thumb.webp')).toBe(`derived/${ID}/thumb.webp`);
  });
});

describe('parseOriginalKey', () => {
  it('returns owner and content id for uploads/<owner>/<uuid>', () => {
    expect(parseOriginalKey(`uploads/user-1/${ID}`)).toEqual({ ownerId: 'user-1', contentId: ID });
  });

  it('reads back what originalKey builds', () => {
    const owner = '94a8e4f8-7011-70d2-5d6b-0d2a3c4b5e6f';
    expect(parseOriginalKey(originalKey(owner, ID))).toEqual({ ownerId: owner, contentId: ID });
  });

  it.each([`derived/user-1/${ID}`, `upload/user-1/${ID}`, `x/uploads/user-1/${ID}`, `/uploads/user-1/${ID}`])(
    'rejects the other prefix in %s',
    (key) => {
      expect(parseOriginalKey(key)).toBeUndefined();
    },
  );

  it.each([`uploads/user-1/${ID}/thumb.webp`, `uploads/user-1/extra/${ID}`, `uploads/${ID}`, `uploads/user-1/${ID}/`])(
    'rejects the wrong number of segments in %s',
    (key) => {
      expect(parseOriginalKey(key)).toBeUndefined();
    },
  );

  it.each([
    'not-a-uuid',
    '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6',
    '------------------------------------',
    `${ID.toUpperCase()}`,
  ])('rejects the content id %s', (id) => {
    expect(parseOriginalKey(`uploads/user-1/${id}`)).toBeUndefined();
  });

  it.each([
    `uploads/user-1/../user-2/${ID}`,
    `uploads/../uploads/user-1/${ID}`,
    `../uploads/user-1/${ID}`,
    `uploads/../${ID}`,
    `uploads/./${ID}`,
  ])('rejects the path-traversal key %s', (key) => {
    expect(parseOriginalKey(key)).toBeUndefined();
  });

  it('rejects an empty owner', () => {
    expect(parseOriginalKey(`uploads//${ID}`)).toBeUndefined();
  });
});
