// Builds the OpenAPI 3.1 document of the HTTP API from the route registry (shared/http/routes.ts).
// Schemas come from zod 4's own z.toJSONSchema (JSON Schema 2020-12, the dialect OpenAPI 3.1 uses),
// so the document states exactly what the handlers' zod schemas accept. Pure and deterministic: the
// same routes give the same document, paths and components in sorted order.
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface ResponseSpec {
  description: string;
  /** The body's schema: a handler's reply for this status is typed by its output (apiRoute). */
  body?: z.ZodType;
  /** Response header name -> description (string values). */
  headers?: Record<string, string>;
}

/** One route of the HTTP API, as shared/http/routes.ts declares it (keyed by its operationId). */
export interface RouteDefinition {
  method: HttpMethod;
  /** API Gateway form, as in serverless.yml: /content/{id}. */
  path: string;
  summary: string;
  description?: string;
  /** True exactly when the route has the jwt authorizer in serverless.yml. */
  auth: boolean;
  /** What apiRoute (shared/http/api.ts) parses and validates before the handler runs. */
  request?: {
    /** One property per {name} in the path (event.pathParameters). */
    params?: z.ZodObject;
    /** event.queryStringParameters: values are strings, use z.coerce for numbers. */
    query?: z.ZodObject;
    /** event.headers, names in lower case; other headers are not passed on. */
    headers?: z.ZodObject;
    /** The JSON body. */
    body?: z.ZodType;
  };
  responses: Record<number, ResponseSpec>;
}

/** A route with its name: what the document is built from. */
export interface RouteSpec extends RouteDefinition {
  operationId: string;
}

/** The routes of a registry as a list, each named by its key. */
export function routeList(routes: Readonly<Record<string, RouteDefinition>>): RouteSpec[] {
  return Object.entries(routes).map(([operationId, route]) => ({ ...route, operationId }));
}

export interface ApiInfo {
  title: string;
  version: string;
  description?: string;
  license?: { name: string; identifier?: string; url?: string };
}

type JsonSchema = Record<string, unknown>;

export type OpenApiDocument = {
  openapi: '3.1.0';
  info: ApiInfo;
  servers: Array<{ url: string; description?: string }>;
  paths: Record<string, Record<string, unknown>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, unknown>;
    securitySchemes: Record<string, unknown>;
  };
};

/** The body of every error answer: apiRoute's (shared/http/api.ts) and API Gateway's own. */
export const errorBodySchema = z
  .object({
    code: z
      .string()
      .optional()
      .describe(
        'What went wrong, for programs: VALIDATION_FAILED, BAD_REQUEST, BODY_REQUIRED, BODY_NOT_JSON, INVALID_CURSOR, SELF_RELATIONSHIP, ' +
          "FORBIDDEN, NOT_FOUND, CONFLICT, PRECONDITION_FAILED, PRECONDITION_REQUIRED, INTERNAL. Absent on API Gateway's own answers (401).",
      ),
    message: z.string().describe('What went wrong and what to do, for people.'),
    details: z
      .array(
        z.object({
          path: z.string().describe('Dotted path of the failing field; empty when the value itself failed.'),
          message: z.string(),
        }),
      )
      .optional()
      .describe('Present on validation failures: one entry per failing field.'),
  })
  .meta({ id: 'Error' });

const SECURITY_SCHEME = 'cognitoAccessToken';
const ERROR_REF = '#/components/schemas/Error';
const jsonContent = (schema: unknown) => ({ 'application/json': { schema } });

// Answers that several routes share, added by the rules in `standardResponses`. A function, so
// that every document gets its own objects.
const standardResponseComponents = () => ({
  BadRequest: {
    description: 'The request failed validation: `details` names each failing field.',
    content: jsonContent({ $ref: ERROR_REF }),
  },
  Unauthorized: {
    description: 'No valid Cognito access token in `Authorization: Bearer <token>`.',
    content: jsonContent({ $ref: ERROR_REF }),
  },
  NotFound: {
    description: 'No such resource, or one the caller may not see (the two are not told apart).',
    content: jsonContent({ $ref: ERROR_REF }),
  },
  PayloadTooLarge: {
    description: "The body is over API Gateway's 10 MB payload limit (API Gateway's own answer).",
    content: jsonContent({ $ref: ERROR_REF }),
  },
  TooManyRequests: {
    description: 'Throttled by API Gateway: retry later, with backoff.',
    content: jsonContent({ $ref: ERROR_REF }),
  },
  ServerError: {
    description:
      'Something failed on our side (500), or the function did not answer in time (503, 504): safe to retry a read; check before retrying a write.',
    content: jsonContent({ $ref: ERROR_REF }),
  },
});

const METHOD_ORDER: HttpMethod[] = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'];
// OpenAPI component names; zod's own names for unnamed recursive schemas (__schema0) are refused.
const COMPONENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The OpenAPI 3.1 document for `routes`. Throws on a registry mistake, naming the route. */
export function buildOpenApiDocument(routes: readonly RouteSpec[], info: ApiInfo): OpenApiDocument {
  checkRegistry(routes);
  // Two passes: every schema is converted first, so that a named schema whose request (input) and
  // response (output) forms differ can be told apart before any $ref to it is written.
  const schemas = new SchemaSet();
  schemas.add(errorBodySchema, 'output', 'the error body'); // the standard responses refer to it
  for (const route of routes) for (const [schema, io, where] of schemasOf(route)) schemas.add(schema, io, where);
  schemas.nameComponents();

  const paths: Record<string, Record<string, unknown>> = {};
  const sorted = [...routes].sort(
    (a, b) => compare(a.path, b.path) || METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method),
  );
  for (const route of sorted) {
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation(route, schemas);
  }

  return {
    openapi: '3.1.0',
    info: { ...info },
    // Relative: the paths are under whichever API serves this document (GET /openapi.json).
    servers: [{ url: '/', description: 'The API that serves this document.' }],
    paths,
    components: {
      schemas: schemas.components(),
      responses: standardResponseComponents(),
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An access token of the Cognito user pool (not the id token), sent as `Authorization: Bearer <token>`.',
        },
      },
    },
  };
}

function operation(route: RouteSpec, schemas: SchemaSet): Record<string, unknown> {
  const where = `${route.method} ${route.path}`;
  const request = route.request ?? {};
  const parameters = [
    ...parametersOf(request.params, 'path', schemas),
    ...parametersOf(request.query, 'query', schemas),
    ...parametersOf(request.headers, 'header', schemas),
  ];
  const responses: Record<string, unknown> = {};
  const declared: Record<string, ResponseSpec | { $ref: string }> = { ...standardResponses(route), ...route.responses };
  for (const [status, response] of Object.entries(declared)) {
    responses[status] =
      '$ref' in response
        ? response
        : {
            description: response.description,
            ...(response.headers && {
              headers: Object.fromEntries(
                Object.entries(response.headers).map(([name, description]) => [
                  name,
                  { description, schema: { type: 'string' } },
                ]),
              ),
            }),
            ...(response.body && { content: jsonContent(schemas.get(response.body, 'output', `${where} ${status}`)) }),
          };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description && { description: route.description }),
    // Explicit either way: an empty list marks a public operation.
    security: route.auth ? [{ [SECURITY_SCHEME]: [] }] : [],
    ...(parameters.length > 0 && { parameters }),
    // apiRoute answers 400 to a missing body: a declared body is always required.
    ...(request.body && {
      requestBody: { required: true, content: jsonContent(schemas.get(request.body, 'input', `${where} body`)) },
    }),
    responses,
  };
}

/**
 * 400 when anything of the request is validated, 401 behind the authorizer, 404 for a path with
 * parameters, 413 with a body; 429 and 5XX everywhere (API Gateway may answer them on any route).
 */
function standardResponses(route: RouteSpec): Record<string, ResponseSpec | { $ref: string }> {
  const request = route.request ?? {};
  const validated = Boolean(request.params || request.query || request.headers || request.body);
  return {
    ...(validated && { 400: { $ref: '#/components/responses/BadRequest' } }),
    ...(route.auth && { 401: { $ref: '#/components/responses/Unauthorized' } }),
    ...(pathParams(route.path).length > 0 && { 404: { $ref: '#/components/responses/NotFound' } }),
    ...(request.body && { 413: { $ref: '#/components/responses/PayloadTooLarge' } }),
    429: { $ref: '#/components/responses/TooManyRequests' },
    '5XX': { $ref: '#/components/responses/ServerError' },
  };
}

function parametersOf(
  object: z.ZodObject | undefined,
  location: 'path' | 'query' | 'header',
  schemas: SchemaSet,
): unknown[] {
  if (!object) return [];
  // Converted as a whole so that `required` is zod's own view (optional, default, ...).
  const json = schemas.get(object, 'input', location);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, { description, ...schema }]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    ...(typeof description === 'string' && { description }),
    schema,
  }));
}

type Io = 'input' | 'output';

// Request schemas are converted with io 'input' (what a client may send: a field with a default is
// optional) and response bodies with io 'output'.
function* schemasOf(route: RouteSpec): Generator<[z.ZodType, Io, string]> {
  const where = `${route.method} ${route.path}`;
  const { params, query, headers, body } = route.request ?? {};
  if (params) yield [params, 'input', `${where} params`];
  if (query) yield [query, 'input', `${where} query`];
  if (headers) yield [headers, 'input', `${where} headers`];
  if (body) yield [body, 'input', `${where} body`];
  for (const [status, response] of Object.entries(route.responses))
    if (response.body) yield [response.body, 'output', `${where} ${status}`];
}

/**
 * The JSON Schemas of a document. zod puts schemas named with `.meta({ id })` into the `$defs` of
 * each conversion, referenced as `#/$defs/Name`; inside an OpenAPI document such a reference would
 * point at the document's root, so they are hoisted into components.schemas and the references
 * rewritten. A named schema whose input form differs from its output form (a default, a plain
 * z.object's additionalProperties) becomes two components: `Name` and `NameInput`.
 */
class SchemaSet {
  private readonly converted: Record<Io, Map<z.ZodType, JsonSchema>> = { input: new Map(), output: new Map() };
  private readonly defs: Record<Io, Map<string, { schema: JsonSchema; where: string }>> = {
    input: new Map(),
    output: new Map(),
  };
  private readonly names: Record<Io, Map<string, string>> = { input: new Map(), output: new Map() };

  add(schema: z.ZodType, io: Io, where: string): void {
    if (this.converted[io].has(schema)) return;
    let json: JsonSchema;
    try {
      json = z.toJSONSchema(schema, {
        io,
        target: 'draft-2020-12',
        unrepresentable: 'throw',
        cycles: 'ref',
        reused: 'inline',
      }) as JsonSchema;
    } catch (error) {
      throw new Error(`${where}: cannot be described in JSON Schema: ${(error as Error).message}`);
    }
    const { $schema: _dialect, $defs, ...root } = json;
    for (const [name, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
      if (!COMPONENT_NAME.test(name)) {
        throw new Error(
          `${where}: schema name "${name}" is not a valid component name (a recursive schema needs .meta({ id: 'Name' }))`,
        );
      }
      const known = this.defs[io].get(name);
      if (known && !isDeepStrictEqual(known.schema, def)) {
        throw new Error(`${where}: two different schemas are named "${name}" (also used in ${known.where})`);
      }
      this.defs[io].set(name, { schema: def, where });
    }
    this.converted[io].set(schema, root);
  }

  nameComponents(): void {
    for (const [name] of this.defs.output) this.names.output.set(name, name);
    // An input form gets its own component when it differs from the output form, or when it refers
    // to one that does (its JSON is then the same text, but its $refs must point elsewhere).
    const split = new Set<string>();
    for (let changed = true; changed; ) {
      changed = false;
      for (const [name, { schema }] of this.defs.input) {
        const output = this.defs.output.get(name);
        if (!output || split.has(name)) continue;
        if (!isDeepStrictEqual(output.schema, schema) || refsOf(schema).some((ref) => split.has(ref))) {
          split.add(name);
          changed = true;
        }
      }
    }
    for (const [name, { where }] of this.defs.input) {
      const final = split.has(name) ? `${name}Input` : name;
      if (final !== name && (this.defs.output.has(final) || this.defs.input.has(final))) {
        throw new Error(`${where}: "${name}" differs between requests and responses, and "${final}" is already taken`);
      }
      this.names.input.set(name, final);
    }
  }

  /** The schema for use in the document: its named parts replaced by $refs to components. */
  get(schema: z.ZodType, io: Io, where: string): JsonSchema {
    const json = this.converted[io].get(schema);
    if (!json) throw new Error(`${where}: schema was not collected (schemasOf misses it)`);
    return this.rewrite(json, io) as JsonSchema;
  }

  components(): Record<string, JsonSchema> {
    const out: Array<[string, JsonSchema]> = [];
    for (const io of ['output', 'input'] as const) {
      for (const [name, { schema }] of this.defs[io]) {
        const final = this.names[io].get(name)!;
        if (io === 'input' && final === name && this.defs.output.has(name)) continue; // the same as the output form
        out.push([final, this.rewrite(schema, io) as JsonSchema]);
      }
    }
    return Object.fromEntries(out.sort(([a], [b]) => compare(a, b)));
  }

  private rewrite(value: unknown, io: Io): unknown {
    if (Array.isArray(value)) return value.map((v) => this.rewrite(v, io));
    if (!value || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => {
        if (key === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')) {
          return [key, `#/components/schemas/${this.names[io].get(v.slice('#/$defs/'.length))}`];
        }
        return [key, this.rewrite(v, io)];
      }),
    );
  }
}

// Code-unit order, not localeCompare: the document must not depend on the machine's locale.
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Names of the $defs that a converted schema refers to. */
function refsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsOf);
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) =>
    key === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/') ? [v.slice('#/$defs/'.length)] : refsOf(v),
  );
}

function pathParams(path: string): string[] {
  return [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => m[1]!);
}

function checkRegistry(routes: readonly RouteSpec[]): void {
  const operationIds = new Set<string>();
  const routeKeys = new Set<string>();
  for (const route of routes) {
    const where = `${route.method} ${route.path}`;
    if (!route.path.startsWith('/')) throw new Error(`${where}: the path must start with /`);
    if (routeKeys.has(where)) throw new Error(`${where}: listed twice`);
    routeKeys.add(where);
    if (operationIds.has(route.operationId))
      throw new Error(`${where}: operationId ${route.operationId} is already used`);
    operationIds.add(route.operationId);
    const inPath = pathParams(route.path).sort();
    const declared = Object.keys(route.request?.params?.shape ?? {}).sort();
    if (!isDeepStrictEqual(inPath, declared)) {
      throw new Error(
        `${where}: request.params must have exactly the path's parameters [${inPath.join(', ')}], has [${declared.join(', ')}]`,
      );
    }
    if (!Object.keys(route.responses).some((status) => /^2\d\d$/.test(status)))
      throw new Error(`${where}: no 2xx response`);
  }
}
