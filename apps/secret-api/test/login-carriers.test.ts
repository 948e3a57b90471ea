/**
 * "Neither carrier alone can log in" (product.md §1) through HTTP: one identity never gets both an app's RoleID and a
 * SecretID, whatever lists made it both, and the lists that would make it both are refused as they are written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient, ApiReply } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let admin: ApiClient;
const CONTROLLER = 'k8s:aws.stg:system:serviceaccount:secrets:controller';

function expectSeparation(reply: ApiReply, status: number): void {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.body.detail).toContain('separation of duties');
}

beforeAll(async () => {
  stack = await startStack('login_carriers');
  admin = await stack.admin();
  expect((await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: [CONTROLLER] })).status).toBe(201);
  expect((await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] })).status).toBe(201);
  expect((await admin.put('/v1/apps/myapp/clusters/aws.stg/approle')).status).toBe(200);
});
afterAll(async () => stack?.close());

describe('deployer patterns that match a controller are refused as they are written (409)', () => {
  it.each([['*'], ['k8s:*'], ['k8s:aws.stg:system:serviceaccount:secrets:*']])(
    "an app created with '%s', and nothing is created",
    async (pattern) => {
      const reply = await admin.post('/v1/apps', { name: 'greedy', ownerGroups: ['team'], deployers: [pattern] });
      expectSeparation(reply, 409);
      expect(reply.body.detail).toContain(`'${CONTROLLER}', a controller of cluster 'aws.stg'`);
      expect((await admin.get('/v1/apps/greedy')).status).toBe(404);
    },
  );

  it('an app patched to such a pattern, and its lists stay', async () => {
    expectSeparation(await admin.patch('/v1/apps/myapp', { deployers: ['repo:x:*', 'k8s:*'] }), 409);
    expect((await admin.get('/v1/apps/myapp')).body.deployers).toEqual([]);
    expect((await admin.patch('/v1/apps/myapp', { deployers: ['repo:acme/myapp:*'] })).status).toBe(200);
  });

  it('a cluster created or patched with a controller an app deploys as, and nothing changes', async () => {
    const subject = 'repo:acme/myapp:ref:refs/heads/main';
    const created = await admin.post('/v1/clusters', { name: 'gcp.prd', controllerSubjects: [subject] });
    expectSeparation(created, 409);
    expect(created.body.detail).toContain("deployer pattern 'repo:acme/myapp:*' of app 'myapp'");
    expect((await admin.get('/v1/clusters/gcp.prd')).status).toBe(404);
    expectSeparation(await admin.patch('/v1/clusters/aws.stg', { controllerSubjects: [CONTROLLER, subject] }), 409);
    expect((await admin.get('/v1/clusters/aws.stg')).body.controllerSubjects).toEqual([CONTROLLER]);
  });
});

describe('an identity that is both anyway gets neither half', () => {
  it('a controller in an owner group (lists no check can see) gets no SecretID and no RoleID', async () => {
    expect((await admin.post('/v1/apps', { name: 'owned', ownerGroups: ['ctl-group'] })).status).toBe(201);
    expect((await admin.put('/v1/apps/owned/clusters/aws.stg/approle')).status).toBe(200);
    const both = await stack.as(CONTROLLER, ['ctl-group']);
    expectSeparation(await both.post('/v1/apps/owned/clusters/aws.stg/secret-id', {}), 403);
    expectSeparation(await both.post('/v1/apps/owned/clusters/aws.stg/secret-id-token'), 403);
    expectSeparation(await both.get('/v1/apps/owned/clusters/aws.stg/approle'), 403);
    expectSeparation(await both.put('/v1/apps/owned/clusters/aws.stg/approle'), 403);
    // Each half still reaches its own carrier.
    const controller = await stack.as(CONTROLLER);
    expect((await controller.post('/v1/apps/owned/clusters/aws.stg/secret-id', {})).status).toBe(201);
    const owner = await stack.as('olga@example.com', ['ctl-group']);
    expect((await owner.get('/v1/apps/owned/clusters/aws.stg/approle')).status).toBe(200);
  });

  it('the refusals are audit events of result denied', async () => {
    const events = (await admin.get('/v1/audit?app=owned')).body.items as Record<string, unknown>[];
    expect(events).toContainEqual(expect.objectContaining({ actor: CONTROLLER, result: 'denied' }));
  });
});
