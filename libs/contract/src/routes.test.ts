import { describe, expect, it } from 'vitest';
import { ROUTES, appSecretRoutes, buildPath, routeKey } from './index.js';

/** A literal copy of product.md §4 "Routes", one `METHOD path` per line. */
const SPEC_ROUTES = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /openapi.json',
  'GET /v1/whoami',
  'POST /v1/clusters',
  'GET /v1/clusters',
  'POST /v1/apps',
  'GET /v1/apps',
  'GET /v1/apps/:app',
  'PATCH /v1/apps/:app',
  'DELETE /v1/apps/:app',
  'PUT /v1/apps/:app/clusters/:cluster/approle',
  'GET /v1/apps/:app/clusters/:cluster/approle',
  'GET /v1/apps/:app/clusters/:cluster/approle/plan',
  'POST /v1/apps/:app/clusters/:cluster/secret-id-token',
  'POST /v1/apps/:app/clusters/:cluster/secret-id',
  ...['/v1/apps/:app', '/v1/scopes/global', '/v1/scopes/project/:cloud', '/v1/scopes/cluster/:cluster'].flatMap((p) => [
    `GET ${p}/secrets`,
    `PUT ${p}/secrets/:key`,
    `GET ${p}/secrets/:key`,
    `GET ${p}/secrets/:key/versions`,
    `POST ${p}/secrets/:key/rollback`,
    `DELETE ${p}/secrets/:key`,
  ]),
  'GET /v1/audit',
];

describe('the route table', () => {
  it('holds every route of product.md §4 exactly once, and nothing else', () => {
    const keys = ROUTES.map(routeKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual([...SPEC_ROUTES].sort());
  });

  it('gives every route a unique operation id, a summary and who may call it', () => {
    const ids = ROUTES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of ROUTES) {
      expect(r.summary.length).toBeGreaterThan(0);
      expect(r.roles.length).toBeGreaterThan(0);
      expect(Object.keys(r.responses).length).toBeGreaterThan(0);
    }
  });

  it('declares a params schema naming exactly the path parameters', () => {
    for (const r of ROUTES) {
      const inPath = [...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]).sort();
      const declared = Object.keys(r.params?.shape ?? {}).sort();
      expect(declared, routeKey(r)).toEqual(inPath);
    }
  });

  it('requires a token everywhere except the operational routes', () => {
    const open = ROUTES.filter((r) => !r.auth).map(routeKey);
    expect(open.sort()).toEqual(['GET /healthz', 'GET /metrics', 'GET /openapi.json', 'GET /readyz']);
  });

  it('keeps the shared scopes admin only', () => {
    for (const r of ROUTES.filter((r) => r.path.startsWith('/v1/scopes/'))) {
      expect(r.roles, routeKey(r)).toMatch(/^admin/);
    }
  });
});

describe('buildPath', () => {
  it('fills path parameters, URL-encoded', () => {
    expect(buildPath(appSecretRoutes.get.path, { app: 'myapp', key: 'DB_PASSWORD' })).toBe(
      '/v1/apps/myapp/secrets/DB_PASSWORD',
    );
    expect(buildPath('/v1/apps/:app', { app: '../sys' })).toBe('/v1/apps/..%2Fsys');
    expect(() => buildPath('/v1/apps/:app')).toThrow(/missing path parameter 'app'/);
  });
});
