/**
 * How the API holds its own Vault identity, against vault-dev: logging in with AppRole (and again
 * when its token is revoked behind its back), renewing a short-lived token past its first TTL, and
 * what it does with the mounts it needs — enabling AppRole when its token may, naming the missing
 * mount when it may not, and refusing to start on a KV version 1 mount.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startVaultDev, type VaultDev } from 'vault-dev';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalIssuer } from '../src/auth/local-issuer.js';
import { parseConfig } from '../src/config/env.js';
import { startSecretApi, StartupError, type RunningSecretApi } from '../src/server.js';
import { ApiClient } from './support/http.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { ADMIN_GROUP, AUDIENCE, ISSUER, POLICY_FILE, enableAppRole, vaultRequest } from './support/stack.js';

let db: TestDatabase;
let dir: string;
let issuer: LocalIssuer;
const vaults: VaultDev[] = [];
const apis: RunningSecretApi[] = [];

beforeAll(async () => {
  db = await createTestDatabase('vault_auth');
  dir = await mkdtemp(join(tmpdir(), 'secret-api-vault-auth-'));
  issuer = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE, dir });
});
afterEach(async () => {
  // Each test has its own Vault and API; the database is shared, so each test uses its own names.
  for (const api of apis.splice(0)) await api.close();
  for (const vault of vaults.splice(0)) await vault.close();
});
afterAll(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function newVault(): Promise<VaultDev> {
  const vault = await startVaultDev({ port: 0 });
  vaults.push(vault);
  return vault;
}

/** Root-token call to vault-dev that must succeed; returns the body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Vault's JSON, read field by field
async function root(vault: VaultDev, method: string, path: string, body?: unknown): Promise<any> {
  const reply = await vaultRequest(vault.address, vault.rootToken, method, path, body);
  if (reply.status >= 300) throw new Error(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** Installs deploy/vault/secret-api.hcl as policy `secret-api`. */
async function installPolicy(vault: VaultDev): Promise<void> {
  await root(vault, 'POST', 'sys/policies/acl/secret-api', { policy: await readFile(POLICY_FILE, 'utf8') });
}

interface Started {
  api: RunningSecretApi;
  logs: Record<string, unknown>[];
  admin: ApiClient;
}

/** Starts the API in-process the way `secret-api` does (parseConfig → startSecretApi). */
async function startApi(vault: VaultDev, env: Record<string, string | undefined>): Promise<Started> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const config = parseConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: db.url,
    VAULT_ADDR: vault.address,
    AUTH_ISSUERS: JSON.stringify([issuer.issuerConfig()]),
    ADMIN_GROUPS: ADMIN_GROUP,
    LOG_LEVEL: 'debug',
    ...env,
  });
  const api = await startSecretApi(config, { logDestination: sink, defaultMetrics: false });
  apis.push(api);
  const admin = new ApiClient(api.url, await issuer.sign({ sub: 'alice@example.com', groups: [ADMIN_GROUP] }));
  return { api, logs, admin };
}

/** Creates a cluster and an app through the API (names unique per test: the database is shared). */
async function seed(admin: ApiClient, cluster: string, app: string): Promise<string> {
  const c = await admin.post('/v1/clusters', { name: cluster, controllerSubjects: ['ctl'] });
  expect(c.status, c.text).toBe(201);
  const a = await admin.post('/v1/apps', { name: app, ownerGroups: ['team'] });
  expect(a.status, a.text).toBe(201);
  return `/v1/apps/${app}/clusters/${cluster}/approle`;
}

describe('logging in with AppRole', () => {
  it('serves an ensure with a token from VAULT_ROLE_ID and VAULT_SECRET_ID, and logs in again when that token is revoked', async () => {
    const vault = await newVault();
    await enableAppRole(vault);
    await installPolicy(vault);
    // The API's own AppRole (named like the policy's deny rule expects), reusable SecretIDs.
    await root(vault, 'POST', 'auth/approle/role/secret-api', {
      token_policies: ['secret-api'],
      token_ttl: '1h',
      token_max_ttl: '4h',
      secret_id_num_uses: 0,
    });
    const roleId = (await root(vault, 'GET', 'auth/approle/role/secret-api/role-id')).data.role_id as string;
    const secretId = (await root(vault, 'POST', 'auth/approle/role/secret-api/secret-id', {})).data.secret_id as string;

    const { admin, logs } = await startApi(vault, { VAULT_ROLE_ID: roleId, VAULT_SECRET_ID: secretId });
    const role = await seed(admin, 'aws.approle', 'login-app');
    const first = await admin.put(role);
    expect(first.status, first.text).toBe(200);
    expect(first.body.changed).toBe(true);

    // Every token AppRole login issued (the API's) is revoked behind its back.
    const accessors = (await root(vault, 'LIST', 'auth/token/accessors')).data.keys as string[];
    let revoked = 0;
    for (const accessor of accessors) {
      const token = (await root(vault, 'POST', 'auth/token/lookup-accessor', { accessor })).data;
      if (token.path === 'auth/approle/login') {
        await root(vault, 'POST', 'auth/token/revoke-accessor', { accessor });
        revoked += 1;
      }
    }
    expect(revoked).toBe(1);

    const again = await admin.put(role);
    expect(again.status, again.text).toBe(200);
    expect(again.body).toEqual({ roleName: first.body.roleName, roleId: first.body.roleId, changed: false });
    const plan = await admin.get(`${role}/plan`);
    expect(plan.status, plan.text).toBe(200);
    expect(logs.filter((l) => l['msg'] === 'logged in to vault with approle').length).toBeGreaterThanOrEqual(2);
  });
});

describe('a renewable VAULT_TOKEN', () => {
  it('keeps working past its original TTL because the API renews it', async () => {
    const vault = await newVault();
    await enableAppRole(vault);
    await installPolicy(vault);
    const create = () =>
      root(vault, 'POST', 'auth/token/create', { policies: ['secret-api'], ttl: '3s', renewable: true });
    const token = (await create()).auth.client_token as string;
    // A twin nobody renews: proof that waiting outlives the TTL.
    const twin = (await create()).auth.client_token as string;

    const { admin } = await startApi(vault, { VAULT_TOKEN: token });
    const role = await seed(admin, 'aws.renew', 'renew-app');
    await new Promise((resolve) => setTimeout(resolve, 5_000));

    expect((await vaultRequest(vault.address, twin, 'GET', 'auth/token/lookup-self')).status).toBe(403);
    const ensured = await admin.put(role);
    expect(ensured.status, ensured.text).toBe(200);
    expect(ensured.body.changed).toBe(true);
    expect((await vaultRequest(vault.address, token, 'GET', 'auth/token/lookup-self')).status).toBe(200);
  }, 20_000);
});

describe('the mounts the API needs', () => {
  it('with the least policy and AppRole not enabled, starts and answers an ensure with a 503 naming auth/approle and the fix', async () => {
    const vault = await newVault();
    await installPolicy(vault);
    const token = (await root(vault, 'POST', 'auth/token/create', { policies: ['secret-api'], period: '24h' })).auth
      .client_token as string;

    const { admin } = await startApi(vault, { VAULT_TOKEN: token });
    const role = await seed(admin, 'aws.noapprole', 'noapprole-app');
    const ensured = await admin.put(role);
    expect(ensured.status, ensured.text).toBe(503);
    expect(ensured.headers.get('content-type')).toContain('application/problem+json');
    expect(ensured.body.type).toBe('urn:secret-api:problem:vault_unavailable');
    expect(ensured.body.detail).toMatch(/nothing mounted at auth\/approle\//);
    expect(ensured.body.detail).toMatch(/enable AppRole/i);
    expect(ensured.body.detail).toContain('VAULT_APPROLE_MOUNT');
    // The AppRole mount is still missing: the least-privilege token could not and did not enable it.
    expect((await root(vault, 'GET', 'sys/auth')).data['approle/']).toBeUndefined();
  });

  it('with the root token and AppRole not enabled, enables AppRole at start and the ensure works', async () => {
    const vault = await newVault();
    expect((await root(vault, 'GET', 'sys/auth')).data['approle/']).toBeUndefined();

    const { admin, logs } = await startApi(vault, { VAULT_TOKEN: vault.rootToken });
    expect((await root(vault, 'GET', 'sys/auth')).data['approle/']).toMatchObject({ type: 'approle' });
    expect(logs.some((l) => l['msg'] === 'AppRole was not enabled in Vault: enabled it')).toBe(true);

    const role = await seed(admin, 'aws.rootstart', 'rootstart-app');
    const ensured = await admin.put(role);
    expect(ensured.status, ensured.text).toBe(200);
    const roleId = await root(vault, 'GET', 'auth/approle/role/aws.rootstart.rootstart-app/role-id');
    expect(ensured.body.roleId).toBe(roleId.data.role_id);
  });

  it('with VAULT_KV_MOUNT at a KV version 1 mount, start fails with a StartupError naming VAULT_KV_MOUNT', async () => {
    const vault = await newVault();
    await enableAppRole(vault);
    await root(vault, 'POST', 'sys/mounts/kv1', { type: 'kv', options: { version: '1' } });

    const started = startApi(vault, { VAULT_TOKEN: vault.rootToken, VAULT_KV_MOUNT: 'kv1' });
    await expect(started).rejects.toBeInstanceOf(StartupError);
    await expect(started).rejects.toThrow(/^VAULT_KV_MOUNT: .*kv1\/.*version 1.*KV version 2/);
  });
});
