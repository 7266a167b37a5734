// The published contract (docs/openapi.json) and the routes as they are now: a change that breaks
// its clients fails here unless the API version moves; any other change only asks for the file to
// be written again (npm run openapi).
import { breakingChanges, currentDocument, publishedDocument } from '../../scripts/lib/api-contract';

const current = currentDocument();
const copy = () => structuredClone(current) as Record<string, any>;

describe('the published contract', () => {
  it('is not broken by the routes as they are now, unless the API version moved', async () => {
    const published = await publishedDocument();
    const breaking = breakingChanges(published, current);
    if (published.info.version === current.info.version) {
      expect(
        breaking,
        `Breaking changes under the published version ${published.info.version}: raise apiInfo.version in shared/http/routes.ts, then npm run openapi`,
      ).toEqual([]);
    } else {
      expect(
        current.info.version.localeCompare(published.info.version, 'en', { numeric: true }),
        'the API version only moves up',
      ).toBeGreaterThan(0);
    }
  });

  it('is the document the routes build (npm run openapi writes it)', async () => {
    expect(JSON.parse(JSON.stringify(current)), 'docs/openapi.json is stale: run npm run openapi').toEqual(
      await publishedDocument(),
    );
  });
});

describe('breakingChanges', () => {
  it('finds nothing between a document and itself, nor for additions', () => {
    expect(breakingChanges(current, copy())).toEqual([]);
    const added = copy();
    added.paths['/new'] = { get: { responses: { 200: { description: 'ok' } } } };
    added.components.schemas.ContentView.properties.extra = { type: 'string' };
    added.components.schemas.ContentView.properties.status.enum.push('ARCHIVED');
    expect(breakingChanges(current, added)).toEqual([]);
  });

  it('finds a removed response field, in every operation that returns it', () => {
    const next = copy();
    delete next.components.schemas.ContentView.properties.placeholder;
    const changes = breakingChanges(current, next);
    expect(changes).toContain('GET /content/{id} 200: response field placeholder removed');
    expect(changes).toContain('GET /feed 200: response field items[].placeholder removed');
  });

  it('finds a removed operation, a removed enum value and a field that became required', () => {
    const next = copy();
    delete next.paths['/content/{id}'].delete;
    const status = next.components.schemas.ContentView.properties.status;
    status.enum = status.enum.filter((s: string) => s !== 'DUPLICATE');
    const body = next.paths['/content'].post.requestBody.content['application/json'].schema;
    body.required = [...(body.required ?? []), 'caption'];
    const changes = breakingChanges(current, next);
    expect(changes).toContain('DELETE /content/{id}: operation removed');
    expect(changes).toContain('GET /content/{id} 200: status no longer has the value "DUPLICATE"');
    expect(changes).toContain('POST /content: request field caption is now required');
  });

  it('finds a query parameter that became required or lost a value', () => {
    const next = copy();
    const limit = next.paths['/feed'].get.parameters.find((p: { name: string }) => p.name === 'limit');
    limit.required = true;
    expect(breakingChanges(current, next)).toContain('GET /feed: parameter query:limit is now required');
  });
});
