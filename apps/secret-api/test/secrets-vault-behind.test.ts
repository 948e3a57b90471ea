/**
 * Vault behind its history is a known state, not a crash: when Vault forgets a key's versions
 * (KV metadata deleted, Vault restored from an older backup, vault-dev restarted in memory) the
 * history keeps them as destroyed, the key can be set again, and the version the API shows only
 * grows — Vault's own numbering restarting underneath.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let owner: ApiClient;
let revealer: ApiClient;

const S = '/v1/apps/myapp/secrets';

beforeAll(async () => {
  stack = await startStack('vaultbehind');
  const admin = await stack.admin();
  expect(
    (await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'], revealGroups: ['revealers'] })).status,
  ).toBe(201);
  owner = await stack.as('bob@example.com', ['team']);
  revealer = await stack.as('rita@example.com', ['revealers']);
});
afterAll(async () => stack?.close());

async function sql(text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: stack.db.url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

const rowsOf = (key: string) =>
  sql('SELECT version, kv_version, actor, confirmed FROM secret_versions WHERE path = $1 ORDER BY version', [
    `myapp/${key}`,
  ]);

/** What an operator (or a Vault restored in memory) does: every version and the metadata gone. */
async function forgetInVault(key: string) {
  expect((await stack.vaultCall('DELETE', `secret/metadata/myapp/${key}`)).status).toBe(204);
}

async function setAll(key: string, values: string[]) {
  for (const value of values) expect((await owner.put(`${S}/${key}`, { value })).status).toBe(200);
}

type Entry = { version: number; actor: string; deleted: boolean; destroyed: boolean; comment: string | null };
const history = async (key: string) => {
  const reply = await owner.get(`${S}/${key}/versions`);
  expect(reply.status, reply.text).toBe(200);
  return (reply.body.items as Entry[]).map((i) => [i.version, i.deleted ? 'deleted' : i.destroyed ? 'gone' : 'live']);
};

const noServerErrors = () => expect(stack.logs.filter((l) => l['level'] === 'error').map((l) => l['msg'])).toEqual([]);

describe('a key whose KV metadata was deleted in Vault', () => {
  it('reads as absent, keeps its history as destroyed, and is set again with the next version', async () => {
    await setAll('DB_PASSWORD', ['one', 'two', 'three']);
    await forgetInVault('DB_PASSWORD');

    expect((await owner.get(`${S}/DB_PASSWORD`)).status).toBe(404);
    expect((await owner.get(`${S}/DB_PASSWORD?version=2`)).status).toBe(404);
    expect((await owner.get(S)).body.items).toEqual([]);
    expect(await history('DB_PASSWORD')).toEqual([
      [3, 'gone'],
      [2, 'gone'],
      [1, 'gone'],
    ]);
    const rollback = await owner.post(`${S}/DB_PASSWORD/rollback`, { version: 2 });
    expect(rollback.status).toBe(409);
    expect(rollback.body.detail).toContain('no longer kept by Vault');
    expect((await owner.delete(`${S}/DB_PASSWORD`)).status).toBe(404);

    const set = await owner.put(`${S}/DB_PASSWORD`, { value: 'four', comment: 'after the reset' });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toEqual({ key: 'DB_PASSWORD', version: 4 });
    // Vault numbers it 1; the API never shows a version twice.
    const meta = await stack.vaultCall('GET', 'secret/metadata/myapp/DB_PASSWORD');
    expect(meta.body.data.current_version).toBe(1);
    const shown = await revealer.get(`${S}/DB_PASSWORD?reveal=true`);
    expect(shown.body).toMatchObject({ version: 4, value: 'four', updatedBy: 'bob@example.com' });
    expect((await revealer.get(`${S}/DB_PASSWORD?reveal=true&version=4`)).body.value).toBe('four');
    expect((await revealer.get(`${S}/DB_PASSWORD?reveal=true&version=1`)).status).toBe(404);
    expect((await owner.get(S)).body.items).toEqual([
      { key: 'DB_PASSWORD', version: 4, updatedAt: expect.any(String), updatedBy: 'bob@example.com' },
    ]);

    expect((await owner.put(`${S}/DB_PASSWORD`, { value: 'five', cas: 4 })).body.version).toBe(5);
    expect((await owner.post(`${S}/DB_PASSWORD/rollback`, { version: 4 })).body.version).toBe(6);
    expect((await revealer.get(`${S}/DB_PASSWORD?reveal=true`)).body).toMatchObject({ version: 6, value: 'four' });
    expect(await history('DB_PASSWORD')).toEqual([
      [6, 'live'],
      [5, 'live'],
      [4, 'live'],
      [3, 'gone'],
      [2, 'gone'],
      [1, 'gone'],
    ]);

    expect((await owner.delete(`${S}/DB_PASSWORD`)).status).toBe(204);
    expect(await history('DB_PASSWORD')).toEqual([
      [6, 'deleted'],
      [5, 'deleted'],
      [4, 'deleted'],
      [3, 'gone'],
      [2, 'gone'],
      [1, 'gone'],
    ]);
    expect((await owner.put(`${S}/DB_PASSWORD`, { value: 'seven' })).body.version).toBe(7);
    // One row per version; the lost ones keep their author but no longer point into Vault.
    expect(await rowsOf('DB_PASSWORD')).toEqual([
      { version: 1, kv_version: null, actor: 'bob@example.com', confirmed: true },
      { version: 2, kv_version: null, actor: 'bob@example.com', confirmed: true },
      { version: 3, kv_version: null, actor: 'bob@example.com', confirmed: true },
      { version: 4, kv_version: 1, actor: 'bob@example.com', confirmed: true },
      { version: 5, kv_version: 2, actor: 'bob@example.com', confirmed: true },
      { version: 6, kv_version: 3, actor: 'bob@example.com', confirmed: true },
      { version: 7, kv_version: 4, actor: 'bob@example.com', confirmed: true },
    ]);
    // The operator hears which versions Vault forgot (paths and numbers only).
    expect(stack.logs).toContainEqual(
      expect.objectContaining({ level: 'warn', path: 'myapp/DB_PASSWORD', versions: [1, 2, 3] }),
    );
    noServerErrors();
  });

  it('a cas from before the reset is a 409 naming cas 0, which then succeeds', async () => {
    await setAll('API_KEY', ['a', 'b']);
    await forgetInVault('API_KEY');
    const stale = await owner.put(`${S}/API_KEY`, { value: 'c', cas: 2 });
    expect(stale.status).toBe(409);
    expect(stale.body.type).toBe('urn:secret-api:problem:cas_mismatch');
    expect(stale.body.detail).toContain('retry with cas 0');
    const fresh = await owner.put(`${S}/API_KEY`, { value: 'c', cas: 0 });
    expect(fresh.status, fresh.text).toBe(200);
    expect(fresh.body.version).toBe(3);
    expect((await owner.put(`${S}/API_KEY`, { value: 'd', cas: 0 })).status).toBe(409);
    noServerErrors();
  });
});

describe('a key whose versions were destroyed in Vault', () => {
  it('shows them destroyed and takes the next version, Vault keeping its numbering', async () => {
    await setAll('CERT', ['one', 'two']);
    expect((await stack.vaultCall('POST', 'secret/destroy/myapp/CERT', { versions: [1, 2] })).status).toBe(204);
    expect((await owner.get(`${S}/CERT`)).status).toBe(404);
    expect((await owner.post(`${S}/CERT/rollback`, { version: 1 })).status).toBe(409);
    expect(await history('CERT')).toEqual([
      [2, 'gone'],
      [1, 'gone'],
    ]);
    expect((await owner.put(`${S}/CERT`, { value: 'three', cas: 2 })).body.version).toBe(3);
    expect((await revealer.get(`${S}/CERT?reveal=true`)).body).toMatchObject({ version: 3, value: 'three' });
    expect((await rowsOf('CERT')).map((r) => [r.version, r.kv_version])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    noServerErrors();
  });
});

describe('a key Vault has fewer versions of than the history', () => {
  it('written again outside the API after a reset: the old versions are gone, the new one recorded', async () => {
    await setAll('TOKEN', ['one', 'two', 'three']);
    await forgetInVault('TOKEN');
    // Vault version 1 again, but not the history's version 1.
    await stack.vaultCall('POST', 'secret/data/myapp/TOKEN', { data: { value: 'restored-by-hand' } });

    expect(await history('TOKEN')).toEqual([
      [4, 'live'],
      [3, 'gone'],
      [2, 'gone'],
      [1, 'gone'],
    ]);
    const shown = await revealer.get(`${S}/TOKEN?reveal=true`);
    expect(shown.body).toMatchObject({ version: 4, value: 'restored-by-hand', updatedBy: 'system' });
    expect((await revealer.get(`${S}/TOKEN?reveal=true&version=1`)).status).toBe(404);
    expect((await owner.put(`${S}/TOKEN`, { value: 'five', cas: 4 })).body.version).toBe(5);
    expect((await owner.get(S)).body.items).toContainEqual(expect.objectContaining({ key: 'TOKEN', version: 5 }));
    noServerErrors();
  });

  it('history rows from before Vault creation times were recorded are checked once, then trusted', async () => {
    await setAll('LEGACY', ['one', 'two']);
    // As the migration leaves rows written before it: the KV version known, its creation time not.
    await sql("UPDATE secret_versions SET kv_created_time = NULL WHERE path = 'myapp/LEGACY'");
    expect(await history('LEGACY')).toEqual([
      [2, 'live'],
      [1, 'live'],
    ]);
    const filled = await sql("SELECT kv_created_time FROM secret_versions WHERE path = 'myapp/LEGACY'");
    expect(filled.every((r) => typeof r.kv_created_time === 'string')).toBe(true);

    await sql("UPDATE secret_versions SET kv_created_time = NULL WHERE path = 'myapp/LEGACY'");
    await forgetInVault('LEGACY');
    await stack.vaultCall('POST', 'secret/data/myapp/LEGACY', { data: { value: 'someone-else' } });
    // Same KV number 1, different value: told apart by the fingerprint.
    expect(await history('LEGACY')).toEqual([
      [3, 'live'],
      [2, 'gone'],
      [1, 'gone'],
    ]);
    expect((await revealer.get(`${S}/LEGACY?reveal=true`)).body).toMatchObject({ version: 3, value: 'someone-else' });
    noServerErrors();
  });

  it('a write pending when Vault was reset is dropped: Vault never got it', async () => {
    await setAll('PENDING', ['one']);
    await forgetInVault('PENDING');
    await sql(
      "INSERT INTO secret_versions (path, version, kv_version, actor, fingerprint, confirmed) VALUES ('myapp/PENDING', 2, 2, 'bob@example.com', 'x', false)",
    );
    expect(await history('PENDING')).toEqual([[1, 'gone']]);
    expect((await owner.put(`${S}/PENDING`, { value: 'two' })).body.version).toBe(2);
    expect((await rowsOf('PENDING')).map((r) => [r.version, r.kv_version, r.confirmed])).toEqual([
      [1, null, true],
      [2, 1, true],
    ]);
    noServerErrors();
  });
});

describe('a key with delete_version_after set in Vault', () => {
  it('stays live until its deletion time: read, listed, guarded by cas, deleted by the API', async () => {
    await setAll('SCHEDULED', ['one']);
    const meta = await stack.vaultCall('POST', 'secret/metadata/myapp/SCHEDULED', { delete_version_after: '1h' });
    expect(meta.status).toBe(204);
    await setAll('SCHEDULED', ['two']);
    expect((await stack.vaultCall('GET', 'secret/data/myapp/SCHEDULED')).body.data.metadata.deletion_time).not.toBe('');

    const read = await revealer.get(`${S}/SCHEDULED?reveal=true`);
    expect(read.status, read.text).toBe(200);
    expect(read.body).toMatchObject({ version: 2, value: 'two' });
    expect((await owner.get(S)).body.items.map((i: { key: string }) => i.key)).toContain('SCHEDULED');
    expect(await history('SCHEDULED')).toEqual([
      [2, 'live'],
      [1, 'live'],
    ]);
    const overwrite = await owner.put(`${S}/SCHEDULED`, { value: 'three', cas: 0 });
    expect(overwrite.status, overwrite.text).toBe(409);
    expect((await owner.post(`${S}/SCHEDULED/rollback`, { version: 1 })).status).toBe(200);

    expect((await owner.delete(`${S}/SCHEDULED`)).status).toBe(204);
    expect((await revealer.get(`${S}/SCHEDULED?reveal=true`)).status).toBe(404);
    expect(await history('SCHEDULED')).toEqual([
      [3, 'deleted'],
      [2, 'deleted'],
      [1, 'deleted'],
    ]);
    noServerErrors();
  });
});
