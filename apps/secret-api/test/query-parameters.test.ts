/**
 * Query parameters and bodies are part of every route's contract: a route refuses a parameter it does not define,
 * or a body when it takes none (400, nothing changed), rather than ignoring it; and the lists of product.md §4 are
 * `{items, nextCursor?}` pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../src/app.js';
import type { ApiClient } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let admin: ApiClient;

const PARAMS: Record<string, string> = { app: 'myapp', cluster: 'aws.stg', key: 'K', cloud: 'aws' };

beforeAll(async () => {
  stack = await startStack('query_parameters');
  admin = await stack.admin();
  expect((await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: ['ctl'] })).status).toBe(201);
  expect((await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] })).status).toBe(201);
  expect((await admin.put('/v1/apps/myapp/secrets/K', { value: 'v' })).status).toBe(200);
});
afterAll(async () => stack?.close());

describe('an unknown query parameter', () => {
  const routes = OPERATIONS.map((op) => op.route).filter((r) => r.auth);

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s refuses it with 400', async (_name, route) => {
    const path = route.path.replace(/:(\w+)/g, (_m, name: string) => PARAMS[name] ?? name);
    const reply = await admin.call(route.method, `${path}?force=yes`, route.method === 'GET' ? {} : { body: {} });
    expect(reply.status, reply.text).toBe(400);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.errors).toContainEqual(expect.objectContaining({ path: '/query/force' }));
  });

  it('changed nothing: the app, its secret and the cluster are all still there', async () => {
    expect((await admin.get('/v1/apps/myapp')).status).toBe(200);
    expect((await admin.get('/v1/apps/myapp/secrets/K')).status).toBe(200);
    expect((await admin.get('/v1/clusters/aws.stg')).status).toBe(200);
  });
});

describe('a body sent to a route that takes none', () => {
  const routes = OPERATIONS.map((op) => op.route).filter((r) => r.auth && !r.body && r.method !== 'GET');

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s refuses it with 400', async (_name, route) => {
    const path = route.path.replace(/:(\w+)/g, (_m, name: string) => PARAMS[name] ?? name);
    for (const opts of [{ body: { x: 1 } }, { rawBody: 'garbage', headers: { 'Content-Type': 'application/json' } }]) {
      const reply = await admin.call(route.method, path, opts);
      expect(reply.status, reply.text).toBe(400);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
    }
    // The member is named, so a caller who meant a parameter learns this route has none.
    expect((await admin.call(route.method, path, { body: { ttl: '1h' } })).body.detail).toContain(
      'no body parameter "ttl"',
    );
  });

  it('changed nothing, and an empty object (what some clients always send) is no body', async () => {
    expect((await admin.get('/v1/apps/myapp')).status).toBe(200);
    expect((await admin.get('/v1/apps/myapp/secrets/K')).status).toBe(200);
    expect((await admin.get('/v1/clusters/aws.stg')).status).toBe(200);
    const ensured = await admin.put('/v1/apps/myapp/clusters/aws.stg/approle', {});
    expect(ensured.status, ensured.text).toBe(200);
  });
});

describe('secret lists are pages', () => {
  it('limit and cursor walk every key once, in order; a malformed cursor is a 400', async () => {
    const keys = ['A1', 'B2', 'C3', 'D4', 'E5'];
    for (const key of keys)
      expect((await admin.put(`/v1/scopes/global/secrets/${key}`, { value: key })).status).toBe(200);
    expect((await admin.delete('/v1/scopes/global/secrets/C3')).status).toBe(204);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const reply = await admin.get(`/v1/scopes/global/secrets?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...reply.body.items.map((i: { key: string }) => i.key));
      cursor = reply.body.nextCursor;
      pages++;
    } while (cursor !== undefined && pages < 10);
    expect(seen).toEqual(['A1', 'B2', 'D4', 'E5']); // the deleted key is not listed
    expect(pages).toBe(3);

    const all = await admin.get('/v1/scopes/global/secrets');
    expect(all.body.items.map((i: { key: string }) => i.key)).toEqual(seen);
    expect(all.body.nextCursor).toBeUndefined();
    for (const bad of ['%00', 'not*base64', Buffer.from('../x').toString('base64url')]) {
      const reply = await admin.get(`/v1/scopes/global/secrets?cursor=${bad}`);
      expect(reply.status, bad).toBe(400);
      expect(reply.body.errors).toContainEqual(expect.objectContaining({ path: '/query/cursor' }));
    }
    expect((await admin.get('/v1/scopes/global/secrets?limit=0')).status).toBe(400);
  });
});
