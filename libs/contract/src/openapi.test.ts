import { describe, expect, it } from 'vitest';
import {
  ROUTES,
  ZApp,
  ZCreateAppBody,
  ZSecretIdBody,
  ZSetSecretBody,
  buildOpenApiDocument,
  jsonSchemaOf,
  toOpenApiPath,
} from './index.js';

type Doc = {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
};

const build = () => buildOpenApiDocument({ version: '1.2.3', serverUrl: 'https://api.example' }) as unknown as Doc;

function op(doc: Doc, method: string, path: string): Record<string, unknown> {
  const o = doc.paths[path]?.[method];
  if (!o) throw new Error(`no ${method} ${path}`);
  return o;
}

describe('the OpenAPI document', () => {
  it('is JSON and deterministic', () => {
    const a = JSON.stringify(build());
    expect(JSON.parse(a)).toEqual(build());
    expect(JSON.stringify(build())).toBe(a);
    expect(a).not.toContain('"$schema"');
  });

  it('is OpenAPI 3.1 with a bearer JWT scheme and the server URL', () => {
    const doc = build();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: 'https://api.example' }]);
    expect(doc.components.securitySchemes['bearerAuth']).toEqual({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    expect(buildOpenApiDocument({ version: '1' })).not.toHaveProperty('servers');
  });

  it('references every route once, by operation id', () => {
    const doc = build();
    const ops = Object.entries(doc.paths).flatMap(([p, item]) =>
      Object.entries(item).map(([m, o]) => `${m.toUpperCase()} ${p} ${String(o['operationId'])}`),
    );
    expect(ops.sort()).toEqual(ROUTES.map((r) => `${r.method} ${toOpenApiPath(r.path)} ${r.id}`).sort());
  });

  it('declares path and query parameters', () => {
    const get = op(build(), 'get', '/v1/apps/{app}/secrets/{key}');
    const params = get['parameters'] as { name: string; in: string; required: boolean }[];
    expect(params.map((p) => [p.name, p.in, p.required])).toEqual([
      ['app', 'path', true],
      ['key', 'path', true],
      ['reveal', 'query', false],
      ['version', 'query', false],
    ]);
  });

  it('gives authenticated routes problem+json errors, and the public ones no security', () => {
    const doc = build();
    const put = op(doc, 'put', '/v1/apps/{app}/secrets/{key}');
    const responses = put['responses'] as Record<string, { content?: Record<string, unknown> }>;
    for (const s of ['400', '401', '403', '404', '409', '413', '503']) {
      expect(responses[s]?.content?.['application/problem+json']).toEqual({
        schema: { $ref: '#/components/schemas/Problem' },
      });
    }
    expect(put['security']).toEqual([{ bearerAuth: [] }]);
    expect(op(doc, 'get', '/healthz')['security']).toEqual([]);
    expect(doc.components.schemas['Problem']).toMatchObject({ type: 'object' });
  });

  it('declares the ETag of the routes that answer one, and If-Match and 412 where a change may be conditional', () => {
    const doc = build();
    const etagOf = (o: Record<string, unknown>) =>
      (o['responses'] as Record<string, { headers?: Record<string, unknown> }>)['200']?.headers?.['ETag'];
    const ifMatchOf = (o: Record<string, unknown>) =>
      (o['parameters'] as { name: string; in: string; required: boolean }[]).find((p) => p.name === 'If-Match');
    for (const path of ['/v1/apps/{app}', '/v1/clusters/{cluster}']) {
      const patch = op(doc, 'patch', path);
      expect(etagOf(patch)).toMatchObject({ schema: { type: 'string' } });
      expect(ifMatchOf(patch)).toMatchObject({ in: 'header', required: false });
      expect(patch['responses']).toHaveProperty('412');
    }
    const get = op(doc, 'get', '/v1/apps/{app}');
    expect(etagOf(get)).toBeDefined();
    expect(ifMatchOf(get)).toBeUndefined();
    expect(get['responses']).not.toHaveProperty('412');
    for (const path of ['/v1/apps/{app}', '/v1/clusters/{cluster}']) {
      const del = op(doc, 'delete', path);
      expect(ifMatchOf(del)).toMatchObject({ in: 'header', required: false });
      expect(del['responses']).toHaveProperty('412');
    }
    // A change with no entity tag takes no If-Match, and refuses one with 412.
    const set = op(doc, 'put', '/v1/apps/{app}/secrets/{key}');
    expect(etagOf(set)).toBeUndefined();
    expect(ifMatchOf(set)).toBeUndefined();
    expect(set['responses']).toHaveProperty('412');
  });

  it('uses the zod schemas for bodies and responses', () => {
    const doc = build();
    const body = (o: Record<string, unknown>) =>
      (o['requestBody'] as { content: Record<string, { schema: unknown }> }).content['application/json']?.schema;
    const resp = (o: Record<string, unknown>, s: string) =>
      (o['responses'] as Record<string, { content: Record<string, { schema: unknown }> }>)[s]?.content[
        'application/json'
      ]?.schema;
    const createApp = op(doc, 'post', '/v1/apps');
    expect(body(createApp)).toEqual(jsonSchemaOf(ZCreateAppBody, 'input'));
    expect(resp(createApp, '201')).toEqual(jsonSchemaOf(ZApp, 'output'));
    expect(body(op(doc, 'put', '/v1/scopes/global/secrets/{key}'))).toEqual(jsonSchemaOf(ZSetSecretBody, 'input'));
    const secretId = op(doc, 'post', '/v1/apps/{app}/clusters/{cluster}/secret-id');
    expect(body(secretId)).toEqual(jsonSchemaOf(ZSecretIdBody, 'input'));
    expect((secretId['requestBody'] as { required: boolean }).required).toBe(false);
    expect(jsonSchemaOf(ZCreateAppBody, 'input')).toMatchObject({
      additionalProperties: false,
      required: ['name', 'ownerGroups'],
    });
    expect(op(doc, 'delete', '/v1/apps/{app}')['responses']).toHaveProperty('204', { description: 'No content' });
  });
});
