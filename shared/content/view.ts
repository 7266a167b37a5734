import { z } from 'zod';
import {
  contentIdSchema,
  VISIBILITIES,
  type ContentItem,
  type ContentStatus,
  type MediaMetadata,
} from '#shared/content/model';
import { locationSchema } from '#shared/content/edit';
import type { Relationship } from '#shared/content/visibility';

const isoDateTime = z.iso.datetime();

const mediaMetadataSchema = z
  .object({
    width: z.number().int().optional(),
    height: z.number().int().optional(),
    takenAt: z
      .string()
      .optional()
      .describe('Local time as the camera wrote it: ISO 8601, with its offset when the file has one.'),
    make: z.string().optional(),
    model: z.string().optional(),
    lens: z.string().optional(),
    gps: z.object({ latitude: z.number(), longitude: z.number(), altitude: z.number().optional() }).optional(),
  })
  .meta({ id: 'MediaMetadata' });

/** What a viewer sees of an item (GET /content/{id}, galleries, the feed). */
export const contentViewSchema = z
  .object({
    contentId: contentIdSchema,
    ownerId: z.string(),
    status: z.enum(['PENDING', 'READY', 'REJECTED', 'DUPLICATE', 'DELETED'] satisfies ContentStatus[]),
    duplicateOf: contentIdSchema
      .optional()
      .describe('For a DUPLICATE (owner only): your item that already holds the same bytes.'),
    reason: z.string().optional().describe('Why the item was rejected (owner only).'),
    visibility: z.enum(VISIBILITIES),
    caption: z.string().optional(),
    location: locationSchema.optional().describe('A place the owner chose to show.'),
    contentType: z.string(),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
    version: z.number().int(),
    metadata: mediaMetadataSchema.optional().describe('EXIF subset and decoded dimensions; `gps` for the owner only.'),
    placeholder: z
      .string()
      .optional()
      .describe('ThumbHash (base64) of the picture, to show while the derivatives load.'),
    urls: z
      .record(
        z.string(),
        z.union([
          z.object({ url: z.url(), width: z.number().int(), height: z.number().int(), contentType: z.string() }),
          z.object({ url: z.url() }),
        ]),
      )
      .describe(
        'Short-lived signed GET URLs, once READY: one per derivative (e.g. thumbnail), and `original` for the owner.',
      ),
  })
  .meta({ id: 'ContentView' });
export type ContentView = z.output<typeof contentViewSchema>;

/** What POST /content answers per item: the PENDING item and a presigned POST for its original. */
export const uploadTicketSchema = z
  .object({
    contentId: contentIdSchema,
    status: z.literal('PENDING'),
    upload: z
      .object({
        method: z.literal('POST'),
        url: z.url(),
        fields: z.record(z.string(), z.string()).describe('Form fields to send along, the file field last.'),
        expiresAt: isoDateTime,
        maxBytes: z.number().int().describe('The declared size: S3 refuses a larger file.'),
      })
      .describe('A presigned POST for the original: a multipart/form-data request straight to S3.'),
  })
  .meta({ id: 'ContentCreated' });
export type UploadTicket = z.output<typeof uploadTicketSchema>;

type Sign = (key: string) => Promise<string>;

/**
 * What a viewer sees of an item they may see (the caller has checked canView):
 * - the owner: every field, EXIF GPS included, and URLs for the derivatives and the original;
 * - anyone else: the derivatives only (never the original), no EXIF GPS (the owner's `location`,
 *   if they set one, is what they chose to share).
 * The decoder's dimensions win over the header's.
 */
export async function contentView(item: ContentItem, relationship: Relationship, sign: Sign): Promise<ContentView> {
  const owner = relationship === 'self';
  const urls: ContentView['urls'] = {};
  if (item.status === 'READY') {
    for (const [name, d] of Object.entries(item.derivatives ?? {})) {
      urls[name] = { url: await sign(d.key), width: d.width, height: d.height, contentType: d.contentType };
    }
    if (owner) urls.original = { url: await sign(item.originalKey) };
  }
  let metadata: MediaMetadata | undefined =
    item.exif || item.dimensions ? { ...item.exif, ...item.dimensions } : undefined;
  if (metadata && !owner) {
    const { gps: _private, ...shared } = metadata;
    metadata = shared;
  }
  return {
    contentId: item.contentId,
    ownerId: item.ownerId,
    status: item.status,
    ...(owner && item.reason ? { reason: item.reason } : {}),
    ...(owner && item.duplicateOf ? { duplicateOf: item.duplicateOf } : {}),
    visibility: item.visibility,
    ...(item.caption ? { caption: item.caption } : {}),
    ...(item.location ? { location: item.location } : {}),
    contentType: item.contentType,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: item.version,
    ...(metadata ? { metadata } : {}),
    ...(item.status === 'READY' && item.placeholder ? { placeholder: item.placeholder } : {}),
    urls,
  };
}
