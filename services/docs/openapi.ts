import { requireIntEnv } from '#shared/lambda/config';
import { apiRoute } from '#shared/http/api';
import { buildOpenApiDocument, routeList } from '#shared/http/openapi';
import { apiInfo, apiRoutes } from '#shared/http/routes';

// Built once per execution environment: the document only changes with a deployment. The upload
// limit is the stage parameter createContent enforces, so the document states the deployed one.
const routes = apiRoutes({ uploadMaxBytes: requireIntEnv('UPLOAD_MAX_BYTES') });
const document = buildOpenApiDocument(routeList(routes), apiInfo);

// GET /openapi.json: public (no authorizer), so tools and clients can read the contract before
// signing in.
export const handler = apiRoute(routes.getOpenApiDocument, async () => ({
  status: 200,
  body: document,
  headers: { 'cache-control': 'public, max-age=300' },
}));
