/** Changing and removing clusters over HTTP: admin only, and a cluster in use is not deleted by accident. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let admin: ApiClient;
let owner: ApiClient;

const CONTROLLER = 'system:serviceaccount:secrets:controller';
const NEW_CONTROLLER = 'system:serviceaccount:secrets:controller-v2';

async function clusterNames(): Promise<string[]> {
  const list = await admin.get('/v1/clusters');
  return (list.body as { items: { name: string }[] }).items.map((c) => c.name);
}

async function vaultRoleStatus(role: string): Promise<number> {
  return (await stack.vaultCall('GET', `auth/approle/role/${role}`)).status;
}

beforeAll(async () => {
  stack = await startStack('clusters');
  admin = await stack.admin();
  owner = await stack.as('bob@example.com', ['team-myapp']);
  for (const name of ['aws.stg', 'aws.prd', 'gcp.dev']) {
    expect((await admin.post('/v1/clusters', { name, controllerSubjects: [CONTROLLER] })).status).toBe(201);
  }
  expect((await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team-myapp'] })).status).toBe(201);
});
afterAll(async () => stack?.close());

describe('creating', () => {
  it('a cluster or an app answers 201 with a Location that reads it back', async () => {
    for (const [path, body] of [
      ['/v1/clusters', { name: 'azure.qa', controllerSubjects: [CONTROLLER] }],
      ['/v1/apps', { name: 'located', ownerGroups: ['team-myapp'] }],
    ] as const) {
      const created = await admin.post(path, body);
      expect(created.status).toBe(201);
      const location = created.headers.get('location');
      expect(location).toBe(`${path}/${body.name}`);
      expect((await admin.get(location as string)).body).toEqual(created.body);
    }
    expect((await admin.delete('/v1/clusters/azure.qa')).status).toBe(204);
  });
});

describe('PATCH /v1/clusters/:cluster', () => {
  it('replaces the controller subjects, and only the listed controller can then mint SecretIDs', async () => {
    expect((await owner.put('/v1/apps/myapp/clusters/gcp.dev/approle')).status).toBe(200);
    const patched = await admin.patch('/v1/clusters/gcp.dev', { controllerSubjects: [NEW_CONTROLLER] });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: 'gcp.dev',
      cloud: 'gcp',
      env: 'dev',
      controllerSubjects: [NEW_CONTROLLER],
    });

    const oldController = await stack.as(CONTROLLER);
    const newController = await stack.as(NEW_CONTROLLER);
    expect((await oldController.post('/v1/apps/myapp/clusters/gcp.dev/secret-id')).status).toBe(403);
    expect((await newController.post('/v1/apps/myapp/clusters/gcp.dev/secret-id')).status).toBe(201);
  });

  it('is refused to anyone but an admin, and changes nothing', async () => {
    const r = await owner.patch('/v1/clusters/aws.stg', { controllerSubjects: ['someone-else'] });
    expect(r.status).toBe(403);
    const list = await admin.get('/v1/clusters');
    const stg = (list.body as { items: { name: string; controllerSubjects: string[] }[] }).items.find(
      (c) => c.name === 'aws.stg',
    );
    expect(stg?.controllerSubjects).toEqual([CONTROLLER]);
  });

  it('answers 400 for a bad body and 404 for an unknown cluster', async () => {
    const empty = await admin.patch('/v1/clusters/aws.stg', { controllerSubjects: [] });
    expect(empty.status).toBe(400);
    const extra = await admin.patch('/v1/clusters/aws.stg', { controllerSubjects: [CONTROLLER], name: 'aws.x' });
    expect(extra.status).toBe(400);
    expect((await admin.patch('/v1/clusters/aws.nope', { controllerSubjects: [CONTROLLER] })).status).toBe(404);
  });
});

describe('DELETE /v1/clusters/:cluster', () => {
  it('removes a cluster no app is ensured in', async () => {
    expect((await admin.delete('/v1/clusters/aws.prd')).status).toBe(204);
    expect(await clusterNames()).not.toContain('aws.prd');
    expect((await admin.delete('/v1/clusters/aws.prd')).status).toBe(404);
  });

  it('refuses (409) a cluster with an ensured AppRole, naming the apps, and leaves Vault alone', async () => {
    expect((await owner.put('/v1/apps/myapp/clusters/aws.stg/approle')).status).toBe(200);
    const r = await admin.delete('/v1/clusters/aws.stg');
    expect(r.status).toBe(409);
    expect((r.body as { detail: string }).detail).toMatch(/myapp.*force=true/);
    expect(await clusterNames()).toContain('aws.stg');
    expect(await vaultRoleStatus('aws.stg.myapp')).toBe(200);
  });

  it('with force=true decommissions the AppRoles there first, and only there', async () => {
    expect((await admin.delete('/v1/clusters/aws.stg?force=true')).status).toBe(204);
    expect(await clusterNames()).not.toContain('aws.stg');
    expect(await vaultRoleStatus('aws.stg.myapp')).toBe(404);
    // The app and its AppRole in another cluster are untouched.
    expect((await admin.get('/v1/apps/myapp')).status).toBe(200);
    expect(await vaultRoleStatus('gcp.dev.myapp')).toBe(200);
  });

  it('lets the cluster be registered again, once the tokens of its deleted AppRoles are dead, and the app ensured anew', async () => {
    const tooSoon = await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: [CONTROLLER] });
    expect(tooSoon.status).toBe(409);
    expect(tooSoon.body.detail).toContain("cluster 'aws.stg' was deleted at");
    expect(tooSoon.headers.get('retry-after')).toMatch(/^\d+$/);
    await stack.tokensOfDeletedNamesExpired();
    expect((await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: [CONTROLLER] })).status).toBe(201);
    const ensured = await owner.put('/v1/apps/myapp/clusters/aws.stg/approle');
    expect(ensured.status).toBe(200);
    expect(ensured.body).toMatchObject({ changed: true });
  });

  it('is refused to anyone but an admin; force must be true or false', async () => {
    expect((await owner.delete('/v1/clusters/gcp.dev?force=true')).status).toBe(403);
    expect((await admin.delete('/v1/clusters/gcp.dev?force=yes')).status).toBe(400);
    expect(await clusterNames()).toContain('gcp.dev');
  });
});
