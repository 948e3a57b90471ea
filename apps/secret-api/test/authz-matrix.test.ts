/**
 * product.md §4 "Roles" as a matrix: every principal against every route, allowed and denied.
 * Denials are 403 problem+json and change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient, ApiReply } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

const PRINCIPALS = {
  admin: { sub: 'alice@example.com', groups: ['platform-admins'] },
  ownerA: { sub: 'bob@example.com', groups: ['team-a'] },
  ownerB: { sub: 'carol@example.com', groups: ['team-b'] },
  deployerA: { sub: 'repo:acme/app-a:ref:refs/heads/main', groups: [] },
  revealerA: { sub: 'dave@example.com', groups: ['revealers-a'] },
  controllerX: { sub: 'system:serviceaccount:secrets:controller-x', groups: [] },
  controllerY: { sub: 'system:serviceaccount:secrets:controller-y', groups: [] },
  nobody: { sub: 'eve@example.com', groups: ['some-other-team'] },
} as const;
type Principal = keyof typeof PRINCIPALS;
const ALL = Object.keys(PRINCIPALS) as Principal[];

let stack: Stack;
const clients = {} as Record<Principal, ApiClient>;
let counter = 0;

beforeAll(async () => {
  stack = await startStack('matrix');
  for (const p of ALL) clients[p] = await stack.as(PRINCIPALS[p].sub, [...PRINCIPALS[p].groups]);
  const admin = clients.admin;
  const ok = (r: ApiReply) => expect(r.status, r.text).toBeLessThan(300);
  ok(await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: [PRINCIPALS.controllerX.sub] }));
  ok(await admin.post('/v1/clusters', { name: 'gcp.prd', controllerSubjects: [PRINCIPALS.controllerY.sub] }));
  ok(
    await admin.post('/v1/apps', {
      name: 'app-a',
      ownerGroups: ['team-a'],
      deployers: ['repo:acme/app-a:*'],
      revealGroups: ['revealers-a'],
    }),
  );
  ok(await admin.post('/v1/apps', { name: 'app-b', ownerGroups: ['team-b'] }));
  ok(await admin.put('/v1/apps/app-a/clusters/aws.stg/approle'));
  ok(await admin.put('/v1/apps/app-a/clusters/gcp.prd/approle'));
  ok(await admin.put('/v1/apps/app-b/clusters/aws.stg/approle'));
});
afterAll(async () => stack?.close());

interface Row {
  name: string;
  allowed: readonly Principal[];
  call(c: ApiClient): Promise<ApiReply>;
  /** The success status. */
  status: number;
}

const ENSURERS: Principal[] = ['admin', 'ownerA', 'deployerA'];

const ROWS: Row[] = [
  { name: 'GET /v1/whoami', allowed: ALL, status: 200, call: (c) => c.get('/v1/whoami') },
  {
    name: 'POST /v1/clusters',
    allowed: ['admin'],
    status: 201,
    call: (c) => c.post('/v1/clusters', { name: `aws.m${++counter}`, controllerSubjects: ['x'] }),
  },
  { name: 'GET /v1/clusters', allowed: ALL, status: 200, call: (c) => c.get('/v1/clusters') },
  {
    name: 'POST /v1/apps',
    allowed: ['admin'],
    status: 201,
    call: (c) => c.post('/v1/apps', { name: `made-${++counter}`, ownerGroups: ['team-a'] }),
  },
  { name: 'GET /v1/apps', allowed: ALL, status: 200, call: (c) => c.get('/v1/apps') },
  { name: 'GET /v1/apps/:app', allowed: ALL, status: 200, call: (c) => c.get('/v1/apps/app-a') },
  {
    name: 'PATCH /v1/apps/:app',
    allowed: ['admin'],
    status: 200,
    call: (c) => c.patch('/v1/apps/app-a', { revealGroups: ['revealers-a'] }),
  },
  {
    name: 'DELETE /v1/apps/:app',
    allowed: ['admin'],
    status: 204,
    call: async (c) => {
      const name = `doomed-${++counter}`;
      expect((await clients.admin.post('/v1/apps', { name, ownerGroups: ['team-a'] })).status).toBe(201);
      return c.delete(`/v1/apps/${name}`);
    },
  },
  {
    name: 'PUT approle',
    allowed: ENSURERS,
    status: 200,
    call: (c) => c.put('/v1/apps/app-a/clusters/aws.stg/approle'),
  },
  {
    name: 'GET approle',
    allowed: ENSURERS,
    status: 200,
    call: (c) => c.get('/v1/apps/app-a/clusters/aws.stg/approle'),
  },
  {
    name: 'GET approle/plan',
    allowed: ENSURERS,
    status: 200,
    call: (c) => c.get('/v1/apps/app-a/clusters/aws.stg/approle/plan'),
  },
  {
    name: 'POST secret-id-token (cluster X)',
    allowed: ['controllerX'],
    status: 201,
    call: (c) => c.post('/v1/apps/app-a/clusters/aws.stg/secret-id-token'),
  },
  {
    name: 'POST secret-id (cluster X)',
    allowed: ['controllerX'],
    status: 201,
    call: (c) => c.post('/v1/apps/app-a/clusters/aws.stg/secret-id', {}),
  },
  {
    name: 'POST secret-id (cluster Y)',
    allowed: ['controllerY'],
    status: 201,
    call: (c) => c.post('/v1/apps/app-a/clusters/gcp.prd/secret-id'),
  },
  {
    name: 'PUT approle of app B',
    allowed: ['admin', 'ownerB'],
    status: 200,
    call: (c) => c.put('/v1/apps/app-b/clusters/aws.stg/approle'),
  },
  {
    name: 'GET approle of app B',
    allowed: ['admin', 'ownerB'],
    status: 200,
    call: (c) => c.get('/v1/apps/app-b/clusters/aws.stg/approle'),
  },
];

const CASES = ROWS.flatMap((row) => ALL.map((p) => ({ row, principal: p, allowed: row.allowed.includes(p) })));

describe('authorization matrix', () => {
  it.each(CASES)('$row.name as $principal: allowed=$allowed', async ({ row, principal, allowed }) => {
    const reply = await row.call(clients[principal]);
    if (allowed) {
      expect(reply.status, reply.text).toBe(row.status);
    } else {
      expect(reply.status, reply.text).toBe(403);
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(reply.body).toMatchObject({ status: 403, type: 'urn:secret-api:problem:forbidden' });
    }
  });

  it('a denied PATCH or DELETE changes nothing', async () => {
    expect((await clients.ownerA.delete('/v1/apps/app-a')).status).toBe(403);
    expect((await clients.ownerA.patch('/v1/apps/app-a', { ownerGroups: ['mine'] })).status).toBe(403);
    const app = await clients.nobody.get('/v1/apps/app-a');
    expect(app.body.ownerGroups).toEqual(['team-a']);
  });

  it('a deployer pattern matches whole subjects only', async () => {
    const lookalike = await stack.as('repo:acme/app-a-evil:ref:refs/heads/main');
    expect((await lookalike.get('/v1/apps/app-a/clusters/aws.stg/approle')).status).toBe(403);
    const prefixed = await stack.as('x-repo:acme/app-a:ref:refs/heads/main');
    expect((await prefixed.get('/v1/apps/app-a/clusters/aws.stg/approle')).status).toBe(403);
  });

  it('whoami tells the caller who they are and whether they are an admin', async () => {
    expect((await clients.admin.get('/v1/whoami')).body).toEqual({
      subject: PRINCIPALS.admin.sub,
      issuer: stack.issuer.issuer,
      principal: PRINCIPALS.admin.sub,
      groups: ['platform-admins'],
      admin: true,
    });
    expect((await clients.ownerA.get('/v1/whoami')).body.admin).toBe(false);
  });

  it('existence comes before authorization: an unknown app is 404 even for a caller who could never touch it', async () => {
    const r = await clients.nobody.put('/v1/apps/no-such-app/clusters/aws.stg/approle');
    expect(r.status).toBe(404);
    expect((await clients.nobody.post('/v1/apps/app-a/clusters/no.such/secret-id')).status).toBe(404);
  });
});
