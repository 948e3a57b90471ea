/**
 * A hot secret key holds up no one else: while one key is locked (by another replica, or by a set
 * stuck on a slow Vault), sets of other keys and lists answer at once, sets of the busy key answer
 * within a bound with `secret_busy` and Retry-After, and nothing is reported as the database being
 * down. Across two API processes, concurrent sets of one key still get contiguous versions.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startVaultDev, type VaultDev } from 'vault-dev';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalIssuer } from '../src/auth/local-issuer.js';
import { ApiClient, type ApiReply } from './support/http.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { ADMIN_GROUP, AUDIENCE, ISSUER, enableAppRole, startStack, type Stack } from './support/stack.js';
import { startVaultGate, type VaultGate } from './support/vault-gate.js';
import { startApiProcess } from './support/api-process.js';

/**
 * The lock's wait (5 s) plus room for a loaded test machine: a busy key answers within this, and
 * sets of other keys, which never wait for it, too (before, they failed with 503 after 5 s).
 */
const BOUND_MS = 10_000;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function timed(call: Promise<ApiReply>): Promise<ApiReply & { ms: number }> {
  const started = Date.now();
  const reply = await call;
  return { ...reply, ms: Date.now() - started };
}

/** Log lines that blame the database: a busy key must never be reported that way. */
const blamesDatabase = (logs: Record<string, unknown>[]) =>
  logs.filter((l) => /database (is )?unavailable/i.test(String(l['msg'])));

async function stackWithApps(label: string, vaultAddress?: (vault: VaultDev) => Promise<string>) {
  const stack: Stack = await startStack(label, {
    // The stuck write must stay stuck for the whole test, not time out.
    ...(vaultAddress && {
      env: async ({ vault }) => ({ VAULT_ADDR: await vaultAddress(vault), VAULT_TIMEOUT_MS: '60000' }),
    }),
  });
  cleanups.push(() => stack.close());
  const admin = await stack.admin();
  expect((await admin.post('/v1/apps', { name: 'hot', ownerGroups: ['team'] })).status).toBe(201);
  expect((await admin.post('/v1/apps', { name: 'calm', ownerGroups: ['team'] })).status).toBe(201);
  return { stack, owner: await stack.as('bob@example.com', ['team']) };
}

function expectBusy(reply: ApiReply & { ms: number }) {
  expect(reply.status, reply.text).toBe(409);
  expect(reply.body.type).toBe('urn:secret-api:problem:secret_busy');
  expect(reply.headers.get('retry-after')).toBe('1');
  expect(reply.ms).toBeLessThan(BOUND_MS);
}

describe('a key locked by another replica', () => {
  it('leaves other keys and lists untouched, and its own sets answer secret_busy in bounded time', async () => {
    const { stack, owner } = await stackWithApps('contention');
    expect((await owner.put('/v1/apps/hot/secrets/A', { value: 'before' })).body.version).toBe(1);

    // Another replica holds A's lock: the same advisory lock, taken on a connection of our own.
    const replica = new pg.Client({ connectionString: stack.db.url });
    await replica.connect();
    cleanups.push(() => replica.end());
    await replica.query('SELECT pg_advisory_lock(1936028770, hashtext($1))', ['hot/A']);

    const [others, hot, lists] = await Promise.all([
      Promise.all(
        Array.from({ length: 30 }, (_, i) => timed(owner.put(`/v1/apps/calm/secrets/K${i}`, { value: 'x' }))),
      ),
      // More than the in-process queue admits: the rest are told at once.
      Promise.all(Array.from({ length: 40 }, () => timed(owner.put('/v1/apps/hot/secrets/A', { value: 'during' })))),
      Promise.all([owner.get('/v1/apps/hot/secrets'), owner.get('/v1/apps/calm/secrets')]),
    ]);
    for (const r of others) {
      expect(r.status, r.text).toBe(200);
      expect(r.body.version).toBe(1);
    }
    expect(Math.max(...others.map((r) => r.ms))).toBeLessThan(BOUND_MS);
    for (const r of hot) expectBusy(r);
    for (const l of lists) expect(l.status, l.text).toBe(200);
    expect(lists[0]!.body.items).toEqual([expect.objectContaining({ key: 'A', version: 1 })]);
    expect((await owner.get('/v1/apps/hot/secrets/A')).status).toBe(200);
    expect((await owner.get('/v1/apps/hot/secrets/A/versions')).status).toBe(200);
    expect(blamesDatabase(stack.logs)).toEqual([]);

    // Released, the key takes writes again, and no refused set left a trace.
    await replica.query('SELECT pg_advisory_unlock(1936028770, hashtext($1))', ['hot/A']);
    expect((await owner.put('/v1/apps/hot/secrets/A', { value: 'after' })).body.version).toBe(2);
    const history = await owner.get('/v1/apps/hot/secrets/A/versions');
    expect(history.body.items.map((i: { version: number }) => i.version)).toEqual([2, 1]);
  });
});

describe('a set stuck on a slow Vault', () => {
  it('holds only its own key: other keys are set at once, its key answers secret_busy', async () => {
    let gate: VaultGate | undefined;
    const { stack, owner } = await stackWithApps('stuckset', async (vault) => {
      gate = await startVaultGate(vault.address);
      cleanups.push(() => gate!.close());
      return gate.address;
    });
    gate!.arm((method, path) => method === 'POST' && path === '/v1/secret/data/hot/A');
    const stuck = owner.put('/v1/apps/hot/secrets/A', { value: 'slow' });
    await gate!.held();

    const [others, hot] = await Promise.all([
      Promise.all(
        Array.from({ length: 30 }, (_, i) => timed(owner.put(`/v1/apps/calm/secrets/K${i}`, { value: 'x' }))),
      ),
      Promise.all(Array.from({ length: 5 }, () => timed(owner.put('/v1/apps/hot/secrets/A', { value: 'other' })))),
    ]);
    for (const r of others) expect(r.status, r.text).toBe(200);
    expect(Math.max(...others.map((r) => r.ms))).toBeLessThan(BOUND_MS);
    for (const r of hot) expectBusy(r);
    // (Lists are not asked here: the test's Vault gate does not pass LIST requests.)
    expect((await owner.get('/v1/apps/calm/secrets/K0')).status).toBe(200);

    gate!.release();
    expect((await stuck).body).toEqual({ key: 'A', version: 1 });
    expect((await owner.get('/v1/apps/hot/secrets/A/versions')).body.items).toHaveLength(1);
    expect(blamesDatabase(stack.logs)).toEqual([]);
  });
});

describe('concurrent sets of one key through two API processes', () => {
  const processes: ChildProcess[] = [];
  cleanups.push(async () => {
    for (const p of processes) if (p.exitCode === null) p.kill('SIGKILL');
  });

  it('get contiguous versions, each with exactly one confirmed history row', async () => {
    const vault = await startVaultDev({ port: 0 });
    cleanups.push(() => vault.close());
    await enableAppRole(vault);
    const db: TestDatabase = await createTestDatabase('twoprocs');
    cleanups.push(() => db.drop());
    const dir = await mkdtemp(join(tmpdir(), 'secret-api-twoprocs-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const issuer = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE, dir });
    const env = {
      PORT: '0',
      DATABASE_URL: db.url,
      VAULT_ADDR: vault.address,
      VAULT_TOKEN: vault.rootToken,
      AUTH_ISSUERS: JSON.stringify([issuer.issuerConfig()]),
      ADMIN_GROUPS: ADMIN_GROUP,
    };
    const urls = await Promise.all([1, 2].map(async () => (await startApiProcess(env, (c) => processes.push(c))).url));
    const token = await issuer.sign({ sub: 'alice@example.com', groups: [ADMIN_GROUP] });
    const [a, b] = urls.map((u) => new ApiClient(u, token)) as [ApiClient, ApiClient];
    expect((await a.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] })).status).toBe(201);

    const n = 16;
    const replies = await Promise.all(
      Array.from({ length: n }, (_, i) => (i % 2 ? a : b).put('/v1/apps/myapp/secrets/RACE', { value: `v${i}` })),
    );
    for (const r of replies) expect(r.status, r.text).toBe(200);
    const expected = Array.from({ length: n }, (_, i) => i + 1);
    expect(replies.map((r) => r.body.version as number).sort((x, y) => x - y)).toEqual(expected);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const rows = await client.query(
        "SELECT version, kv_version, confirmed FROM secret_versions WHERE path = 'myapp/RACE' ORDER BY version",
      );
      expect(rows.rows).toEqual(expected.map((v) => ({ version: v, kv_version: v, confirmed: true })));
    } finally {
      await client.end();
    }
    const meta = await fetch(`${vault.address}/v1/secret/metadata/myapp/RACE`, {
      headers: { 'X-Vault-Token': vault.rootToken },
    }).then((r) => r.json() as Promise<{ data: { current_version: number } }>);
    expect(meta.data.current_version).toBe(n);
  });
});
