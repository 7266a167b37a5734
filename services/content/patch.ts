import { contentDeps } from '#shared/adapters/content-deps';
import { contentParamsSchema } from '#shared/domain/content';
import { etagOf, patchContentSchema, versionFromIfMatch } from '#shared/domain/content-edit';
import { contentView } from '#shared/domain/content-view';
import { HttpError, NotFoundError } from '#shared/errors';
import { apiHandler, json, parseJsonBody, validate } from '#shared/http/api';

const { access, content, sign } = contentDeps();

// PATCH /content/{id}: the owner edits caption, visibility or location, with optimistic
// concurrency: If-Match must carry the ETag of the version the edit is based on.
export const handler = apiHandler(async ({ event, userId }) => {
  const { id: contentId } = validate(contentParamsSchema, event.pathParameters ?? {});
  const patch = parseJsonBody(event, patchContentSchema);
  const visible = await access.one(userId, contentId);
  if (!visible) throw new NotFoundError('Content not found.');
  if (visible.relationship !== 'self') throw new HttpError(403, 'Only the owner can change this content.');
  const ifMatch = event.headers?.['if-match'];
  const expected = versionFromIfMatch(ifMatch);
  if (expected === undefined) {
    throw new HttpError(428, ifMatch ? 'If-Match must be the ETag from GET /content/{id}, e.g. "v3".' : 'If-Match header required: send the ETag from GET /content/{id}.');
  }
  const result = await content.applyPatch(contentId, expected, patch);
  if (result.outcome === 'gone') throw new NotFoundError('Content not found.');
  if (result.outcome === 'stale') {
    throw new HttpError(412, `The content changed since version ${expected} (now ${etagOf(result.current)}): read it again and retry.`);
  }
  return json(200, await contentView(result.item, 'self', sign), { etag: etagOf(result.item.version) });
});
