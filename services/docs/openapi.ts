import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { requireIntEnv } from '#shared/config';
import { apiInfo, apiRoutes } from '#shared/http/api-spec';
import { buildOpenApiDocument } from '#shared/http/openapi';

// Built once per execution environment: the document only changes with a deployment. The upload
// limit is the stage parameter createContent enforces, so the document states the deployed one.
const body = JSON.stringify(buildOpenApiDocument(apiRoutes({ uploadMaxBytes: requireIntEnv('UPLOAD_MAX_BYTES') }), apiInfo));

// GET /openapi.json: public (no authorizer), so tools and clients can read the contract before
// signing in. Not wrapped in apiHandler, which insists on an authorized user.
export const handler = async (): Promise<APIGatewayProxyStructuredResultV2> => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
  body,
});
