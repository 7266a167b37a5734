import { z } from 'zod';

export const VISIBILITIES = ['public', 'friends', 'private'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** Types a client may declare. What the file really is gets decided by decoding it. */
export const UPLOAD_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif'] as const;

export type ContentStatus = 'PENDING' | 'READY' | 'REJECTED' | 'DUPLICATE' | 'DELETED';

export interface GpsPosition {
  latitude: number;
  longitude: number;
  altitude?: number;
}

export interface MediaMetadata {
  width?: number;
  height?: number;
  /** Local time as written by the camera, ISO 8601 with its offset when the file records one. */
  takenAt?: string;
  make?: string;
  model?: string;
  lens?: string;
  gps?: GpsPosition;
}

export interface Derivative {
  key: string;
  contentType: string;
  width: number;
  height: number;
  bytes: number;
}

export interface ContentItem {
  contentId: string;
  ownerId: string;
  status: ContentStatus;
  visibility: Visibility;
  caption?: string;
  contentType: string;
  declaredBytes: number;
  originalKey: string;
  createdAt: string;
  updatedAt: string;
  version: number;
  reason?: string;
  metadata?: MediaMetadata;
  derivatives?: Record<string, Derivative>;
  /** Epoch seconds; DynamoDB's TTL removes uploads that never completed. */
  expiresAt?: number;
  /** Set by a soft delete: the item is gone for every reader; the stream cascade removes the rest. */
  deletedAt?: string;
  /** A place the owner chose to show (EXIF GPS is shown to the owner only). */
  location?: { name?: string; latitude: number; longitude: number };
  /** Written by the media functions (see ContentView.metadata for what readers get). */
  exif?: MediaMetadata;
  dimensions?: { width: number; height: number };
  /** ThumbHash (base64) to show while the derivatives load. */
  placeholder?: string;
  /** SHA-256 (hex) of the original, once processed. */
  sha256?: string;
  /** For a DUPLICATE: the owner's item that already holds the same bytes. */
  duplicateOf?: string;
}

export const CAPTION_MAX = 2200;

export function createContentSchema(maxBytes: number) {
  return z.strictObject({
    caption: z.string().trim().max(CAPTION_MAX).optional(),
    visibility: z.enum(VISIBILITIES).default('private'),
    contentType: z.enum(UPLOAD_CONTENT_TYPES),
    size: z.number().int().min(1).max(maxBytes, `size must be at most ${maxBytes} bytes`),
  });
}

const BATCH_UPLOAD_MAX = 25;

export function createContentBatchSchema(maxBytes: number) {
  return z.strictObject({ items: z.array(createContentSchema(maxBytes)).min(1).max(BATCH_UPLOAD_MAX) });
}

export const contentIdSchema = z.uuid();

const BULK_GET_MAX = 100;

/** Path parameters of /content/{id}. */
export const contentParamsSchema = z.object({ id: contentIdSchema });

/** GET /content?ids=a,b,c: up to 100 ids, comma-separated (repeated ids count once). */
export const bulkGetQuerySchema = z.strictObject({
  ids: z
    .string()
    .transform((s) => [
      ...new Set(
        s
          .split(',')
          .map((id) => id.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(z.uuid()).min(1).max(BULK_GET_MAX)),
});

const GALLERY_PAGE_MAX = 100;

/** GET /users/{id}/content?limit&cursor */
export const galleryQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(GALLERY_PAGE_MAX).default(20),
  cursor: z.string().max(2048).optional(),
});

/** Pending uploads expire after a day; the stream's REMOVE event then cleans their files. */
export const PENDING_TTL_SECONDS = 24 * 60 * 60;

export function newPendingItem(input: {
  contentId: string;
  ownerId: string;
  caption?: string;
  visibility: Visibility;
  contentType: string;
  size: number;
  now: Date;
}): ContentItem {
  const at = input.now.toISOString();
  return {
    contentId: input.contentId,
    ownerId: input.ownerId,
    status: 'PENDING',
    visibility: input.visibility,
    ...(input.caption ? { caption: input.caption } : {}),
    contentType: input.contentType,
    declaredBytes: input.size,
    originalKey: originalKey(input.ownerId, input.contentId),
    createdAt: at,
    updatedAt: at,
    version: 1,
    expiresAt: Math.floor(input.now.getTime() / 1000) + PENDING_TTL_SECONDS,
  };
}

// Object keys are made on the server only: uploads/{userId}/{contentId} for originals,
// derived/{contentId}/{name} for what the pipeline produces.
export function originalKey(ownerId: string, contentId: string): string {
  return `uploads/${ownerId}/${contentId}`;
}

export function derivedKey(contentId: string, name: string): string {
  return `derived/${contentId}/${name}`;
}

const ORIGINAL_KEY = /^uploads\/([^/]+)\/([0-9a-f-]{36})$/;

/** The owner and content id encoded in an original's key, or undefined for any other key. */
export function parseOriginalKey(key: string): { ownerId: string; contentId: string } | undefined {
  const match = ORIGINAL_KEY.exec(key);
  if (!match || !contentIdSchema.safeParse(match[2]).success) return undefined;
  // A dot segment is never a user id; read as a path, `uploads/../{id}` is not under uploads/ at all.
  if (match[1] === '.' || match[1] === '..') return undefined;
  return { ownerId: match[1]!, contentId: match[2]! };
}
