/**
 * A set of a settled key takes its lock and records its pending row in one statement, writes to
 * Vault without reading Vault's metadata first, and confirms with the unlock. What that shortcut
 * trusts — the history naming Vault's current version — is proven by the write's check-and-set;
 * these tests break that trust and the lock's session in real ways and check nothing is lost,
 * doubled, misattributed or out of order.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startVaultDev } from 'vault-dev';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalIssuer } from '../src/auth/local-issuer.js';
import { ApiClient } from './support/http.js';
import { createTestDatabase } from './support/postgres.js';
import {
  ADMIN_GROUP,
  AUDIENCE,
  ISSUER,
  enableAppRole,
  leastPrivilegeToken,
  startStack,
  vaultRequest,
} from './support/stack.js';
import { startTcpProxy } from './support/tcp-proxy.js';
import { startVaultGate } from './support/vault-gate.js';
import { startApiProcess } from './support/api-process.js';
import { pollUntil } from './support/poll.js';

const S = '/v1/apps/myapp/secrets';
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function sql(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

const rowsOf = (url: string, path: string) =>
  sql(url, 'SELECT version, kv_version, actor, confirmed FROM secret_versions WHERE path = $1 ORDER BY version', [
    path,
  ]);

/** An HTTP proxy in front of Vault that notes each request's method and path. */
async function startVaultRecorder(target: string): Promise<{ address: string; calls: string[]; close(): void }> {
  const upstream = new URL(target);
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    const proxied = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    proxied.on('error', () => res.destroy());
    req.pipe(proxied);
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  return {
    address: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('a set of a settled key', () => {
  it('sends one Vault call and no statement of its own besides the lock’s', async () => {
    let recorder: Awaited<ReturnType<typeof startVaultRecorder>> | undefined;
    let statements: string[] | undefined;
    const stack = await startStack('settled_set', {
      env: async ({ vault }) => {
        recorder = await startVaultRecorder(vault.address);
        return { VAULT_ADDR: recorder.address };
      },
      onDatabaseQuery: (text) => statements?.push(text),
    });
    cleanups.push(() => stack.close());
    cleanups.push(async () => recorder?.close());
    const admin = await stack.admin();
    expect((await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] })).status).toBe(201);
    const owner = await stack.as('bob@example.com', ['team']);
    expect((await owner.put(`${S}/K`, { value: 'one' })).body.version).toBe(1);

    recorder!.calls.length = 0;
    statements = [];
    const set = await owner.put(`${S}/K`, { value: 'two', comment: 'rotate' });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toEqual({ key: 'K', version: 2 });
    expect(recorder!.calls).toEqual(['POST /v1/secret/data/myapp/K']);
    // The pending row, its confirmation and the notice to other replicas went with the lock, on the lock's session.
    expect(statements.filter((s) => /secret_versions|pg_notify/.test(s))).toEqual([]);
    statements = undefined;

    expect(await rowsOf(stack.db.url, 'myapp/K')).toEqual([
      { version: 1, kv_version: 1, actor: 'bob@example.com', confirmed: true },
      { version: 2, kv_version: 2, actor: 'bob@example.com', confirmed: true },
    ]);
    const history = await owner.get(`${S}/K/versions`);
    expect(history.body.items.map((i: { version: number; comment: string | null }) => [i.version, i.comment])).toEqual([
      [2, 'rotate'],
      [1, null],
    ]);
  });
});

describe('a version written outside the API just before a set', () => {
  it('is found by the check-and-set and recorded before the set’s own version, each with its author', async () => {
    const stack = await startStack('outside_then_set');
    cleanups.push(() => stack.close());
    const admin = await stack.admin();
    await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] });
    const owner = await stack.as('bob@example.com', ['team']);
    expect((await owner.put(`${S}/K`, { value: 'one' })).body.version).toBe(1);
    expect((await stack.vaultCall('POST', 'secret/data/myapp/K', { data: { value: 'by-hand' } })).status).toBe(200);

    // No read in between: the set itself must notice.
    const stale = await owner.put(`${S}/K`, { value: 'two', cas: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.type).toBe('urn:secret-api:problem:cas_mismatch');
    expect(stale.body.detail).toContain('retry with cas 2');
    expect((await stack.vaultCall('POST', 'secret/data/myapp/K', { data: { value: 'by-hand-2' } })).status).toBe(200);
    const set = await owner.put(`${S}/K`, { value: 'three' });
    expect(set.status, set.text).toBe(200);
    expect(set.body.version).toBe(4);

    expect(await rowsOf(stack.db.url, 'myapp/K')).toEqual([
      { version: 1, kv_version: 1, actor: 'bob@example.com', confirmed: true },
      { version: 2, kv_version: 2, actor: 'system', confirmed: true },
      { version: 3, kv_version: 3, actor: 'system', confirmed: true },
      { version: 4, kv_version: 4, actor: 'bob@example.com', confirmed: true },
    ]);
    const meta = await stack.vaultCall('GET', 'secret/metadata/myapp/K');
    expect(meta.body.data.current_version).toBe(4);
  });

  it('after Vault forgot the key: the set starts Vault at 1 again and the history goes on', async () => {
    const stack = await startStack('forgot_then_set');
    cleanups.push(() => stack.close());
    const admin = await stack.admin();
    await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] });
    const owner = await stack.as('bob@example.com', ['team']);
    for (const value of ['one', 'two']) expect((await owner.put(`${S}/K`, { value })).status).toBe(200);
    expect((await stack.vaultCall('DELETE', 'secret/metadata/myapp/K')).status).toBe(204);

    expect((await owner.put(`${S}/K`, { value: 'three' })).body.version).toBe(3);
    expect(await rowsOf(stack.db.url, 'myapp/K')).toEqual([
      { version: 1, kv_version: null, actor: 'bob@example.com', confirmed: true },
      { version: 2, kv_version: null, actor: 'bob@example.com', confirmed: true },
      { version: 3, kv_version: 1, actor: 'bob@example.com', confirmed: true },
    ]);
  });
});

describe('the lock’s database session ends during a set', () => {
  it('the set still confirms its version, and the key takes the next set', async () => {
    let gate: Awaited<ReturnType<typeof startVaultGate>> | undefined;
    const stack = await startStack('lock_session_lost', {
      env: async ({ vault }) => {
        gate = await startVaultGate(vault.address);
        return { VAULT_ADDR: gate.address };
      },
    });
    cleanups.push(() => stack.close());
    cleanups.push(async () => gate?.close());
    const admin = await stack.admin();
    await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] });
    const owner = await stack.as('bob@example.com', ['team']);
    expect((await owner.put(`${S}/K`, { value: 'one' })).body.version).toBe(1);

    gate!.arm((method, path) => method === 'POST' && path === '/v1/secret/data/myapp/K');
    const inFlight = owner.put(`${S}/K`, { value: 'two' });
    await gate!.held();
    const ended = await sql(
      stack.db.url,
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
       WHERE application_name = 'secret-api key locks' AND datname = current_database()`,
    );
    expect(ended).toContainEqual({ ended: true });
    await pollUntil(
      () =>
        sql(
          stack.db.url,
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'secret-api key locks' AND datname = current_database()",
        ),
      (r) => r[0]?.n === 0,
    );
    gate!.release();
    const set = await inFlight;
    expect(set.status, set.text).toBe(200);
    expect(set.body.version).toBe(2);

    expect((await owner.put(`${S}/K`, { value: 'three' })).body.version).toBe(3);
    expect(await rowsOf(stack.db.url, 'myapp/K')).toEqual(
      [1, 2, 3].map((v) => ({ version: v, kv_version: v, actor: 'bob@example.com', confirmed: true })),
    );
  });
});

describe('a process killed after its pending row, before Vault got the write', () => {
  const processes: ChildProcess[] = [];
  cleanups.push(async () => {
    for (const p of processes) if (p.exitCode === null) p.kill('SIGKILL');
  });

  it('leaves no version: the history shows none, and the next set fences the write out and takes its number', async () => {
    const vault = await startVaultDev({ port: 0 });
    cleanups.push(() => vault.close());
    await enableAppRole(vault);
    const vaultUrl = new URL(vault.address);
    const vaultProxy = await startTcpProxy({ host: vaultUrl.hostname, port: Number(vaultUrl.port) });
    cleanups.push(() => vaultProxy.close());
    const db = await createTestDatabase('killed_before_vault');
    cleanups.push(() => db.drop());
    const dir = await mkdtemp(join(tmpdir(), 'secret-api-killed-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const issuer = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE, dir });
    const env = {
      PORT: '0',
      DATABASE_URL: db.url,
      VAULT_ADDR: `http://${vaultProxy.host}:${vaultProxy.port}`,
      VAULT_TOKEN: await leastPrivilegeToken(vault),
      AUTH_ISSUERS: JSON.stringify([issuer.issuerConfig()]),
      ADMIN_GROUPS: ADMIN_GROUP,
      HISTORY_HMAC_KEY: Buffer.alloc(32, 9).toString('base64'),
    };
    const adminToken = await issuer.sign({ sub: 'alice@example.com', groups: [ADMIN_GROUP] });
    const ownerToken = await issuer.sign({ sub: 'bob@example.com', groups: ['team'] });

    const first = new ApiClient((await startApiProcess(env, (c) => processes.push(c))).url, ownerToken);
    expect((await first.as(adminToken).post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] })).status).toBe(201);
    expect((await first.put(`${S}/K`, { value: 'one' })).body.version).toBe(1);

    // Vault stops answering: the next set records its pending row with the lock, then waits on Vault.
    await vaultProxy.hang();
    void first.put(`${S}/K`, { value: 'two' }).catch(() => undefined);
    const pending = await pollUntil(
      () => rowsOf(db.url, 'myapp/K'),
      (r) => r.length === 2,
    );
    expect(pending).toEqual([
      { version: 1, kv_version: 1, actor: 'bob@example.com', confirmed: true },
      { version: 2, kv_version: 2, actor: 'bob@example.com', confirmed: false },
    ]);
    processes[0]!.kill('SIGKILL');
    await vaultProxy.restore();
    const meta = await vaultRequest(vault.address, vault.rootToken, 'GET', 'secret/metadata/myapp/K');
    expect(meta.body.data.current_version).toBe(1);

    // A request sent before the kill may still reach Vault (it may sit in a slow Vault's queue): the row stays
    // pending, out of the history, until the next set's check-and-set makes sure it cannot land.
    const second = new ApiClient((await startApiProcess(env, (c) => processes.push(c))).url, ownerToken);
    expect((await second.get(`${S}/K/versions`)).body.items.map((i: { version: number }) => i.version)).toEqual([1]);
    expect(await rowsOf(db.url, 'myapp/K')).toEqual([
      { version: 1, kv_version: 1, actor: 'bob@example.com', confirmed: true },
      { version: 2, kv_version: 2, actor: 'bob@example.com', confirmed: false },
    ]);
    expect((await second.put(`${S}/K`, { value: 'two again' })).body.version).toBe(2);
    expect(await rowsOf(db.url, 'myapp/K')).toEqual([
      { version: 1, kv_version: 1, actor: 'bob@example.com', confirmed: true },
      { version: 2, kv_version: 2, actor: 'bob@example.com', confirmed: true },
    ]);
  });
});
