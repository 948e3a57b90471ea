/**
 * No lost or duplicated versions: a process killed, or a database failing, between the Vault write
 * of a secret and its history row is repaired — at start-up, or on the next access.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startVaultDev, type VaultDev } from 'vault-dev';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalIssuer } from '../src/auth/local-issuer.js';
import { ApiClient } from './support/http.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
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

const startApi = (env: Record<string, string>) =>
  startApiProcess(env, (child) => cleanups.push(async () => child.exitCode === null && child.kill('SIGKILL')));
const isSecretWrite = (method: string, path: string) => method === 'POST' && path.startsWith('/v1/secret/data/myapp/');
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function rows(url: string, path: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query(
      'SELECT version, actor, confirmed FROM secret_versions WHERE path = $1 ORDER BY version',
      [path],
    );
    return r.rows as { version: number; actor: string; confirmed: boolean }[];
  } finally {
    await client.end();
  }
}

describe('a crash between the Vault write and the history row', () => {
  it('is repaired at start-up: the version keeps its author, none is lost or doubled', async () => {
    const vault: VaultDev = await startVaultDev({ port: 0 });
    cleanups.push(() => vault.close());
    await enableAppRole(vault);
    const gate = await startVaultGate(vault.address);
    cleanups.push(() => gate.close());
    const db: TestDatabase = await createTestDatabase('crash');
    cleanups.push(() => db.drop());
    const dir = await mkdtemp(join(tmpdir(), 'secret-api-crash-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const issuer = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE, dir });
    const env = {
      PORT: '0',
      DATABASE_URL: db.url,
      VAULT_ADDR: gate.address,
      VAULT_TOKEN: await leastPrivilegeToken(vault),
      AUTH_ISSUERS: JSON.stringify([issuer.issuerConfig()]),
      ADMIN_GROUPS: ADMIN_GROUP,
      HISTORY_HMAC_KEY: Buffer.alloc(32, 7).toString('base64'),
    };

    const first = await startApi(env);
    const admin = new ApiClient(first.url, await issuer.sign({ sub: 'alice@example.com', groups: [ADMIN_GROUP] }));
    const ownerToken = await issuer.sign({ sub: 'bob@example.com', groups: ['team'] });
    const owner = new ApiClient(first.url, ownerToken);
    expect((await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] })).status).toBe(201);
    expect((await owner.put('/v1/apps/myapp/secrets/DB_PASSWORD', { value: 'one' })).body.version).toBe(1);

    gate.arm(isSecretWrite);
    const inFlight = owner
      .put('/v1/apps/myapp/secrets/DB_PASSWORD', { value: 'two', comment: 'rotate' })
      .catch((e) => e);
    await gate.held();
    first.child.kill('SIGKILL');
    await inFlight;
    const meta = await vaultRequest(vault.address, vault.rootToken, 'GET', 'secret/metadata/myapp/DB_PASSWORD');
    expect(meta.body.data.current_version).toBe(2);
    expect(await rows(db.url, 'myapp/DB_PASSWORD')).toEqual([
      { version: 1, actor: 'bob@example.com', confirmed: true },
      { version: 2, actor: 'bob@example.com', confirmed: false },
    ]);

    const second = await startApi(env);
    // No request needed: start-up settles what the crash left.
    const settled = await pollUntil(
      () => rows(db.url, 'myapp/DB_PASSWORD'),
      (r) => r.every((x) => x.confirmed),
    );
    expect(settled).toEqual([
      { version: 1, actor: 'bob@example.com', confirmed: true },
      { version: 2, actor: 'bob@example.com', confirmed: true },
    ]);
    const client = new ApiClient(second.url, ownerToken);
    const history = await client.get('/v1/apps/myapp/secrets/DB_PASSWORD/versions');
    expect(history.body.items.map((i: { version: number; comment: string | null }) => [i.version, i.comment])).toEqual([
      [2, 'rotate'],
      [1, null],
    ]);
    expect((await client.put('/v1/apps/myapp/secrets/DB_PASSWORD', { value: 'three' })).body.version).toBe(3);
    second.child.kill('SIGTERM');
  });

  it('a write killed before it reached Vault leaves no version behind', async () => {
    const vault: VaultDev = await startVaultDev({ port: 0 });
    cleanups.push(() => vault.close());
    await enableAppRole(vault);
    const stack = await startStack('nowrite');
    cleanups.push(() => stack.close());
    const admin = await stack.admin();
    const owner = await stack.as('bob@example.com', ['team']);
    await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] });
    await owner.put('/v1/apps/myapp/secrets/K', { value: 'one' });
    // An unconfirmed row for a version Vault never got, as a crash before the Vault write leaves it.
    const client = new pg.Client({ connectionString: stack.db.url });
    await client.connect();
    await client.query(
      "INSERT INTO secret_versions (path, version, actor, fingerprint, confirmed) VALUES ('myapp/K', 2, 'bob@example.com', 'x', false)",
    );
    await client.end();
    const history = await owner.get('/v1/apps/myapp/secrets/K/versions');
    expect(history.body.items.map((i: { version: number }) => i.version)).toEqual([1]);
    expect(await rows(stack.db.url, 'myapp/K')).toEqual([{ version: 1, actor: 'bob@example.com', confirmed: true }]);
    expect((await owner.put('/v1/apps/myapp/secrets/K', { value: 'two' })).body.version).toBe(2);
  });
});

describe('a database failure between the Vault write and the history row', () => {
  it('answers 503, and the next access repairs the history with the right author', async () => {
    let dbProxy: Awaited<ReturnType<typeof startTcpProxy>> | undefined;
    let gate: Awaited<ReturnType<typeof startVaultGate>> | undefined;
    const stack = await startStack('dbfail', {
      env: async ({ vault, db }) => {
        const url = new URL(db.url);
        dbProxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
        url.port = String(dbProxy.port);
        gate = await startVaultGate(vault.address);
        return { DATABASE_URL: url.toString(), VAULT_ADDR: gate.address };
      },
    });
    cleanups.push(() => stack.close());
    cleanups.push(async () => dbProxy?.close());
    cleanups.push(async () => gate?.close());
    const admin = await stack.admin();
    const owner = await stack.as('bob@example.com', ['team']);
    expect((await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] })).status).toBe(201);
    expect((await owner.put('/v1/apps/myapp/secrets/TOKEN', { value: 'one' })).body.version).toBe(1);

    gate!.arm(isSecretWrite);
    const inFlight = owner.put('/v1/apps/myapp/secrets/TOKEN', { value: 'two', comment: 'mid-write' });
    await gate!.held();
    await dbProxy!.cut();
    gate!.release();
    const failed = await inFlight;
    expect(failed.status).toBe(503);
    expect(failed.body.type).toBe('urn:secret-api:problem:database_unavailable');

    await dbProxy!.restore();
    const history = await pollUntil(
      () => owner.get('/v1/apps/myapp/secrets/TOKEN/versions'),
      (r) => r.status === 200,
    );
    expect(
      history.body.items.map((i: { version: number; actor: string; comment: string | null }) => [
        i.version,
        i.actor,
        i.comment,
      ]),
    ).toEqual([
      [2, 'bob@example.com', 'mid-write'],
      [1, 'bob@example.com', null],
    ]);
    expect((await owner.put('/v1/apps/myapp/secrets/TOKEN', { value: 'three' })).body.version).toBe(3);
    expect((await rows(stack.db.url, 'myapp/TOKEN')).map((r) => [r.version, r.confirmed])).toEqual([
      [1, true],
      [2, true],
      [3, true],
    ]);
  });

  it('a database down before the Vault write changes nothing in Vault', async () => {
    let dbProxy: Awaited<ReturnType<typeof startTcpProxy>> | undefined;
    const stack = await startStack('dbdown', {
      env: async ({ db }) => {
        const url = new URL(db.url);
        dbProxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
        url.port = String(dbProxy.port);
        return { DATABASE_URL: url.toString() };
      },
    });
    cleanups.push(() => stack.close());
    cleanups.push(async () => dbProxy?.close());
    const admin = await stack.admin();
    await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] });
    await dbProxy!.cut();
    const reply = await admin.put('/v1/apps/myapp/secrets/K', { value: 'never' });
    expect(reply.status).toBe(503);
    expect((await stack.vaultCall('GET', 'secret/metadata/myapp/K')).status).toBe(404);
  });
});

/**
 * A stack whose Vault answers (or requests) can be held by a gate, with a 1 s Vault timeout; bob owns myapp, whose
 * `key` he has set once (version 1).
 */
async function gatedStack(name: string, key: string) {
  let gate: Awaited<ReturnType<typeof startVaultGate>> | undefined;
  const stack = await startStack(name, {
    env: async ({ vault }) => {
      gate = await startVaultGate(vault.address);
      return { VAULT_ADDR: gate.address, VAULT_TIMEOUT_MS: '1000' };
    },
  });
  cleanups.push(() => stack.close());
  cleanups.push(async () => gate?.close());
  const admin = await stack.admin();
  expect((await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] })).status).toBe(201);
  const bob = await stack.as('bob@example.com', ['team']);
  expect((await bob.put(`/v1/apps/myapp/secrets/${key}`, { value: 'one' })).body.version).toBe(1);
  return { stack, gate: gate!, admin, bob };
}

describe('a Vault write whose answer never came', () => {
  it('answers 503 saying the write may have been applied; repair then records it, and audits it in its author’s name', async () => {
    const { stack, gate, admin, bob: owner } = await gatedStack('noanswer', 'SLOW');

    // Vault applies the write; its answer is held past the client's timeout.
    gate.arm(isSecretWrite);
    const reply = await owner.put('/v1/apps/myapp/secrets/SLOW', { value: 'two', comment: 'slow' });
    gate.release();
    expect(reply.status).toBe(503);
    expect(reply.body.type).toBe('urn:secret-api:problem:vault_unavailable');
    expect(reply.body.detail).toContain('may have been applied');
    expect(reply.body.detail).toContain('a version by you after version 1');
    expect((await stack.vaultCall('GET', 'secret/metadata/myapp/SLOW')).body.data.current_version).toBe(2);

    const history = await owner.get('/v1/apps/myapp/secrets/SLOW/versions');
    expect(history.body.items.map((i: { version: number; actor: string }) => [i.version, i.actor])).toEqual([
      [2, 'bob@example.com'],
      [1, 'bob@example.com'],
    ]);
    const audit = await admin.get('/v1/audit?app=myapp');
    const sets = audit.body.items
      .filter((e: { action: string }) => e.action === 'secret.set')
      .map(
        (e: { actor: string; result: string; error?: string; details?: { recordedBy?: string; version?: number } }) => [
          e.actor,
          e.result,
          e.error ?? e.details?.recordedBy,
          e.details?.version,
        ],
      );
    // Newest first: the version repair found, the request that failed, the first set.
    expect(sets).toEqual([
      ['bob@example.com', 'success', 'repair', 2],
      ['bob@example.com', 'error', 'vault_unavailable', undefined],
      ['bob@example.com', 'success', undefined, undefined],
    ]);
  });
});

describe('a Vault write that lands after the API stopped waiting for it', () => {
  const kvCurrent = async (stack: Awaited<ReturnType<typeof startStack>>) =>
    (await stack.vaultCall('GET', 'secret/metadata/myapp/LATE')).body.data.current_version as number;
  const versionsOf = async (client: ApiClient) =>
    (await client.get('/v1/apps/myapp/secrets/LATE/versions')).body.items.map(
      (i: { version: number; actor: string }) => [i.version, i.actor],
    );

  /** Lets the held write through to Vault and waits for it there: the history then shows it as bob's version 2. */
  async function landsAsBobsVersion2(
    stack: Awaited<ReturnType<typeof startStack>>,
    gate: Awaited<ReturnType<typeof startVaultGate>>,
    bob: ApiClient,
  ) {
    gate.release();
    expect(
      await pollUntil(
        () => kvCurrent(stack),
        (v) => v === 2,
      ),
    ).toBe(2);
    expect(await versionsOf(bob)).toEqual([
      [2, 'bob@example.com'],
      [1, 'bob@example.com'],
    ]);
  }

  it('is credited to its author although the key was read (and repaired) while it waited', async () => {
    const { stack, gate, admin, bob } = await gatedStack('landslate', 'LATE');
    gate.arm(isSecretWrite, { before: true });
    const reply = await bob.put('/v1/apps/myapp/secrets/LATE', { value: 'two', comment: 'late' });
    expect(reply.status).toBe(503);
    expect(reply.body.detail).toContain('may have been applied');
    // Read while Vault has yet to see the write: version 1 only, and the pending version is not given up.
    expect(await versionsOf(bob)).toEqual([[1, 'bob@example.com']]);
    expect((await bob.get('/v1/apps/myapp/secrets/LATE')).body.version).toBe(1);

    await landsAsBobsVersion2(stack, gate, bob);
    const audit = await admin.get('/v1/audit?app=myapp');
    const repaired = audit.body.items.filter(
      (e: { action: string; details?: { recordedBy?: string } }) =>
        e.action === 'secret.set' && e.details?.recordedBy === 'repair',
    );
    expect(repaired.map((e: { actor: string; details: { version: number } }) => [e.actor, e.details.version])).toEqual([
      ['bob@example.com', 2],
    ]);
  });

  it('is credited to its author however late it lands, when Vault holds the value the author sent', async () => {
    const { stack, gate, bob } = await gatedStack('verylate', 'LATE');
    gate.arm(isSecretWrite, { before: true });
    expect((await bob.put('/v1/apps/myapp/secrets/LATE', { value: 'two' })).status).toBe(503);
    // The write waited in Vault longer than a set's own write is expected to (5 min): the same value is still bob's.
    const db = new pg.Client({ connectionString: stack.db.url });
    await db.connect();
    await db.query(`UPDATE secret_versions SET created_at = now() - interval '6 minutes' WHERE NOT confirmed`);
    await db.end();
    await landsAsBobsVersion2(stack, gate, bob);
  });

  it('is fenced out by the next set, which takes its version number', async () => {
    const { stack, gate, bob } = await gatedStack('fenced', 'LATE');
    gate.arm(isSecretWrite, { before: true });
    expect((await bob.put('/v1/apps/myapp/secrets/LATE', { value: 'two' })).status).toBe(503);
    const alice = await stack.as('alice@example.com', ['team']);
    expect((await alice.put('/v1/apps/myapp/secrets/LATE', { value: 'three' })).body).toEqual({
      key: 'LATE',
      version: 2,
    });

    // Bob's write now reaches Vault: its check-and-set names version 1, and Vault is at 2.
    gate.release();
    await new Promise((r) => setTimeout(r, 300));
    expect(await kvCurrent(stack)).toBe(2);
    expect(await versionsOf(bob)).toEqual([
      [2, 'alice@example.com'],
      [1, 'bob@example.com'],
    ]);
    expect((await stack.vaultCall('GET', 'secret/data/myapp/LATE')).body.data.data).toEqual({ value: 'three' });
  });

  it('that lands just before the next set keeps its author; the next set is told to retry', async () => {
    const { stack, gate, bob } = await gatedStack('fencelost', 'LATE');
    gate.arm(isSecretWrite, { before: true });
    expect((await bob.put('/v1/apps/myapp/secrets/LATE', { value: 'two' })).status).toBe(503);
    // Alice's write is held in turn (bob's stays held for good); meanwhile bob's lands — Vault applies it as version 2.
    gate.arm(isSecretWrite, { before: true });
    const alice = await stack.as('alice@example.com', ['team']);
    const aliceSet = alice.put('/v1/apps/myapp/secrets/LATE', { value: 'three' });
    await gate.held();
    const landed = await stack.vaultCall('POST', 'secret/data/myapp/LATE', {
      options: { cas: 1 },
      data: { value: 'two' },
    });
    expect(landed.status).toBe(200);
    gate.release();
    const refused = await aliceSet;
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('retry');
    expect(await versionsOf(bob)).toEqual([
      [2, 'bob@example.com'],
      [1, 'bob@example.com'],
    ]);
    expect((await alice.put('/v1/apps/myapp/secrets/LATE', { value: 'three' })).body.version).toBe(3);
  });
});

describe('a set that never reached Vault', () => {
  it('leaves no pending row: a version written later outside the API, then deleted, is not credited to its author', async () => {
    let vaultProxy: Awaited<ReturnType<typeof startTcpProxy>> | undefined;
    const stack = await startStack('neverreached', {
      env: async ({ vault }) => {
        const url = new URL(vault.address);
        vaultProxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
        return { VAULT_ADDR: `http://127.0.0.1:${vaultProxy.port}` };
      },
    });
    cleanups.push(() => stack.close());
    cleanups.push(async () => vaultProxy?.close());
    const admin = await stack.admin();
    const owner = await stack.as('alice@example.com', ['team']);
    expect((await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] })).status).toBe(201);
    expect((await owner.put('/v1/apps/myapp/secrets/PEND', { value: 'alice-v1', comment: 'first' })).status).toBe(200);

    await vaultProxy!.cut();
    const failed = await owner.put('/v1/apps/myapp/secrets/PEND', { value: 'alice-v2', comment: 'failed' });
    expect(failed.status).toBe(503);
    await vaultProxy!.restore();

    // Bob writes version 2 in Vault directly and deletes it: its value can no longer be compared.
    expect((await stack.vaultCall('POST', 'secret/data/myapp/PEND', { data: { value: 'bob' } })).status).toBe(200);
    expect((await stack.vaultCall('DELETE', 'secret/data/myapp/PEND')).status).toBe(204);
    const history = await owner.get('/v1/apps/myapp/secrets/PEND/versions');
    expect(history.status).toBe(200);
    expect(
      history.body.items.map((i: { version: number; actor: string; comment: string | null; deleted: boolean }) => [
        i.version,
        i.actor,
        i.comment,
        i.deleted,
      ]),
    ).toEqual([
      [2, 'system', 'recorded by repair: written outside the Secret API', true],
      [1, 'alice@example.com', 'first', false],
    ]);
  });
});
