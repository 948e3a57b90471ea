/**
 * The request path caches app/cluster rows, RoleIDs, secret history pages and verified tokens. These
 * tests run three API processes on one database and one Vault and check what a cache must never
 * cost: a change made through one replica reaches the others, a change made in Vault by hand is
 * noticed within the stated bound, and every request still gets its own authorisation decision and
 * audit event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/env.js';
import { createLogger } from '../src/observability/logger.js';
import { startSecretApi, type RunningSecretApi } from '../src/server.js';
import { ApiClient } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

const ROLE = '/v1/apps/myapp/clusters/aws.stg/approle';
/** The RoleID bound replica C runs with: a role changed in Vault is noticed within it. */
const ROLE_ID_TTL_MS = 300;
/** The history bound replica C runs with: a version written to Vault by hand is listed within it. */
const HISTORY_TTL_MS = 300;
const HISTORY = '/v1/apps/myapp/secrets/DB_PASSWORD/versions';

let stack: Stack;
/** Replica B: caches that only an invalidation can clear within a test's lifetime. */
let replicaB: RunningSecretApi;
/** Replica C: no invalidation needed; its RoleIDs expire after ROLE_ID_TTL_MS. */
let replicaC: RunningSecretApi;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks until `done` holds; the bound is only a test's patience, not an expectation about speed. */
async function eventually<T>(ask: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await ask();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(25);
  }
}

async function on(api: RunningSecretApi, subject: string, groups: string[]): Promise<ApiClient> {
  return new ApiClient(api.url, await stack.issuer.sign({ sub: subject, groups }));
}

beforeAll(async () => {
  stack = await startStack('hot_path_caches');
  const parsed = parseConfig(stack.env);
  // No clock-skew leeway: a token is then refused the moment its exp passes, cached or not.
  const config = { ...parsed, auth: { ...parsed.auth, clockSkewSeconds: 0 } };
  const quiet = { logger: createLogger('silent'), defaultMetrics: false };
  const forever = { targetTtlMs: 600_000, roleIdTtlMs: 600_000, historyTtlMs: 600_000 };
  replicaB = await startSecretApi(config, { ...quiet, caches: forever });
  replicaC = await startSecretApi(config, {
    ...quiet,
    caches: { roleIdTtlMs: ROLE_ID_TTL_MS, historyTtlMs: HISTORY_TTL_MS },
  });
  const admin = await stack.admin();
  expect(
    (await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: ['system:serviceaccount:x:y'] })).status,
  ).toBe(201);
  expect((await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team-myapp'] })).status).toBe(201);
  expect((await admin.put(ROLE)).status).toBe(200);
});
afterAll(async () => {
  await replicaB?.close();
  await replicaC?.close();
  await stack?.close();
});

describe('a change made through one replica', () => {
  it('takes an owner’s access away on the other replica too, although its cached rows would live for minutes', async () => {
    const ownerOnB = await on(replicaB, 'bob@example.com', ['team-myapp']);
    expect((await ownerOnB.get(ROLE)).status).toBe(200);

    const admin = await stack.admin();
    expect((await admin.patch('/v1/apps/myapp', { ownerGroups: ['team-new'] })).status).toBe(200);

    const after = await eventually(
      () => ownerOnB.get(ROLE),
      (r) => r.status === 403,
    );
    expect(after.status).toBe(403);
    const newOwnerOnB = await on(replicaB, 'carol@example.com', ['team-new']);
    expect((await newOwnerOnB.get(ROLE)).status).toBe(200);
    expect((await admin.patch('/v1/apps/myapp', { ownerGroups: ['team-myapp'] })).status).toBe(200);
  });

  it('makes a deleted app a 404 on the other replica', async () => {
    const admin = await stack.admin();
    expect((await admin.post('/v1/apps', { name: 'shortlived', ownerGroups: ['team-x'] })).status).toBe(201);
    const adminOnB = await on(replicaB, 'alice@example.com', ['platform-admins']);
    expect((await adminOnB.get('/v1/apps/shortlived')).status).toBe(200);
    expect((await admin.delete('/v1/apps/shortlived')).status).toBe(204);
    const after = await eventually(
      () => adminOnB.get('/v1/apps/shortlived/secrets'),
      (r) => r.status === 404,
    );
    expect(after.status).toBe(404);
  });
});

describe('RoleID reads served from the cache', () => {
  it('still decide authorisation per caller and record an audit event for every read', async () => {
    const owner = await on(replicaB, 'bob@example.com', ['team-myapp']);
    const stranger = await on(replicaB, 'eve@example.com', ['team-other']);
    const before = await replicaB.context.prisma.auditEvent.count({ where: { action: 'approle.read' } });
    for (let i = 0; i < 5; i++) expect((await owner.get(ROLE)).status).toBe(200);
    expect((await stranger.get(ROLE)).status).toBe(403);
    expect((await stranger.get(ROLE)).status).toBe(403);
    await replicaB.context.audit.flush();
    const reads = await replicaB.context.prisma.auditEvent.findMany({
      where: { action: 'approle.read' },
      orderBy: { time: 'asc' },
      skip: before,
    });
    expect(reads.filter((e) => e.result === 'success' && e.actor.endsWith('bob@example.com'))).toHaveLength(5);
    expect(reads.filter((e) => e.result === 'denied' && e.actor.endsWith('eve@example.com'))).toHaveLength(2);
  });

  it('notice a role deleted and re-created in Vault by hand within the stated bound', async () => {
    const owner = await on(replicaC, 'bob@example.com', ['team-myapp']);
    const first = await owner.get(ROLE);
    expect(first.status).toBe(200);

    expect((await stack.vaultCall('DELETE', 'auth/approle/role/aws.stg.myapp')).status).toBe(204);
    await sleep(ROLE_ID_TTL_MS + 50);
    expect((await owner.get(ROLE)).status).toBe(404);

    // Re-created by hand, outside the API: a new RoleID, which no replica was told about.
    expect(
      (await stack.vaultCall('POST', 'auth/approle/role/aws.stg.myapp', { token_policies: ['default'] })).status,
    ).toBe(204);
    const recreated = (await stack.vaultCall('GET', 'auth/approle/role/aws.stg.myapp/role-id')).body.data.role_id;
    expect(recreated).not.toBe(first.body.roleId);
    await sleep(ROLE_ID_TTL_MS + 50);
    expect((await owner.get(ROLE)).body.roleId).toBe(recreated);
  });

  it('after an ensure through another replica, answer the ensured RoleID on every replica', async () => {
    await stack.vaultCall('DELETE', 'auth/approle/role/aws.stg.myapp');
    const ownerOnB = await on(replicaB, 'bob@example.com', ['team-myapp']);
    const ensured = await (await stack.admin()).put(ROLE);
    expect(ensured.status).toBe(200);
    const seen = await eventually(
      () => ownerOnB.get(ROLE),
      (r) => r.body?.roleId === ensured.body.roleId,
    );
    expect(seen.body.roleId).toBe(ensured.body.roleId);
  });
});

describe('secret history pages served from the cache', () => {
  const versionsOf = (r: { body: { items: { version: number }[] } }) => r.body.items.map((i) => i.version);

  it('list a version set, rolled back or deleted through another replica, although they would live for minutes', async () => {
    const owner = await stack.as('bob@example.com', ['team-myapp']);
    const ownerOnB = await on(replicaB, 'bob@example.com', ['team-myapp']);
    expect((await owner.put('/v1/apps/myapp/secrets/DB_PASSWORD', { value: 'first' })).status).toBe(200);
    expect(versionsOf(await ownerOnB.get(HISTORY))).toEqual([1]);
    expect(versionsOf(await ownerOnB.get(`${HISTORY}?limit=1`))).toEqual([1]);

    expect((await owner.put('/v1/apps/myapp/secrets/DB_PASSWORD', { value: 'second' })).status).toBe(200);
    const afterSet = await eventually(
      () => ownerOnB.get(HISTORY),
      (r) => r.body.items.length === 2,
    );
    expect(versionsOf(afterSet)).toEqual([2, 1]);
    // Every page of the key went, not only the one read last.
    expect(versionsOf(await ownerOnB.get(`${HISTORY}?limit=1`))).toEqual([2]);

    expect((await owner.post('/v1/apps/myapp/secrets/DB_PASSWORD/rollback', { version: 1 })).status).toBe(200);
    const afterRollback = await eventually(
      () => ownerOnB.get(HISTORY),
      (r) => r.body.items.length === 3,
    );
    expect(versionsOf(afterRollback)).toEqual([3, 2, 1]);

    expect((await owner.delete('/v1/apps/myapp/secrets/DB_PASSWORD')).status).toBe(204);
    const afterDelete = await eventually(
      () => ownerOnB.get(HISTORY),
      (r) => r.body.items[0]?.deleted === true,
    );
    expect(afterDelete.body.items.map((i: { deleted: boolean }) => i.deleted)).toEqual([true, true, true]);
  });

  it('list at once what the replica itself changed', async () => {
    const ownerOnB = await on(replicaB, 'bob@example.com', ['team-myapp']);
    const path = '/v1/apps/myapp/secrets/OWN_CHANGE';
    expect((await ownerOnB.put(path, { value: 'a' })).status).toBe(200);
    expect(versionsOf(await ownerOnB.get(`${path}/versions`))).toEqual([1]);
    expect((await ownerOnB.put(path, { value: 'b' })).status).toBe(200);
    expect(versionsOf(await ownerOnB.get(`${path}/versions`))).toEqual([2, 1]);
  });

  it('list a version written to Vault by hand within the stated bound, told to no replica', async () => {
    const ownerOnC = await on(replicaC, 'bob@example.com', ['team-myapp']);
    const path = '/v1/apps/myapp/secrets/BY_HAND';
    expect((await ownerOnC.put(path, { value: 'a' })).status).toBe(200);
    expect(versionsOf(await ownerOnC.get(`${path}/versions`))).toEqual([1]);
    expect((await stack.vaultCall('POST', 'secret/data/myapp/BY_HAND', { data: { value: 'b' } })).status).toBe(200);
    await sleep(HISTORY_TTL_MS + 50);
    const seen = await ownerOnC.get(`${path}/versions`);
    expect(versionsOf(seen)).toEqual([2, 1]);
    expect(seen.body.items[0].actor).toBe('system');
  });

  it('still decide authorisation per caller and answer a key that does not exist yet once it does', async () => {
    const ownerOnB = await on(replicaB, 'bob@example.com', ['team-myapp']);
    const stranger = await on(replicaB, 'eve@example.com', ['team-other']);
    const path = '/v1/apps/myapp/secrets/LATER';
    expect((await ownerOnB.get(`${path}/versions`)).status).toBe(404);
    const owner = await stack.as('bob@example.com', ['team-myapp']);
    expect((await owner.put(path, { value: 'a' })).status).toBe(200);
    expect(versionsOf(await ownerOnB.get(`${path}/versions`))).toEqual([1]);
    expect((await stranger.get(`${path}/versions`)).status).toBe(403);
  });
});

describe('a verified token reused on every request', () => {
  it('is refused once it expires, though it was accepted moments before', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await stack.issuer.sign({ sub: 'bob@example.com', groups: ['team-myapp'] }, { expiresAt: exp });
    const owner = new ApiClient(replicaB.url, token);
    expect((await owner.get(ROLE)).status).toBe(200);
    expect((await owner.get(ROLE)).status).toBe(200);
    await sleep(exp * 1000 - Date.now() + 50);
    const expired = await owner.get(ROLE);
    expect(expired.status).toBe(401);
    expect(expired.body.detail).toContain('expired');
  });
});
