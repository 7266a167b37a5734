// The HTTP API, one entry per route: the source of GET /openapi.json (shared/http/openapi.ts turns
// it into the OpenAPI document), held to serverless.yml by tests/infra/openapi-routes.test.ts, which
// fails while a route is in one place and not the other.
//
// Adding a route (next to its `httpApi` event in services/<service>/functions.yml):
//  1. Validate in the handler with zod schemas exported from shared/domain/*, and use those very
//     objects here (not copies): `body` is what parseJsonBody checks; `params`, `query` and `headers`
//     are z.objects over event.pathParameters / queryStringParameters / headers, one property per
//     value the handler validates (their values arrive as strings: z.coerce for numbers).
//  2. Add an entry to `apiRoutes` below:
//       {
//         method: 'DELETE',
//         path: '/content/{id}', // as in serverless.yml
//         operationId: 'deleteContent',
//         summary: 'Delete one of your items',
//         auth: true, // exactly when the route has `authorizer: { name: jwt }`
//         request: { params: contentParams },
//         responses: { 204: { description: 'Deleted.' } },
//       },
//     400 (when the request has a schema), 401 (auth: true) and 404 (a path with parameters) are
//     added with the shared error body; declaring the status yourself replaces the default, and
//     other errors use it too: `409: { description: 'Changed meanwhile.', body: errorBodySchema }`.
//  3. Response bodies are documentation: the handlers build them. Name a body that several routes
//     return with .meta({ id: 'Name' }) and it becomes one component, referenced from each (a named
//     schema whose request form differs, e.g. by a default, also gets `NameInput`). Where the handler
//     returns a declared TS type, add it to the `Same<...>` guard below so that tsc catches drift.
//
// What JSON Schema cannot say, the document leaves out: .refine() checks and .trim() are invisible
// (a caption of 2,200 characters plus spaces is accepted by zod, refused by the document's
// maxLength); a transform in a response body throws when the document is built.
import { z } from 'zod';
import type { UploadTicket } from '#shared/adapters/upload-tickets';
import type { ContentView } from '#shared/domain/content';
import {
  bulkGetQuerySchema,
  contentIdSchema,
  contentParamsSchema,
  createContentBatchSchema,
  createContentSchema,
  galleryQuerySchema,
  VISIBILITIES,
} from '#shared/domain/content';
import { locationSchema, patchContentSchema } from '#shared/domain/content-edit';
import { feedQuerySchema } from '#shared/domain/feed';
import type { FriendLists, FriendRequestView } from '#shared/domain/friendship';
import { otherUserParamsSchema, putProfileSchema, userParamsSchema, type MeView, type PublicProfile } from '#shared/domain/profile';
import { errorBodySchema, type ApiInfo, type RouteSpec } from '#shared/http/openapi';

export { errorBodySchema };

export const apiInfo: ApiInfo = {
  title: 'media-share API',
  // The contract's version, not the package's: raise it when a change breaks clients.
  version: '0.1.0',
  description: 'Upload photos with a presigned POST straight to S3, then read them back with their metadata and derivatives.',
};

/**
 * The upload limit is configuration (the `uploadMaxBytes` stage parameter, serverless.yml), so the
 * routes are built for a configuration: the docs function passes the deployed value, the same one
 * createContent enforces; without one, the parameter's default is documented.
 */
export interface ApiSpecConfig {
  uploadMaxBytes: number;
}

/** params.default.uploadMaxBytes in serverless.yml (25 MiB); tests/infra/openapi-routes.test.ts checks they agree. */
export const DEFAULT_UPLOAD_MAX_BYTES = 26_214_400;

// --- Path parameters (the handlers validate each value with the schema inside) ---

/** /content/{id}: the handlers validate event.pathParameters with this very schema. */
const contentParams = contentParamsSchema;

/** PATCH /content/{id}: If-Match is checked by the handler (428 without, 412 when stale). */
const ifMatchHeaders = z.object({ 'if-match': z.string().describe('The ETag from GET /content/{id}, e.g. "v3".') });

// --- Response bodies (documentation only) ---

const isoDateTime = z.iso.datetime();

const mediaMetadataSchema = z
  .object({
    width: z.number().int().optional(),
    height: z.number().int().optional(),
    takenAt: z.string().optional().describe('Local time as the camera wrote it: ISO 8601, with its offset when the file has one.'),
    make: z.string().optional(),
    model: z.string().optional(),
    lens: z.string().optional(),
    gps: z.object({ latitude: z.number(), longitude: z.number(), altitude: z.number().optional() }).optional(),
  })
  .meta({ id: 'MediaMetadata' });

export const contentViewSchema = z
  .object({
    contentId: contentIdSchema,
    ownerId: z.string(),
    status: z.enum(['PENDING', 'READY', 'REJECTED', 'DUPLICATE', 'DELETED']),
    duplicateOf: contentIdSchema.optional().describe('For a DUPLICATE (owner only): your item that already holds the same bytes.'),
    reason: z.string().optional().describe('Why the item was rejected (owner only).'),
    visibility: z.enum(VISIBILITIES),
    caption: z.string().optional(),
    location: locationSchema.optional().describe('A place the owner chose to show.'),
    contentType: z.string(),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
    version: z.number().int(),
    metadata: mediaMetadataSchema.optional().describe('EXIF subset and decoded dimensions; `gps` for the owner only.'),
    placeholder: z.string().optional().describe('ThumbHash (base64) of the picture, to show while the derivatives load.'),
    urls: z
      .record(
        z.string(),
        z.union([
          z.object({ url: z.url(), width: z.number().int(), height: z.number().int(), contentType: z.string() }),
          z.object({ url: z.url() }),
        ]),
      )
      .describe('Short-lived signed GET URLs, once READY: one per derivative (e.g. thumbnail), and `original` for the owner.'),
  })
  .meta({ id: 'ContentView' });


const contentCreatedSchema = z
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

const contentPageSchema = z
  .object({
    items: z.array(contentViewSchema),
    cursor: z.string().optional().describe('Pass as ?cursor= for the next page; absent on the last page.'),
  })
  .meta({ id: 'ContentPage' });

const contentListSchema = z.object({ items: z.array(contentViewSchema) });

const friendRequestViewSchema = z.object({
  userId: z.string(),
  state: z.enum(['outgoing', 'accepted']),
  requestedAt: isoDateTime.optional(),
  since: isoDateTime.optional(),
});

const friendEntrySchema = z.object({ userId: z.string(), since: isoDateTime.optional(), requestedAt: isoDateTime.optional(), displayName: z.string().optional() });
const friendListsSchema = z.object({
  friends: z.array(friendEntrySchema),
  incoming: z.array(friendEntrySchema),
  outgoing: z.array(friendEntrySchema),
  blocked: z.array(z.object({ userId: z.string() })),
});

const notificationPreferencesSchema = z.object({ newContent: z.boolean(), friendRequests: z.boolean() });
const meViewSchema = z
  .object({
    userId: z.string(),
    displayName: z.string().nullable(),
    avatarContentId: z.string().nullable(),
    notificationPreferences: notificationPreferencesSchema,
    createdAt: isoDateTime.optional(),
    updatedAt: isoDateTime.optional(),
  })
  .meta({ id: 'Me' });
const publicProfileSchema = z.object({
  userId: z.string(),
  displayName: z.string(),
  avatar: z.object({ contentId: z.string() }).optional(),
  relationship: z.enum(['self', 'friend', 'pending', 'none']),
});

// Compile-time guards: the documented bodies are exactly the types the handlers return. Exact
// equality, not mutual assignability, which a new optional field would pass unnoticed.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const documented: [
  Same<z.output<typeof contentViewSchema>, ContentView>,
  Same<z.output<typeof contentCreatedSchema>, UploadTicket>,
  Same<z.output<typeof friendRequestViewSchema>, FriendRequestView>,
  Same<z.output<typeof friendListsSchema>, FriendLists>,
  Same<z.output<typeof meViewSchema>, MeView>,
  Same<z.output<typeof publicProfileSchema>, PublicProfile>,
] = [true, true, true, true, true, true];
void documented;

const openApiDocumentSchema = z.looseObject({ openapi: z.literal('3.1.0') }).describe('This document.');

// --- The routes ---

export function apiRoutes(config: ApiSpecConfig = { uploadMaxBytes: DEFAULT_UPLOAD_MAX_BYTES }): RouteSpec[] {
  return [
    {
      method: 'POST',
      path: '/content',
      operationId: 'createContent',
      summary: 'Start an upload',
      description:
        'Creates a PENDING item and returns a presigned POST for its original. Once S3 has the file, it is decoded, ' +
        'checked and processed; GET /content/{id} shows the outcome.',
      auth: true,
      // The handler builds the same schema from UPLOAD_MAX_BYTES, the same stage parameter.
      request: { body: createContentSchema(config.uploadMaxBytes) },
      responses: {
        201: { description: 'Created: upload the file with `upload`.', body: contentCreatedSchema, headers: { location: 'The new item: /content/{contentId}.' } },
      },
    },
    {
      method: 'GET',
      path: '/content/{id}',
      operationId: 'getContent',
      summary: 'One item',
      description:
        'The item as the caller may see it: its owner sees everything, others (where its visibility lets them) neither the ' +
        'original, nor the EXIF position, nor why it was rejected. An item the caller may not see answers 404, like a missing one.',
      auth: true,
      request: { params: contentParams },
      responses: {
        200: {
          description: 'The item, as this caller may see it.',
          body: contentViewSchema,
          headers: { etag: 'For the owner only: the version, for If-Match on PATCH /content/{id}.' },
        },
      },
    },
    {
      method: 'GET',
      path: '/content',
      operationId: 'getContentBatch',
      summary: 'Several items at once',
      description: 'Up to 100 ids, comma-separated. Ids the caller may not see, or that do not exist, are simply absent; the rest come in the order asked.',
      auth: true,
      request: { query: bulkGetQuerySchema },
      responses: { 200: { description: 'The visible items.', body: contentListSchema } },
    },
    {
      method: 'POST',
      path: '/content/batch',
      operationId: 'createContentBatch',
      summary: 'Start up to 25 uploads at once',
      description: 'Like POST /content for each item; all are created, or none.',
      auth: true,
      request: { body: createContentBatchSchema(config.uploadMaxBytes) },
      responses: { 201: { description: 'One upload ticket per item, in the order asked.', body: z.object({ items: z.array(contentCreatedSchema) }) } },
    },
    {
      method: 'PATCH',
      path: '/content/{id}',
      operationId: 'patchContent',
      summary: 'Change caption, visibility or location (owner only)',
      description:
        'Optimistic concurrency: If-Match must carry the ETag of the version the change is based on. A stale one answers 412, ' +
        'a missing one 428. `null` clears caption or location. Send at least one field.',
      auth: true,
      request: { params: contentParams, headers: ifMatchHeaders, body: patchContentSchema },
      responses: {
        200: { description: 'The item after the change.', body: contentViewSchema, headers: { etag: 'The new version.' } },
        403: { description: 'The caller may see the item but is not its owner.', body: errorBodySchema },
        412: { description: 'The item changed since that version: read it again.', body: errorBodySchema },
        428: { description: 'If-Match is missing or not an ETag of this API.', body: errorBodySchema },
      },
    },
    {
      method: 'DELETE',
      path: '/content/{id}',
      operationId: 'deleteContent',
      summary: 'Delete one of your items',
      description: 'The item disappears at once; its files and feed entries follow.',
      auth: true,
      request: { params: contentParams },
      responses: {
        204: { description: 'Deleted.' },
        403: { description: 'The caller may see the item but is not its owner.', body: errorBodySchema },
      },
    },
    {
      method: 'GET',
      path: '/users/{id}/content',
      operationId: 'listUserContent',
      summary: "A user's gallery",
      description: 'Newest first, as the caller may see it; an opaque cursor pages through it.',
      auth: true,
      request: { params: userParamsSchema, query: galleryQuerySchema },
      responses: { 200: { description: 'One page.', body: contentPageSchema } },
    },
    {
      method: 'GET',
      path: '/feed',
      operationId: 'getFeed',
      summary: 'Your feed',
      description:
        "Newest first: your own pictures, your friends' friends-only pictures and everyone's public ones, READY only, as you may see them now. An opaque cursor pages through it, also past the precomputed window (older pages are computed on read). A page may hold fewer items than `limit` while a cursor is present.",
      auth: true,
      request: { query: feedQuerySchema },
      responses: { 200: { description: 'One page.', body: contentPageSchema } },
    },
    {
      method: 'GET',
      path: '/me',
      operationId: 'getMe',
      summary: 'Your profile',
      auth: true,
      responses: { 200: { description: 'The profile (defaults when never saved).', body: meViewSchema } },
    },
    {
      method: 'PUT',
      path: '/me',
      operationId: 'putMe',
      summary: 'Save your profile',
      description: 'Replaces the profile. The avatar must be one of your own processed pictures.',
      auth: true,
      request: { body: putProfileSchema },
      responses: { 200: { description: 'The saved profile.', body: meViewSchema } },
    },
    {
      method: 'GET',
      path: '/users/{id}',
      operationId: 'getUser',
      summary: "A user's public profile",
      description: 'Absent (404) when there is no profile or when either user blocks the other.',
      auth: true,
      request: { params: userParamsSchema },
      responses: { 200: { description: 'The public profile.', body: publicProfileSchema } },
    },
    {
      method: 'GET',
      path: '/friends',
      operationId: 'listFriends',
      summary: 'Your friends, requests both ways, and the users you block',
      auth: true,
      responses: { 200: { description: 'The lists.', body: friendListsSchema } },
    },
    {
      method: 'POST',
      path: '/friends/{userId}',
      operationId: 'requestFriend',
      summary: 'Ask someone to be friends, or accept their request',
      description: 'Idempotent. Mutual friends see each other\'s `friends` pictures.',
      auth: true,
      request: { params: otherUserParamsSchema },
      responses: { 200: { description: 'How you now stand to that user.', body: friendRequestViewSchema } },
    },
    {
      method: 'DELETE',
      path: '/friends/{userId}',
      operationId: 'removeFriend',
      summary: 'Unfriend, cancel or decline',
      auth: true,
      request: { params: otherUserParamsSchema },
      responses: { 204: { description: 'Done (also when there was nothing to remove).' } },
    },
    {
      method: 'POST',
      path: '/blocks/{userId}',
      operationId: 'blockUser',
      summary: 'Block a user',
      description: 'Drops any friendship or request and hides each user from the other.',
      auth: true,
      request: { params: otherUserParamsSchema },
      responses: { 204: { description: 'Blocked.' } },
    },
    {
      method: 'DELETE',
      path: '/blocks/{userId}',
      operationId: 'unblockUser',
      summary: 'Unblock a user',
      auth: true,
      request: { params: otherUserParamsSchema },
      responses: { 204: { description: 'Unblocked (also when there was no block).' } },
    },
    {
      method: 'GET',
      path: '/openapi.json',
      operationId: 'getOpenApiDocument',
      summary: 'This OpenAPI document',
      description: 'Public: no token needed.',
      auth: false,
      responses: {
        200: { description: 'The OpenAPI 3.1 document of this API.', body: openApiDocumentSchema },
      },
    },
  ];
}
