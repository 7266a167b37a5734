// The route registry (shared/http/routes.ts) against the service definition: every httpApi route
// of serverless.yml is documented, nothing else is, and the authorizer is where the document says.
// A route added to a functions.yml without its registry entry fails here.
import path from 'node:path';
import { loadServiceDefinition, type HttpApiEvent, type ServiceDefinition } from '../../infra/local/definition';
import { apiRoutes, DEFAULT_UPLOAD_MAX_BYTES } from '#shared/http/routes';
import { routeList } from '#shared/http/openapi';

const root = path.resolve(__dirname, '..', '..');
let definition: ServiceDefinition;

beforeAll(async () => {
  definition = await loadServiceDefinition(root, 'test');
}, 120_000);

interface DeployedRoute {
  key: string;
  functionName: string;
  auth: boolean;
}

/** The httpApi events of every function, in their object form or the `'GET /path'` shorthand. */
function deployedRoutes(): DeployedRoute[] {
  return Object.entries(definition.functions).flatMap(([functionName, fn]) =>
    (fn.events ?? []).flatMap((event) => {
      const httpApi = event.httpApi as HttpApiEvent | string | undefined;
      if (!httpApi) return [];
      const [method, routePath] = typeof httpApi === 'string' ? httpApi.split(' ') : [httpApi.method, httpApi.path];
      const auth = typeof httpApi === 'object' && Boolean(httpApi.authorizer);
      return [{ key: `${method!.toUpperCase()} ${routePath}`, functionName, auth }];
    }),
  );
}

const documented = () => routeList(apiRoutes()).map((r) => ({ key: `${r.method} ${r.path}`, auth: r.auth }));

describe('the route registry and serverless.yml', () => {
  it('list the same routes', () => {
    const deployed = deployedRoutes()
      .map((r) => r.key)
      .sort();
    const inSpec = documented()
      .map((r) => r.key)
      .sort();
    // Named both ways so a failure says what to add where.
    expect({
      'in serverless.yml, missing from shared/http/routes.ts': deployed.filter((k) => !inSpec.includes(k)),
    }).toEqual({
      'in serverless.yml, missing from shared/http/routes.ts': [],
    });
    expect({
      'in shared/http/routes.ts, missing from serverless.yml': inSpec.filter((k) => !deployed.includes(k)),
    }).toEqual({
      'in shared/http/routes.ts, missing from serverless.yml': [],
    });
    expect(new Set(deployed).size).toBe(deployed.length);
    expect(deployed).toEqual(inSpec);
  });

  it('agree on which routes are behind the authorizer', () => {
    // Over the routes in both (a route in one place only fails the test above, not this one).
    const deployed = new Map(deployedRoutes().map((r) => [r.key, r.auth]));
    const both = documented().filter((r) => deployed.has(r.key));
    expect(both.length).toBeGreaterThan(0);
    expect(Object.fromEntries(both.map((r) => [r.key, r.auth ? 'authorizer' : 'public']))).toEqual(
      Object.fromEntries(both.map((r) => [r.key, deployed.get(r.key) ? 'authorizer' : 'public'])),
    );
  });

  it('serve the document from a public function that touches no AWS service', () => {
    const docs = deployedRoutes().find((r) => r.key === 'GET /openapi.json');
    expect(docs).toMatchObject({ functionName: 'openapi', auth: false });
    const fn = definition.functions.openapi as { handler: string; iamRoleStatements?: unknown[] };
    expect(fn.handler).toBe('services/docs/openapi.handler');
    expect(fn.iamRoleStatements).toEqual([]);
  });

  it('document the upload limit createContent enforces', () => {
    const limit = (name: string) => definition.functions[name]?.environment?.UPLOAD_MAX_BYTES;
    // The docs function builds its document with the deployed value...
    expect(limit('openapi')).toBeDefined();
    expect(limit('openapi')).toEqual(limit('createContent'));
    // ...and the registry's default (what a document built without configuration states) is the parameter's default.
    expect(Number(limit('createContent'))).toBe(DEFAULT_UPLOAD_MAX_BYTES);
  });
});
