/**
 * Dependencies failing under a running API (real sockets, real processes' worth of failure):
 *  - Vault stopped, hanging or sealed: every route that needs Vault answers a bounded 503
 *    vault_unavailable problem naming Vault — never a 500, never a hang — while routes that need
 *    only the database keep working, and readiness says which dependency is down;
 *  - the database cut off: bounded 503 database_unavailable, readiness says so, and the API serves
 *    again as soon as the database is back, without a restart;
 *  - a request that failed because of either changed nothing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient, ApiReply } from './support/http.js';
import { createTestDatabase, SERVER_URL, type TestDatabase } from './support/postgres.js';
import { leastPrivilegeToken, startStack, type Stack } from './support/stack.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

const PROBLEM = 'application/problem+json';
const VAULT_UNAVAILABLE = 'urn:secret-api:problem:vault_unavailable';
const DATABASE_UNAVAILABLE = 'urn:secret-api:problem:database_unavailable';
const CLUSTER = 'aws.stg';
const CONTROLLER = 'system:serviceaccount:secrets:controller';
const role = (app: string) => `/v1/apps/${app}/clusters/${CLUSTER}/approle`;

/** A reply and how long it took. */
async function timed<T>(call: () => Promise<T>): Promise<{ reply: T; ms: number }> {
  const started = performance.now();
  const reply = await call();
  return { reply, ms: performance.now() - started };
}

function expectProblem(reply: ApiReply, type: string, detail: RegExp): void {
  expect(reply.status, reply.text).toBe(503);
  expect(reply.headers.get('content-type')).toContain(PROBLEM);
  expect(reply.body).toMatchObject({ type, status: 503 });
  expect(reply.body.detail).toMatch(detail);
  expect(reply.text).not.toMatch(/\n\s+at /); // no stack trace
}

async function bindingsOf(url: string, app: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT role_name FROM app_role_bindings WHERE app_name = $1', [app])).rows;
  } finally {
    await client.end();
  }
}

/** Creates the cluster and the apps, and ensures `ensured` there, through the API. */
async function seed(admin: ApiClient, apps: string[], ensured: string[]): Promise<void> {
  expect((await admin.post('/v1/clusters', { name: CLUSTER, controllerSubjects: [CONTROLLER] })).status).toBe(201);
  for (const name of apps) {
    expect((await admin.post('/v1/apps', { name, ownerGroups: [`team-${name}`] })).status).toBe(201);
  }
  for (const name of ensured) expect((await admin.put(role(name))).status).toBe(200);
}

describe('when Vault stops while the API runs', () => {
  let stack: Stack;
  let admin: ApiClient;
  let owner: ApiClient;
  let controller: ApiClient;
  // Per Vault call: 1 s per attempt, 3 s with retries (VaultClient's 2 × timeout + 1 s).
  const BOUND_MS = 5_000;

  beforeAll(async () => {
    stack = await startStack('res_vault_stop', { env: { VAULT_TIMEOUT_MS: '1000' } });
    admin = await stack.admin();
    owner = await stack.as('bob@example.com', ['team-myapp']);
    controller = await stack.as(CONTROLLER);
    await seed(admin, ['myapp', 'other', 'doomed'], ['myapp']);
    await stack.vault.close();
  });
  afterAll(async () => stack?.close());

  const vaultRoutes: [string, string, string, () => ApiClient][] = [
    ['PUT approle (ensure)', 'PUT', role('myapp'), () => owner],
    ['GET approle', 'GET', role('myapp'), () => owner],
    ['GET approle/plan', 'GET', `${role('myapp')}/plan`, () => owner],
    ['POST secret-id', 'POST', `/v1/apps/myapp/clusters/${CLUSTER}/secret-id`, () => controller],
    ['POST secret-id-token', 'POST', `/v1/apps/myapp/clusters/${CLUSTER}/secret-id-token`, () => controller],
    ['DELETE app (decommission)', 'DELETE', '/v1/apps/doomed', () => admin],
  ];

  it.each(vaultRoutes)(
    '%s answers a bounded 503 vault_unavailable naming Vault',
    async (_name, method, path, client) => {
      const { reply, ms } = await timed(() => client().call(method, path));
      expectProblem(reply, VAULT_UNAVAILABLE, /Vault/);
      expect(ms).toBeLessThan(BOUND_MS);
    },
  );

  it('answers every Vault route at once with 503s, none of them a 500 and none hanging', async () => {
    const { reply: replies, ms } = await timed(() =>
      Promise.all(vaultRoutes.map(([, method, path, client]) => client().call(method, path))),
    );
    for (const r of replies) expectProblem(r, VAULT_UNAVAILABLE, /Vault/);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('still serves the routes that need only the database', async () => {
    const list = await admin.get('/v1/apps');
    expect(list.status).toBe(200);
    expect(list.body.items.map((a: { name: string }) => a.name).sort()).toEqual(['doomed', 'myapp', 'other']);
    expect((await owner.get('/v1/apps/myapp')).status).toBe(200);
    expect((await admin.get('/v1/clusters')).status).toBe(200);
    expect((await admin.get('/v1/whoami')).status).toBe(200);
    expect((await admin.post('/v1/apps', { name: 'created-while-vault-down', ownerGroups: ['t'] })).status).toBe(201);
  });

  it('says not ready because of Vault (database ok), within its own bound, while staying alive', async () => {
    const { reply, ms } = await timed(() => stack.client.get('/readyz'));
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ status: 'unavailable', checks: { vault: 'unavailable', database: 'ok' } });
    expect(ms).toBeLessThan(3_000);
    const health = await stack.client.get('/healthz');
    expect(health.status).toBe(200);
  });

  it('a decommission that failed on Vault leaves the app in place', async () => {
    expect((await admin.delete('/v1/apps/doomed')).status).toBe(503);
    const app = await admin.get('/v1/apps/doomed');
    expect(app.status).toBe(200);
    expect(app.body.name).toBe('doomed');
  });

  it('an ensure that failed on Vault records no binding', async () => {
    const ensure = await admin.put(role('other'));
    expectProblem(ensure, VAULT_UNAVAILABLE, /Vault/);
    expect(await bindingsOf(stack.db.url, 'other')).toEqual([]);
    // The API agrees: no AppRole was ensured there, so no SecretID material (decided from the
    // database, Vault being down); the RoleID read asks Vault, which is down.
    expect((await controller.post(`/v1/apps/other/clusters/${CLUSTER}/secret-id`)).status).toBe(404);
    expectProblem(await admin.get(role('other')), VAULT_UNAVAILABLE, /Vault/);
  });
});

/**
 * Starts a stack whose API reaches vault-dev through a TCP proxy (so Vault can hang, go away and
 * come back with its state). startStack takes its env overrides after calling `vaultToken`, so the
 * proxy's address is put into them there, once vault-dev's address is known.
 */
async function startProxiedVaultStack(
  label: string,
  env: Record<string, string | undefined>,
): Promise<{ stack: Stack; proxy: TcpProxy }> {
  let proxy: TcpProxy | undefined;
  const overrides: Record<string, string | undefined> = { ...env };
  const stack = await startStack(label, {
    env: overrides,
    vaultToken: async (vault) => {
      proxy = await startTcpProxy({ host: vault.host, port: vault.port });
      overrides['VAULT_ADDR'] = `http://127.0.0.1:${proxy.port}`;
      return leastPrivilegeToken(vault);
    },
  });
  if (!proxy) throw new Error('the proxy did not start');
  expect(stack.api.context.config.vault.address).toBe(`http://127.0.0.1:${proxy.port}`);
  return { stack, proxy };
}

describe('when Vault hangs (default timeouts) or refuses connections, and then comes back', () => {
  let stack: Stack;
  let proxy: TcpProxy;
  let admin: ApiClient;
  let owner: ApiClient;
  let controller: ApiClient;
  let roleId: string;

  beforeAll(async () => {
    ({ stack, proxy } = await startProxiedVaultStack('res_vault_hang', {}));
    admin = await stack.admin();
    owner = await stack.as('bob@example.com', ['team-myapp']);
    controller = await stack.as(CONTROLLER);
    await seed(admin, ['myapp', 'fresh'], ['myapp']);
    roleId = (await owner.get(role('myapp'))).body.roleId;
    expect(roleId).toEqual(expect.any(String));
  });
  afterAll(async () => {
    await proxy?.restore();
    await stack?.close();
    await proxy?.close();
  });

  it('a Vault that accepts connections and never answers gives 503s well within 15 s, not a hang', async () => {
    await proxy.hang();
    // A RoleID read within the last second is answered from the cache without Vault
    // (services/approle/role-id-cache.ts); wait that bound out so the read needs Vault.
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    const { reply: replies, ms } = await timed(() =>
      Promise.all([
        owner.put(role('myapp')),
        owner.get(role('myapp')),
        owner.get(`${role('myapp')}/plan`),
        controller.post(`/v1/apps/myapp/clusters/${CLUSTER}/secret-id`),
        controller.post(`/v1/apps/myapp/clusters/${CLUSTER}/secret-id-token`),
        admin.put(role('fresh')),
      ]),
    );
    for (const r of replies) expectProblem(r, VAULT_UNAVAILABLE, /Vault/);
    // Defaults: 5 s per attempt, 11 s per Vault call at most.
    expect(ms).toBeLessThan(13_000);
    const ready = await timed(() => stack.client.get('/readyz'));
    expect(ready.reply.status).toBe(503);
    expect(ready.reply.body.checks).toEqual({ database: 'ok', vault: 'unavailable' });
    expect(ready.ms).toBeLessThan(3_000);
  }, 40_000);

  it('a Vault that refuses connections gives 503s at once', async () => {
    await proxy.cut();
    const { reply, ms } = await timed(() => admin.put(role('fresh')));
    expectProblem(reply, VAULT_UNAVAILABLE, /Vault/);
    expect(ms).toBeLessThan(3_000);
  });

  it('the ensures that failed meanwhile left nothing behind, in Vault or in the database', async () => {
    expect((await stack.vaultCall('GET', 'auth/approle/role/aws.stg.fresh')).status).toBe(404);
    expect((await stack.vaultCall('GET', 'sys/policies/acl/secret-api/read-aws.stg.fresh')).status).toBe(404);
    expect(await bindingsOf(stack.db.url, 'fresh')).toEqual([]);
  });

  it('once Vault is back the same API serves again, with the same RoleID and no restart', async () => {
    await proxy.restore();
    const ready = await stack.client.get('/readyz');
    expect(ready.status).toBe(200);
    expect((await owner.get(role('myapp'))).body).toEqual({ roleName: 'aws.stg.myapp', roleId });
    const again = await owner.put(role('myapp'));
    expect(again.status, again.text).toBe(200);
    expect(again.body).toEqual({ roleName: 'aws.stg.myapp', roleId, changed: false });
    const fresh = await admin.put(role('fresh'));
    expect(fresh.status, fresh.text).toBe(200);
    expect(fresh.body.changed).toBe(true);
    expect(await bindingsOf(stack.db.url, 'fresh')).toEqual([{ role_name: 'aws.stg.fresh' }]);
    expect((await controller.post(`/v1/apps/myapp/clusters/${CLUSTER}/secret-id`)).status).toBe(201);
  });
});

describe('when Vault is sealed', () => {
  let sealed: http.Server;
  let stack: Stack;
  let requests = 0;

  beforeAll(async () => {
    // What a sealed Vault answers to everything but sys/seal-status.
    sealed = http.createServer((req, res) => {
      requests += 1;
      req.resume();
      res.writeHead(503, { 'Content-Type': 'application/json' });
      // sys/health answers 503 with the seal state rather than an error list.
      const body = req.url?.startsWith('/v1/sys/health')
        ? { initialized: true, sealed: true, standby: true, performance_standby: false, version: '1.20.0' }
        : { errors: ['Vault is sealed'] };
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => sealed.listen(0, '127.0.0.1', resolve));
    const { port } = sealed.address() as AddressInfo;
    // The API starts anyway (readiness reports Vault) and retries in the background.
    stack = await startStack('res_sealed', {
      env: { VAULT_ADDR: `http://127.0.0.1:${port}`, VAULT_TIMEOUT_MS: '1000' },
    });
    const admin = await stack.admin();
    await seed(admin, ['myapp'], []);
  });
  afterAll(async () => {
    await stack?.close();
    sealed?.closeAllConnections();
    await new Promise((resolve) => sealed?.close(resolve));
  });

  it('an ensure answers 503 vault_unavailable saying Vault is sealed', async () => {
    const before = requests;
    const owner = await stack.as('bob@example.com', ['team-myapp']);
    const { reply, ms } = await timed(() => owner.put(role('myapp')));
    expectProblem(reply, VAULT_UNAVAILABLE, /Vault.*sealed/);
    expect(ms).toBeLessThan(5_000);
    expect(requests).toBeGreaterThan(before); // it did ask Vault
  });

  it('the plan answers 503 vault_unavailable too', async () => {
    const owner = await stack.as('bob@example.com', ['team-myapp']);
    expectProblem(await owner.get(`${role('myapp')}/plan`), VAULT_UNAVAILABLE, /Vault/);
  });

  it('readiness reports Vault unavailable (503 from sys/health means sealed)', async () => {
    const ready = await stack.client.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'unavailable', checks: { database: 'ok', vault: 'unavailable' } });
  });
});

describe('when the database is cut off and comes back', () => {
  let proxy: TcpProxy;
  let db: TestDatabase;
  let stack: Stack;
  let admin: ApiClient;
  let owner: ApiClient;
  // pg's connect timeout is 5 s; a refused connection fails at once.
  const BOUND_MS = 6_000;

  beforeAll(async () => {
    const server = new URL(SERVER_URL);
    proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
    db = await createTestDatabase('res_db');
    const proxied = new URL(db.url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    stack = await startStack('res_db_unused', { env: { DATABASE_URL: proxied.toString() } });
    admin = await stack.admin();
    owner = await stack.as('bob@example.com', ['team-myapp']);
    await seed(admin, ['myapp'], ['myapp']);
  });
  afterAll(async () => {
    await proxy?.restore();
    await stack?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('with the database reachable, requests go through the proxy', async () => {
    expect(proxy.accepted).toBeGreaterThan(0);
    expect((await admin.get('/v1/apps')).status).toBe(200);
  });

  it('cut off, every database route answers a bounded 503 database_unavailable', async () => {
    await proxy.cut();
    const calls: [string, () => Promise<ApiReply>][] = [
      ['GET /v1/apps', () => admin.get('/v1/apps')],
      ['GET /v1/apps/myapp', () => admin.get('/v1/apps/myapp')],
      ['POST /v1/apps', () => admin.post('/v1/apps', { name: 'during-outage', ownerGroups: ['t'] })],
      ['GET /v1/clusters', () => admin.get('/v1/clusters')],
      ['PUT approle', () => owner.put(role('myapp'))],
      ['GET approle', () => owner.get(role('myapp'))],
    ];
    for (const [name, call] of calls) {
      const { reply, ms } = await timed(call);
      expect.soft(reply.status, `${name}: ${reply.text}`).toBe(503);
      expect.soft(reply.body?.type, name).toBe(DATABASE_UNAVAILABLE);
      expect.soft(reply.headers.get('content-type'), name).toContain(PROBLEM);
      expect.soft(ms, name).toBeLessThan(BOUND_MS);
    }
  });

  it('cut off, readiness says the database is unavailable and Vault ok; liveness stays up', async () => {
    const { reply, ms } = await timed(() => stack.client.get('/readyz'));
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ status: 'unavailable', checks: { database: 'unavailable', vault: 'ok' } });
    expect(ms).toBeLessThan(3_000);
    expect((await stack.client.get('/healthz')).status).toBe(200);
  });

  it('back again, the same API serves without a restart, and the failed create left nothing', async () => {
    await proxy.restore();
    const list = await admin.get('/v1/apps');
    expect(list.status, list.text).toBe(200);
    expect(list.body.items.map((a: { name: string }) => a.name)).toEqual(['myapp']);
    expect((await owner.put(role('myapp'))).status).toBe(200);
    expect((await admin.post('/v1/apps', { name: 'after-outage', ownerGroups: ['t'] })).status).toBe(201);
    const ready = await stack.client.get('/readyz');
    expect(ready.status).toBe(200);
  });
});
