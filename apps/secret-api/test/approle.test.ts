/** Ensure, plan, RoleID and SecretID material over HTTP, checked against what Vault then holds and allows. */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let admin: ApiClient;
let owner: ApiClient;
let controller: ApiClient;
let auditFile: string;

const ROLE = '/v1/apps/myapp/clusters/aws.stg/approle';

/** Vault's own record of what it was asked to change, from a file audit device. */
async function vaultWritesSince(mark: number): Promise<string[]> {
  const lines = (await readFile(auditFile, 'utf8')).split('\n').filter(Boolean).slice(mark);
  return lines
    .map((l) => JSON.parse(l) as { type: string; request: { operation: string; path: string } })
    .filter((e) => e.type === 'request' && ['create', 'update', 'delete'].includes(e.request.operation))
    .map((e) => `${e.request.operation} ${e.request.path}`);
}
async function auditMark(): Promise<number> {
  return (await readFile(auditFile, 'utf8')).split('\n').filter(Boolean).length;
}

beforeAll(async () => {
  stack = await startStack('approle');
  auditFile = join(tmpdir(), `vault-audit-${randomBytes(4).toString('hex')}.log`);
  expect(
    (await stack.vaultCall('POST', 'sys/audit/file', { type: 'file', options: { file_path: auditFile } })).status,
  ).toBe(204);
  admin = await stack.admin();
  owner = await stack.as('bob@example.com', ['team-myapp']);
  controller = await stack.as('system:serviceaccount:secrets:controller');
  expect(
    (
      await admin.post('/v1/clusters', {
        name: 'aws.stg',
        controllerSubjects: ['system:serviceaccount:secrets:controller'],
      })
    ).status,
  ).toBe(201);
  expect((await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team-myapp'] })).status).toBe(201);
  expect((await admin.post('/v1/apps', { name: 'other', ownerGroups: ['team-other'] })).status).toBe(201);
});
afterAll(async () => stack?.close());

describe('ensure', () => {
  it('before the first ensure, the plan creates everything and there is no RoleID or SecretID yet', async () => {
    const plan = await owner.get(`${ROLE}/plan`);
    expect(plan.status).toBe(200);
    expect(plan.body).toEqual({
      roleName: 'aws.stg.myapp',
      changes: [
        { kind: 'policy', name: 'secret-api/read-aws.stg.myapp', action: 'create' },
        { kind: 'policy', name: 'secret-api/getsecretid-aws.stg.myapp', action: 'create' },
        { kind: 'approle', name: 'aws.stg.myapp', action: 'create' },
        { kind: 'tokenRole', name: 'getsecretid-aws.stg.myapp', action: 'create' },
      ],
    });
    expect((await owner.get(ROLE)).status).toBe(404);
    expect((await controller.post('/v1/apps/myapp/clusters/aws.stg/secret-id')).status).toBe(404);
    expect((await controller.post('/v1/apps/myapp/clusters/aws.stg/secret-id-token')).status).toBe(404);
  });

  it('creates the AppRole, both policies and the token role of product.md §3', async () => {
    const ensured = await owner.put(ROLE);
    expect(ensured.status).toBe(200);
    expect(ensured.body).toEqual({ roleName: 'aws.stg.myapp', roleId: expect.any(String), changed: true });

    const role = await stack.vaultCall('GET', 'auth/approle/role/aws.stg.myapp');
    expect(role.body.data).toMatchObject({
      token_period: 300,
      token_policies: ['default', 'secret-api/read-aws.stg.myapp'],
      secret_id_num_uses: 1,
      secret_id_ttl: 300,
      token_ttl: 300,
      token_max_ttl: 300,
      token_num_uses: 0,
    });
    const read = await stack.vaultCall('GET', 'sys/policies/acl/secret-api/read-aws.stg.myapp');
    expect(read.body.data.policy).toContain('path "secret/data/myapp/*"');
    expect(read.body.data.policy).toContain('path "secret/metadata/myapp/*"');
    const get = await stack.vaultCall('GET', 'sys/policies/acl/secret-api/getsecretid-aws.stg.myapp');
    expect(get.body.data.policy).toContain('path "auth/approle/role/aws.stg.myapp/secret-id"');
    const tokenRole = await stack.vaultCall('GET', 'auth/token/roles/getsecretid-aws.stg.myapp');
    expect(tokenRole.body.data).toMatchObject({
      allowed_policies: ['secret-api/getsecretid-aws.stg.myapp'],
      disallowed_policies: ['root'],
      renewable: true,
      orphan: false,
    });
    const roleId = await stack.vaultCall('GET', 'auth/approle/role/aws.stg.myapp/role-id');
    expect(roleId.body.data.role_id).toBe(ensured.body.roleId);
  });

  it('an ensure with nothing changed makes no Vault writes and keeps the RoleID', async () => {
    const first = await owner.get(ROLE);
    const mark = await auditMark();
    const again = await owner.put(ROLE);
    expect(again.body).toEqual({ roleName: 'aws.stg.myapp', roleId: first.body.roleId, changed: false });
    expect(await vaultWritesSince(mark)).toEqual([]);
    const plan = await owner.get(`${ROLE}/plan`);
    expect(plan.body.changes.map((c: { action: string }) => c.action)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
  });

  it('drift made by hand shows in the plan with the differing fields, and the next ensure repairs only that', async () => {
    const before = (await owner.get(ROLE)).body.roleId;
    await stack.vaultCall('POST', 'auth/approle/role/aws.stg.myapp', { token_ttl: 60, secret_id_num_uses: 0 });
    await stack.vaultCall('POST', 'sys/policies/acl/secret-api/read-aws.stg.myapp', {
      policy: 'path "*" { capabilities = ["read"] }',
    });
    const plan = await owner.get(`${ROLE}/plan`);
    expect(plan.body.changes).toEqual([
      { kind: 'policy', name: 'secret-api/read-aws.stg.myapp', action: 'update', fields: ['policy'] },
      { kind: 'policy', name: 'secret-api/getsecretid-aws.stg.myapp', action: 'unchanged' },
      { kind: 'approle', name: 'aws.stg.myapp', action: 'update', fields: ['secret_id_num_uses', 'token_ttl'] },
      { kind: 'tokenRole', name: 'getsecretid-aws.stg.myapp', action: 'unchanged' },
    ]);
    const mark = await auditMark();
    const repaired = await owner.put(ROLE);
    expect(repaired.body).toEqual({ roleName: 'aws.stg.myapp', roleId: before, changed: true });
    expect(await vaultWritesSince(mark)).toEqual([
      'update sys/policies/acl/secret-api/read-aws.stg.myapp',
      'update auth/approle/role/aws.stg.myapp',
    ]);
    const role = await stack.vaultCall('GET', 'auth/approle/role/aws.stg.myapp');
    expect(role.body.data).toMatchObject({ token_ttl: 300, secret_id_num_uses: 1 });
  });

  it('defaults changed by hand that cut token lives short or widen the token role show in the plan, and are put back', async () => {
    const before = (await owner.get(ROLE)).body.roleId;
    await stack.vaultCall('POST', 'auth/approle/role/aws.stg.myapp', {
      token_explicit_max_ttl: 5,
      token_no_default_policy: true,
    });
    await stack.vaultCall('POST', 'auth/token/roles/getsecretid-aws.stg.myapp', {
      allowed_policies_glob: ['*'],
      token_period: 7,
    });
    const plan = await owner.get(`${ROLE}/plan`);
    expect(plan.body.changes.slice(2)).toEqual([
      {
        kind: 'approle',
        name: 'aws.stg.myapp',
        action: 'update',
        fields: ['token_explicit_max_ttl', 'token_no_default_policy'],
      },
      {
        kind: 'tokenRole',
        name: 'getsecretid-aws.stg.myapp',
        action: 'update',
        fields: ['allowed_policies_glob', 'token_period'],
      },
    ]);
    const repaired = await owner.put(ROLE);
    expect(repaired.status, repaired.text).toBe(200);
    expect(repaired.body).toEqual({ roleName: 'aws.stg.myapp', roleId: before, changed: true });
    const role = (await stack.vaultCall('GET', 'auth/approle/role/aws.stg.myapp')).body.data;
    expect(role).toMatchObject({ token_explicit_max_ttl: 0, token_no_default_policy: false, token_period: 300 });
    const tokenRole = (await stack.vaultCall('GET', 'auth/token/roles/getsecretid-aws.stg.myapp')).body.data;
    expect(tokenRole.allowed_policies_glob ?? []).toEqual([]);
    expect(tokenRole).toMatchObject({ token_period: 0, allowed_policies: ['secret-api/getsecretid-aws.stg.myapp'] });
    expect(
      (await owner.get(`${ROLE}/plan`)).body.changes.every((c: { action: string }) => c.action === 'unchanged'),
    ).toBe(true);
  });

  it('a role deleted by hand is recreated by the next ensure, with a new RoleID that GET then reports', async () => {
    const before = (await owner.get(ROLE)).body.roleId;
    await stack.vaultCall('DELETE', 'auth/approle/role/aws.stg.myapp');
    // RoleIDs are cached for at most a second (services/approle/role-id-cache.ts): wait out the bound.
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    expect((await owner.get(ROLE)).status).toBe(404);
    const ensured = await owner.put(ROLE);
    expect(ensured.body.changed).toBe(true);
    expect(ensured.body.roleId).not.toBe(before);
    expect((await owner.get(ROLE)).body.roleId).toBe(ensured.body.roleId);
  });
});

describe('SecretID material for the cluster controller', () => {
  async function login(roleId: string, secretId: string) {
    return stack.vaultCall('POST', 'auth/approle/login', { role_id: roleId, secret_id: secretId }, null);
  }

  it('a wrapped SecretID unwraps once, logs in once, and the token reads only the app’s secrets', async () => {
    const roleId = (await owner.get(ROLE)).body.roleId as string;
    const wrapped = await controller.post('/v1/apps/myapp/clusters/aws.stg/secret-id', {
      metadata: { pod: 'myapp-7d9f-abcde', namespace: 'payments' },
    });
    expect(wrapped.status).toBe(201);
    expect(wrapped.body).toEqual({
      wrappingToken: expect.any(String),
      ttl: 60,
      creationPath: 'auth/approle/role/aws.stg.myapp/secret-id',
    });
    const unwrapped = await stack.vaultCall('POST', 'sys/wrapping/unwrap', undefined, wrapped.body.wrappingToken);
    expect(unwrapped.status).toBe(200);
    expect((await stack.vaultCall('POST', 'sys/wrapping/unwrap', undefined, wrapped.body.wrappingToken)).status).toBe(
      400,
    );
    const secretId = unwrapped.body.data.secret_id as string;

    const first = await login(roleId, secretId);
    expect(first.status).toBe(200);
    expect(first.body.auth.metadata).toMatchObject({ pod: 'myapp-7d9f-abcde', namespace: 'payments', app: 'myapp' });
    expect((await login(roleId, secretId)).status).toBe(400);

    const token = first.body.auth.client_token as string;
    await stack.vaultCall('POST', 'secret/data/myapp/DB_PASSWORD', { data: { value: 'mine' } });
    await stack.vaultCall('POST', 'secret/data/global/LOG_ENDPOINT', { data: { value: 'shared' } });
    await stack.vaultCall('POST', 'secret/data/project/aws/REGION', { data: { value: 'eu-west-1' } });
    await stack.vaultCall('POST', 'secret/data/cluster/aws/stg/INGRESS', { data: { value: 'stg' } });
    await stack.vaultCall('POST', 'secret/data/other/DB_PASSWORD', { data: { value: 'not yours' } });
    await stack.vaultCall('POST', 'secret/data/project/gcp/REGION', { data: { value: 'not yours' } });
    await stack.vaultCall('POST', 'secret/data/cluster/aws/prd/INGRESS', { data: { value: 'not yours' } });
    const read = (path: string) => stack.vaultCall('GET', path, undefined, token).then((r) => r.status);
    expect(await read('secret/data/myapp/DB_PASSWORD')).toBe(200);
    expect(await read('secret/data/global/LOG_ENDPOINT')).toBe(200);
    expect(await read('secret/data/project/aws/REGION')).toBe(200);
    expect(await read('secret/data/cluster/aws/stg/INGRESS')).toBe(200);
    expect(await read('secret/data/other/DB_PASSWORD')).toBe(403);
    expect(await read('secret/data/project/gcp/REGION')).toBe(403);
    expect(await read('secret/data/cluster/aws/prd/INGRESS')).toBe(403);
    expect(
      (await stack.vaultCall('POST', 'secret/data/myapp/DB_PASSWORD', { data: { value: 'x' } }, token)).status,
    ).toBe(403);
  });

  it('a SecretID bound to a CIDR cannot log in from elsewhere', async () => {
    const roleId = (await owner.get(ROLE)).body.roleId as string;
    const wrapped = await controller.post('/v1/apps/myapp/clusters/aws.stg/secret-id', {
      cidrList: ['10.20.30.40/32'],
    });
    expect(wrapped.status).toBe(201);
    const unwrapped = await stack.vaultCall('POST', 'sys/wrapping/unwrap', undefined, wrapped.body.wrappingToken);
    const secretId = unwrapped.body.data.secret_id as string;
    const lookup = await stack.vaultCall('POST', 'auth/approle/role/aws.stg.myapp/secret-id/lookup', {
      secret_id: secretId,
    });
    expect(lookup.body.data.cidr_list).toEqual(['10.20.30.40/32']);
    expect((await login(roleId, secretId)).status).toBeGreaterThanOrEqual(400);
  });

  it('a SecretID token lives at most 60 s, carries only the getsecretid policy, and mints SecretIDs for this role only', async () => {
    const issued = await controller.post('/v1/apps/myapp/clusters/aws.stg/secret-id-token');
    expect(issued.status).toBe(201);
    expect(issued.body.ttl).toBeGreaterThan(0);
    expect(issued.body.ttl).toBeLessThanOrEqual(60);
    expect(issued.body.policies).toEqual(['secret-api/getsecretid-aws.stg.myapp']);
    const token = issued.body.token as string;
    const own = await stack.vaultCall('POST', 'auth/approle/role/aws.stg.myapp/secret-id', {}, token);
    expect(own.status).toBe(200);
    expect(typeof own.body.data.secret_id).toBe('string');
    expect((await admin.put('/v1/apps/other/clusters/aws.stg/approle')).status).toBe(200);
    const issued2 = await controller.post('/v1/apps/myapp/clusters/aws.stg/secret-id-token');
    const token2 = issued2.body.token as string;
    expect((await stack.vaultCall('POST', 'auth/approle/role/aws.stg.other/secret-id', {}, token2)).status).toBe(403);
    expect((await stack.vaultCall('GET', 'secret/data/myapp/DB_PASSWORD', undefined, token2)).status).toBe(403);
  });

  it('a SecretID token is few-use: it stops working after two requests', async () => {
    const token = (await controller.post('/v1/apps/myapp/clusters/aws.stg/secret-id-token')).body.token as string;
    const mint = () => stack.vaultCall('POST', 'auth/approle/role/aws.stg.myapp/secret-id', {}, token);
    expect((await mint()).status).toBe(200);
    expect((await mint()).status).toBe(200);
    expect((await mint()).status).toBe(403);
  });
});

describe('decommission', () => {
  it('deleting an app removes its Vault objects in every cluster and the app; its name can be reused', async () => {
    expect((await admin.post('/v1/clusters', { name: 'gcp.prd', controllerSubjects: ['c'] })).status).toBe(201);
    expect((await owner.put('/v1/apps/myapp/clusters/gcp.prd/approle')).status).toBe(200);
    const deleted = await admin.delete('/v1/apps/myapp');
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    for (const role of ['aws.stg.myapp', 'gcp.prd.myapp']) {
      expect((await stack.vaultCall('GET', `auth/approle/role/${role}`)).status).toBe(404);
      expect((await stack.vaultCall('GET', `sys/policies/acl/secret-api/read-${role}`)).status).toBe(404);
      expect((await stack.vaultCall('GET', `sys/policies/acl/secret-api/getsecretid-${role}`)).status).toBe(404);
      expect((await stack.vaultCall('GET', `auth/token/roles/getsecretid-${role}`)).status).toBe(404);
    }
    expect((await admin.get('/v1/apps/myapp')).status).toBe(404);
    expect((await admin.delete('/v1/apps/myapp')).status).toBe(404);
    // Not yet: the deleted app's pod tokens can no longer renew, but live out their period; an AppRole of the same
    // name would let them renew again, into the new app's secrets.
    const tooSoon = await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team-myapp'] });
    expect(tooSoon.status).toBe(409);
    expect(tooSoon.body.detail).toMatch(/the Vault tokens of its pods may live until .*create it again after that/);
    expect(Number(tooSoon.headers.get('retry-after'))).toBeGreaterThan(300);
    expect(Number(tooSoon.headers.get('retry-after'))).toBeLessThanOrEqual(330);
    await stack.tokensOfDeletedNamesExpired();
    expect((await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team-myapp'] })).status).toBe(201);
    expect((await owner.get(ROLE)).status).toBe(404);
    expect((await owner.put(ROLE)).body.changed).toBe(true);
  });
});
