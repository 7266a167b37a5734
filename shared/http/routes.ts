// The HTTP API, one route object per operation, keyed by its operationId. Each object drives both
// the handler (apiRoute in shared/http/api.ts parses and validates params, query, headers and body
// from it, and types the reply by its response schemas) and GET /openapi.json (shared/http/openapi.ts
// turns the registry into the OpenAPI document). tests/infra/openapi-routes.test.ts holds it to
// serverless.yml, and tests/infra/openapi-contract.test.ts to the committed openapi.json.
//
// Adding a route: one entry below and one handler file (README, "Adding a route"):
//  - `params`, `query` and `headers` are z.objects over event.pathParameters /
//    queryStringParameters / headers (lower-case names; values arrive as strings: z.coerce for
//    numbers); `body` is the JSON body. Use the zod schemas of the features' models (shared/*/model.ts), not copies.
//  - 400 (when the request has a schema), 401 (auth: true) and 404 (a path with parameters) are
//    added with the shared error body; declaring the status yourself replaces the default, and
//    other errors use it too: `409: { description: 'Changed meanwhile.', body: errorBodySchema }`.
//  - A 2xx response's `body` is the type the handler must return. Name a body that several routes
//    return with .meta({ id: 'Name' }) and it becomes one component, referenced from each (a named
//    schema whose request form differs, e.g. by a default, also gets `NameInput`).
//
// What JSON Schema cannot say, the document leaves out: .refine() checks and .trim() are invisible
// (a caption of 2,200 characters plus spaces is accepted by zod, refused by the document's
// maxLength); a transform in a response body throws when the document is built.
import { z } from 'zod';
import {
  bulkGetQuerySchema,
  contentParamsSchema,
  createContentBatchSchema,
  createContentSchema,
  galleryQuerySchema,
} from '#shared/content/model';
import { patchContentSchema } from '#shared/content/edit';
import { deviceParamsSchema, deviceViewSchema, registerDeviceSchema } from '#shared/devices/model';
import { feedQuerySchema } from '#shared/feed/model';
import { markSeenSchema, notificationPageSchema, notificationsQuerySchema } from '#shared/notifications/model';
import { contentViewSchema, uploadTicketSchema } from '#shared/content/view';
import { friendListsSchema, friendRequestViewSchema } from '#shared/friends/model';
import {
  meViewSchema,
  otherUserParamsSchema,
  publicProfileSchema,
  putProfileSchema,
  userParamsSchema,
} from '#shared/users/model';
import { errorBodySchema, type ApiInfo, type RouteDefinition } from '#shared/http/openapi';

export const apiInfo: ApiInfo = {
  title: 'media-share API',
  // The contract's version, not the package's: raise it when a change breaks clients.
  version: '0.1.0',
  description:
    'Upload photos with a presigned POST straight to S3, then read them back with their metadata and derivatives.',
  license: { name: 'MIT', identifier: 'MIT' },
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

// --- Request parts that only the HTTP API has ---

const contentParams = contentParamsSchema;

/** PATCH /content/{id}: without If-Match the handler answers 428 (not 400), so it is optional here. */
const ifMatchHeaders = z.object({
  'if-match': z
    .string()
    .max(64)
    .optional()
    .describe('Required: the ETag from GET /content/{id}, e.g. "v3". Without it: 428.'),
});

// --- Response bodies that only the HTTP API has (the items in them are the domain's views) ---

const contentPageSchema = z
  .object({
    items: z.array(contentViewSchema),
    cursor: z.string().optional().describe('Pass as ?cursor= for the next page; absent on the last page.'),
  })
  .meta({ id: 'ContentPage' });

const contentListSchema = z.object({ items: z.array(contentViewSchema) });

const openApiDocumentSchema = z.looseObject({ openapi: z.literal('3.1.0') }).describe('This document.');

// --- The routes ---

/** The registry as declared: `const`, so that each route keeps its own schema and status types. */
function defineRoutes<const T extends Record<string, RouteDefinition>>(routes: T): T {
  return routes;
}

export function apiRoutes(config: ApiSpecConfig = { uploadMaxBytes: DEFAULT_UPLOAD_MAX_BYTES }) {
  return defineRoutes({
    createContent: {
      method: 'POST',
      path: '/content',
      summary: 'Start an upload',
      description:
        'Creates a PENDING item and returns a presigned POST for its original. Once S3 has the file, it is decoded, ' +
        'checked and processed; GET /content/{id} shows the outcome.',
      auth: true,
      request: { body: createContentSchema(config.uploadMaxBytes) },
      responses: {
        201: {
          description: 'Created: upload the file with `upload`.',
          body: uploadTicketSchema,
          headers: { location: 'The new item: /content/{contentId}.' },
        },
      },
    },
    getContent: {
      method: 'GET',
      path: '/content/{id}',
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
    getContentBatch: {
      method: 'GET',
      path: '/content',
      summary: 'Several items at once',
      description:
        'Up to 100 ids, comma-separated. Ids the caller may not see, or that do not exist, are simply absent; the rest come in the order asked.',
      auth: true,
      request: { query: bulkGetQuerySchema },
      responses: { 200: { description: 'The visible items.', body: contentListSchema } },
    },
    createContentBatch: {
      method: 'POST',
      path: '/content/batch',
      summary: 'Start up to 25 uploads at once',
      description: 'Like POST /content for each item; all are created, or none.',
      auth: true,
      request: { body: createContentBatchSchema(config.uploadMaxBytes) },
      responses: {
        201: {
          description: 'One upload ticket per item, in the order asked.',
          body: z.object({ items: z.array(uploadTicketSchema) }),
        },
      },
    },
    patchContent: {
      method: 'PATCH',
      path: '/content/{id}',
      summary: 'Change caption, visibility or location (owner only)',
      description:
        'Optimistic concurrency: If-Match must carry the ETag of the version the change is based on. A stale one answers 412, ' +
        'a missing one 428. `null` clears caption or location. Send at least one field.',
      auth: true,
      request: { params: contentParams, headers: ifMatchHeaders, body: patchContentSchema },
      responses: {
        200: {
          description: 'The item after the change.',
          body: contentViewSchema,
          headers: { etag: 'The new version.' },
        },
        403: { description: 'The caller may see the item but is not its owner.', body: errorBodySchema },
        412: { description: 'The item changed since that version: read it again.', body: errorBodySchema },
        428: { description: 'If-Match is missing or not an ETag of this API.', body: errorBodySchema },
      },
    },
    deleteContent: {
      method: 'DELETE',
      path: '/content/{id}',
      summary: 'Delete one of your items',
      description: 'The item disappears at once; its files and feed entries follow.',
      auth: true,
      request: { params: contentParams },
      responses: {
        204: { description: 'Deleted.' },
        403: { description: 'The caller may see the item but is not its owner.', body: errorBodySchema },
      },
    },
    listUserContent: {
      method: 'GET',
      path: '/users/{id}/content',
      summary: "A user's gallery",
      description: 'Newest first, as the caller may see it; an opaque cursor pages through it.',
      auth: true,
      request: { params: userParamsSchema, query: galleryQuerySchema },
      responses: { 200: { description: 'One page.', body: contentPageSchema } },
    },
    getFeed: {
      method: 'GET',
      path: '/feed',
      summary: 'Your feed',
      description:
        "Newest first: your own pictures, your friends' friends-only pictures and everyone's public ones, READY only, as you may see them now. An opaque cursor pages through it, also past the precomputed window (older pages are computed on read). A page may hold fewer items than `limit` while a cursor is present.",
      auth: true,
      request: { query: feedQuerySchema },
      responses: { 200: { description: 'One page.', body: contentPageSchema } },
    },
    getMe: {
      method: 'GET',
      path: '/me',
      summary: 'Your profile',
      auth: true,
      responses: { 200: { description: 'The profile (defaults when never saved).', body: meViewSchema } },
    },
    putMe: {
      method: 'PUT',
      path: '/me',
      summary: 'Save your profile',
      description: 'Replaces the profile. The avatar must be one of your own processed pictures.',
      auth: true,
      request: { body: putProfileSchema },
      responses: { 200: { description: 'The saved profile.', body: meViewSchema } },
    },
    getUser: {
      method: 'GET',
      path: '/users/{id}',
      summary: "A user's public profile",
      description: 'Absent (404) when there is no profile or when either user blocks the other.',
      auth: true,
      request: { params: userParamsSchema },
      responses: { 200: { description: 'The public profile.', body: publicProfileSchema } },
    },
    listFriends: {
      method: 'GET',
      path: '/friends',
      summary: 'Your friends, requests both ways, and the users you block',
      auth: true,
      responses: { 200: { description: 'The lists.', body: friendListsSchema } },
    },
    requestFriend: {
      method: 'POST',
      path: '/friends/{userId}',
      summary: 'Ask someone to be friends, or accept their request',
      description: "Idempotent. Mutual friends see each other's `friends` pictures.",
      auth: true,
      request: { params: otherUserParamsSchema },
      responses: { 200: { description: 'How you now stand to that user.', body: friendRequestViewSchema } },
    },
    removeFriend: {
      method: 'DELETE',
      path: '/friends/{userId}',
      summary: 'Unfriend, cancel or decline',
      auth: true,
      request: { params: otherUserParamsSchema },
      responses: { 204: { description: 'Done (also when there was nothing to remove).' } },
    },
    blockUser: {
      method: 'POST',
      path: '/blocks/{userId}',
      summary: 'Block a user',
      description: 'Drops any friendship or request and hides each user from the other.',
      auth: true,
      request: { params: otherUserParamsSchema },
      responses: { 204: { description: 'Blocked.' } },
    },
    unblockUser: {
      method: 'DELETE',
      path: '/blocks/{userId}',
      summary: 'Unblock a user',
      auth: true,
      request: { params: otherUserParamsSchema },
      responses: { 204: { description: 'Unblocked (also when there was no block).' } },
    },
    registerDevice: {
      method: 'POST',
      path: '/devices',
      summary: 'Register this device for pushes',
      description:
        'Call it at every app start with the token APNs or FCM gave the app. The same token answers the same device (200); ' +
        'a token another account registered moves to the caller (one installation, one signed-in user).',
      auth: true,
      request: { body: registerDeviceSchema },
      responses: {
        201: { description: 'Registered.', body: deviceViewSchema },
        200: { description: 'Already registered: the same device.', body: deviceViewSchema },
        409: { description: 'Too many devices: delete one first.', body: errorBodySchema },
      },
    },
    listDevices: {
      method: 'GET',
      path: '/devices',
      summary: 'Your devices that receive pushes',
      auth: true,
      responses: { 200: { description: 'Oldest first.', body: z.object({ items: z.array(deviceViewSchema) }) } },
    },
    deleteDevice: {
      method: 'DELETE',
      path: '/devices/{deviceId}',
      summary: 'Stop pushes to a device',
      description: 'Deletes the device and its SNS endpoint (at sign-out, say).',
      auth: true,
      request: { params: deviceParamsSchema },
      responses: { 204: { description: 'Deleted.' } },
    },
    listNotifications: {
      method: 'GET',
      path: '/notifications',
      summary: 'Your inbox',
      description:
        "Newest first: friends' new pictures (one entry per friend and window, with a count), friend requests received and " +
        'accepted. Each entry is checked as it is served: pictures you may no longer see are not counted, an entry left with ' +
        'none is not shown. A page may hold fewer entries than `limit` while a cursor is present. Entries expire after 30 days.',
      auth: true,
      request: { query: notificationsQuerySchema },
      responses: { 200: { description: 'One page, and the unseen count.', body: notificationPageSchema } },
    },
    markNotificationsSeen: {
      method: 'POST',
      path: '/notifications/seen',
      summary: 'Mark your inbox seen up to a time',
      description: 'Entries at or before `upTo` count as seen; the mark never moves back.',
      auth: true,
      request: { body: markSeenSchema },
      responses: { 204: { description: 'Marked.' } },
    },
    getOpenApiDocument: {
      method: 'GET',
      path: '/openapi.json',
      summary: 'This OpenAPI document',
      description: 'Public: no token needed.',
      auth: false,
      responses: {
        200: { description: 'The OpenAPI 3.1 document of this API.', body: openApiDocumentSchema },
      },
    },
  });
}

/**
 * The routes with the default configuration, for the handlers whose route does not depend on it;
 * createContent and createContentBatch build theirs from the stage's upload limit.
 */
export const routes = apiRoutes();
