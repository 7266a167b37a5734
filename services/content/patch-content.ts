import { contentDeps } from '#shared/content/deps';
import { etagOf, versionFromIfMatch } from '#shared/content/edit';
import { contentView } from '#shared/content/view';
import { ForbiddenError, NotFoundError, PreconditionFailedError, PreconditionRequiredError } from '#shared/http/errors';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';

const { access, content, sign } = contentDeps();

// PATCH /content/{id}: the owner edits caption, visibility or location, with optimistic
// concurrency: If-Match must carry the ETag of the version the edit is based on.
export const handler = apiRoute(
  routes.patchContent,
  async ({ userId, params: { id: contentId }, headers, body: patch }) => {
    const visible = await access.one(userId, contentId);
    if (!visible) throw new NotFoundError('Content not found.');
    if (visible.relationship !== 'self') throw new ForbiddenError('Only the owner can change this content.');
    const ifMatch = headers['if-match'];
    const expected = versionFromIfMatch(ifMatch);
    if (expected === undefined) {
      throw new PreconditionRequiredError(
        ifMatch
          ? 'If-Match must be the ETag from GET /content/{id}, e.g. "v3".'
          : 'If-Match header required: send the ETag from GET /content/{id}.',
      );
    }
    const result = await content.applyPatch(contentId, expected, patch);
    if (result.outcome === 'gone') throw new NotFoundError('Content not found.');
    if (result.outcome === 'stale') {
      throw new PreconditionFailedError(
        `The content changed since version ${expected} (now ${etagOf(result.current)}): read it again and retry.`,
        {
          etag: etagOf(result.current),
        },
      );
    }
    return {
      status: 200,
      body: await contentView(result.item, 'self', sign),
      headers: { etag: etagOf(result.item.version) },
    };
  },
);
