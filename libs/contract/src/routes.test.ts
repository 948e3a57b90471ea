import { describe, expect, it } from 'vitest';
import {
  ROUTES,
  UnsafePathSegmentError,
  appSecretRoutes,
  buildPath,
  routeKey,
  unsafePathSegmentReason,
} from './index.js';

/** A literal copy of product.md §4 "Routes", one `METHOD path` per line. */
const SPEC_ROUTES = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /openapi.json',
  'GET /v1/whoami',
  'POST /v1/clusters',
  'GET /v1/clusters',
  // The read a conditional PATCH or DELETE of a cluster takes its ETag from, as GET /v1/apps/:app is for an app.
  'GET /v1/clusters/:cluster',
  'PATCH /v1/clusters/:cluster',
  'DELETE /v1/clusters/:cluster',
  'POST /v1/apps',
  'GET /v1/apps',
  'GET /v1/apps/:app',
  'PATCH /v1/apps/:app',
  'DELETE /v1/apps/:app',
  'PUT /v1/apps/:app/clusters/:cluster/approle',
  'GET /v1/apps/:app/clusters/:cluster/approle',
  'GET /v1/apps/:app/clusters/:cluster/approle/plan',
  // issue 11 §2: dynamic-credential profiles of an app
  'PUT /v1/apps/:app/dynamic',
  'GET /v1/apps/:app/dynamic',
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
  // issue 13 §3: what the secret-controller polls for restart-on-change
  'GET /v1/clusters/:cluster/changes',
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
    expect(buildPath('/v1/apps/:app', { app: 'a b?#' })).toBe('/v1/apps/a%20b%3F%23');
    expect(() => buildPath('/v1/apps/:app')).toThrow(/missing path parameter 'app'/);
  });

  // Each of these, sent as-is, makes the WHATWG URL parser (or a server decoding once more) drop or split the
  // segment: DELETE .../secrets/.. would reach DELETE /v1/apps/:app.
  const HOSTILE = [
    '',
    '.',
    '..',
    '%2e',
    '%2E',
    '.%2e',
    '%2e.',
    '%2E%2e',
    '%252e%252e',
    '../sys',
    'a/b',
    '%2F',
    'a\\b',
    '%5C',
    'tab\there',
    'nl\n',
    '%00',
  ];
  it.each(HOSTILE)('refuses the segment %j before any URL exists', (value) => {
    expect(() => buildPath(appSecretRoutes.delete.path, { app: 'throwaway', key: value })).toThrow(
      UnsafePathSegmentError,
    );
    expect(unsafePathSegmentReason(value)).toBeDefined();
  });

  it.each(['myapp', 'aws.stg', 'DB_PASSWORD', '...', 'a.b', '%zz', '100%'])(
    'accepts the ordinary segment %j',
    (value) => {
      expect(unsafePathSegmentReason(value)).toBeUndefined();
      expect(new URL(`http://h${buildPath('/v1/apps/:app/x', { app: value })}`).pathname).toBe(
        `/v1/apps/${encodeURIComponent(value)}/x`,
      );
    },
  );
});
