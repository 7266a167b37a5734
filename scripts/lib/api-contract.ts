// The API's published contract (docs/openapi.json) against the document the route registry builds
// now: which differences break a client written against the published one. Written for this
// project's documents (OpenAPI 3.1, local $refs into components.schemas); see docs/decisions.md for
// why no library does it here.
//
// Breaking: a removed operation or 2xx response; a removed response field; a removed enum value
// (a client that sends it is refused, a client that reads it was written for it); a request
// parameter or body field that becomes required. Everything else (new routes, new optional fields,
// new enum values, descriptions) is not.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildOpenApiDocument, routeList, type OpenApiDocument } from '#shared/http/openapi';
import { apiInfo, apiRoutes } from '#shared/http/routes';

type Json = Record<string, any>;

export const CONTRACT_FILE = path.resolve(__dirname, '..', '..', 'docs', 'openapi.json');

/** The document the registry builds now, with the default configuration (as published). */
export function currentDocument(): OpenApiDocument {
  return buildOpenApiDocument(routeList(apiRoutes()), apiInfo);
}

export async function publishedDocument(file = CONTRACT_FILE): Promise<OpenApiDocument> {
  return JSON.parse(await readFile(file, 'utf8')) as OpenApiDocument;
}

export async function writeDocument(document: OpenApiDocument, file = CONTRACT_FILE): Promise<void> {
  await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
}

/** One line per change of `after` that breaks a client of `before`. */
export function breakingChanges(before: Json, after: Json): string[] {
  const changes: string[] = [];
  for (const [route, method, op] of operations(before)) {
    const where = `${method.toUpperCase()} ${route}`;
    const next = after.paths?.[route]?.[method];
    if (!next) {
      changes.push(`${where}: operation removed`);
      continue;
    }
    for (const [status, response] of Object.entries<Json>(op.responses ?? {})) {
      if (!/^2\d\d$/.test(status)) continue;
      const nextResponse = next.responses?.[status];
      if (!nextResponse) {
        changes.push(`${where}: response ${status} removed`);
        continue;
      }
      const was = shape(bodySchema(response), before);
      const now = shape(bodySchema(nextResponse), after);
      for (const [field, { values }] of was) {
        const kept = now.get(field);
        if (!kept) changes.push(`${where} ${status}: response field ${field || '(body)'} removed`);
        else
          for (const value of values)
            if (!kept.values.has(value))
              changes.push(`${where} ${status}: ${field || '(body)'} no longer has the value ${JSON.stringify(value)}`);
      }
    }
    const wasParams = parameters(op, before);
    for (const [key, param] of parameters(next, after)) {
      const old = wasParams.get(key);
      if (param.required && !old?.required) changes.push(`${where}: parameter ${key} is now required`);
      if (old)
        for (const value of old.values)
          if (!param.values.has(value))
            changes.push(`${where}: parameter ${key} no longer accepts ${JSON.stringify(value)}`);
    }
    const wasBody = shape(bodySchema(op.requestBody), before);
    const nowBody = shape(bodySchema(next.requestBody), after);
    if (next.requestBody?.required && !op.requestBody) changes.push(`${where}: a request body is now required`);
    for (const [field, { values, required }] of nowBody) {
      const old = wasBody.get(field);
      if (required && old && !old.required) changes.push(`${where}: request field ${field} is now required`);
      if (required && !old && wasBody.has(parentOf(field)))
        changes.push(`${where}: request field ${field} is new and required`);
      if (old)
        for (const value of old.values)
          if (!values.has(value))
            changes.push(`${where}: request field ${field || '(body)'} no longer accepts ${JSON.stringify(value)}`);
    }
  }
  return changes;
}

function* operations(doc: Json): Generator<[string, string, Json]> {
  for (const [route, item] of Object.entries<Json>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<Json>(item))
      if (['get', 'put', 'post', 'delete', 'patch'].includes(method)) yield [route, method, op];
  }
}

const bodySchema = (holder: Json | undefined): Json | undefined => holder?.content?.['application/json']?.schema;
const parentOf = (field: string) => (field.includes('.') ? field.slice(0, field.lastIndexOf('.')) : '');

interface Field {
  /** Enum or const values allowed here. */
  values: Set<unknown>;
  /** Required by its parent object. */
  required: boolean;
}

/** Every field a schema can hold, by dotted path ('' is the body itself, `[]` an array's items). */
function shape(schema: Json | undefined, doc: Json): Map<string, Field> {
  const fields = new Map<string, Field>();
  const visit = (node: Json | undefined, at: string, required: boolean, seen: Set<string>) => {
    if (!node || typeof node !== 'object') return;
    if (typeof node.$ref === 'string') {
      if (seen.has(node.$ref)) return;
      const name = node.$ref.replace('#/components/schemas/', '');
      visit(doc.components?.schemas?.[name], at, required, new Set([...seen, node.$ref]));
      return;
    }
    const field = fields.get(at) ?? { values: new Set(), required };
    field.required ||= required;
    for (const value of node.enum ?? []) field.values.add(value);
    if ('const' in node) field.values.add(node.const);
    fields.set(at, field);
    const inner = new Set<string>(node.required ?? []);
    for (const [name, child] of Object.entries<Json>(node.properties ?? {}))
      visit(child, at ? `${at}.${name}` : name, inner.has(name), seen);
    if (node.items) visit(node.items, `${at}[]`, false, seen);
    if (node.additionalProperties && typeof node.additionalProperties === 'object')
      visit(node.additionalProperties, `${at}{}`, false, seen);
    for (const key of ['anyOf', 'oneOf', 'allOf']) for (const branch of node[key] ?? []) visit(branch, at, false, seen);
  };
  visit(schema, '', false, new Set());
  return fields;
}

function parameters(op: Json, doc: Json): Map<string, { required: boolean; values: Set<unknown> }> {
  const out = new Map<string, { required: boolean; values: Set<unknown> }>();
  for (const param of op.parameters ?? []) {
    const schema = shape(param.schema, doc).get('');
    out.set(`${param.in}:${param.name}`, { required: Boolean(param.required), values: schema?.values ?? new Set() });
  }
  return out;
}
