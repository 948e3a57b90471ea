/** The OpenAPI 3.1 document, generated from the route table; never written by hand. */
import { z } from 'zod';
import { ERROR_TABLE, PROBLEM_CONTENT_TYPE, ZProblem } from './problem.js';
import type { RouteContract } from './route.js';
import { ROUTES } from './routes.js';

export type JsonSchema = Record<string, unknown>;

/** JSON Schema (2020-12, as OpenAPI 3.1 uses) of a zod schema, without `$schema`. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
  });
  return rest as JsonSchema;
}

/** `/v1/apps/:app` -> `/v1/apps/{app}`. */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

function problemResponse(status: number) {
  const titles = Object.values(ERROR_TABLE)
    .filter((e) => e.status === status)
    .map((e) => e.title);
  return { description: titles.join('; '), content: { [PROBLEM_CONTENT_TYPE]: { schema: PROBLEM_REF } } };
}

/** The problem statuses a route may answer with. */
export function errorStatusesOf(r: RouteContract): number[] {
  const statuses = new Set<number>([500]);
  if (r.auth) {
    for (const s of [400, 401, 403, 404, 503]) statuses.add(s);
    if (r.method !== 'GET') statuses.add(409);
    if (r.body) statuses.add(413);
    // A change without preconditions refuses If-Match and If-None-Match with 412 too.
    if (r.method !== 'GET') statuses.add(412);
  }
  return [...statuses].sort((a, b) => a - b);
}

function parameters(r: RouteContract) {
  const out: Record<string, unknown>[] = [];
  for (const [location, schema] of [
    ['path', r.params],
    ['query', r.query],
  ] as const) {
    if (!schema) continue;
    const json = jsonSchemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    const required = new Set(json.required ?? []);
    for (const [name, prop] of Object.entries(json.properties ?? {})) {
      out.push({ name, in: location, required: location === 'path' || required.has(name), schema: prop });
    }
  }
  if (r.preconditions) {
    out.push(
      {
        name: 'If-Match',
        in: 'header',
        required: false,
        description:
          'The ETag of the state this change was made from (or `*`): when the resource no longer has it, the ' +
          'request is refused with 412 and changes nothing. Without it the change is unconditional.',
        schema: { type: 'string' },
      },
      {
        name: 'If-None-Match',
        in: 'header',
        required: false,
        description:
          'ETags (or `*`) the resource must not have: when it has one of them (with `*`: when it exists), the ' +
          'request is refused with 412 and changes nothing.',
        schema: { type: 'string' },
      },
    );
  }
  return out;
}

/** The ETag header of a success answer, for routes that send one. */
const ETAG_HEADER = {
  ETag: {
    description: "The resource's strong entity tag: send it back in If-Match to change only this state.",
    schema: { type: 'string' },
  },
};

function operation(r: RouteContract) {
  const responses: Record<string, unknown> = {};
  const contentType = r.contentType ?? 'application/json';
  for (const [status, schema] of Object.entries(r.responses)) {
    responses[status] =
      schema === null
        ? { description: 'No content' }
        : { description: 'Success', content: { [contentType]: { schema: jsonSchemaOf(schema, 'output') } } };
    if (r.etag) (responses[status] as Record<string, unknown>)['headers'] = ETAG_HEADER;
  }
  for (const status of errorStatusesOf(r)) {
    if (!(String(status) in responses)) responses[String(status)] = problemResponse(status);
  }
  const op: Record<string, unknown> = {
    operationId: r.id,
    summary: r.summary,
    description: `Who may call it: ${r.roles}.`,
    tags: [r.tag],
    security: r.auth ? [{ bearerAuth: [] }] : [],
  };
  const params = parameters(r);
  if (params.length > 0) op['parameters'] = params;
  if (r.body) {
    op['requestBody'] = {
      required: r.bodyRequired ?? true,
      content: { 'application/json': { schema: jsonSchemaOf(r.body, 'input') } },
    };
  }
  op['responses'] = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
  return op;
}

export interface OpenApiOptions {
  version: string;
  serverUrl?: string;
  routes?: readonly RouteContract[];
}

/** Builds the OpenAPI 3.1 document. Same input, same output (paths sorted, methods in a fixed order). */
export function buildOpenApiDocument(opts: OpenApiOptions): Record<string, unknown> {
  const routes = opts.routes ?? ROUTES;
  const methodOrder = ['get', 'put', 'post', 'patch', 'delete'];
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const p = toOpenApiPath(r.path);
    const item = (paths[p] ??= {});
    const m = r.method.toLowerCase();
    if (m in item) throw new Error(`duplicate route ${r.method} ${r.path}`);
    item[m] = operation(r);
  }
  const sortedPaths = Object.fromEntries(
    Object.keys(paths)
      .sort()
      .map((p) => {
        const item = paths[p] ?? {};
        return [p, Object.fromEntries(methodOrder.filter((m) => m in item).map((m) => [m, item[m]]))];
      }),
  );
  const doc: Record<string, unknown> = {
    openapi: '3.1.0',
    info: {
      title: 'Secret API',
      version: opts.version,
      description:
        'Vault secrets for Kubernetes workloads. Errors are application/problem+json (RFC 9457); ' +
        'a validation error lists the offending fields in `errors`.',
    },
  };
  if (opts.serverUrl !== undefined) doc['servers'] = [{ url: opts.serverUrl }];
  doc['paths'] = sortedPaths;
  doc['components'] = {
    schemas: { Problem: jsonSchemaOf(ZProblem, 'output') },
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  };
  doc['security'] = [{ bearerAuth: [] }];
  return doc;
}
