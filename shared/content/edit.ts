import { z } from 'zod';
import { CAPTION_MAX, VISIBILITIES } from '#shared/content/model';

/** A place the owner chooses to show with a picture (EXIF GPS is never shown to others). */
export const locationSchema = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
});

/** PATCH /content/{id}: what the owner may change. `null` clears caption or location. */
export const patchContentSchema = z
  .strictObject({
    caption: z.string().trim().max(CAPTION_MAX).nullable().optional(),
    visibility: z.enum(VISIBILITIES).optional(),
    location: locationSchema.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'Send at least one of caption, visibility, location.' });

export type ContentPatch = z.infer<typeof patchContentSchema>;

/** ETags version the owner-editable fields: `"v<version>"`. Processing does not change them. */
export function etagOf(version: number): string {
  return `"v${version}"`;
}

/** The version an If-Match header names, or undefined when it names none (weak tags included). */
export function versionFromIfMatch(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const match = /^(?:W\/)?"v(\d{1,9})"$/.exec(header.trim());
  return match ? Number(match[1]) : undefined;
}
