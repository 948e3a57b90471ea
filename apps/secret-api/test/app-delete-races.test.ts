/**
 * An app deleted while its secrets are being set: nothing the sets write may outlive it, and an app created again
 * under the name starts empty (delete-app.ts). A set already recording when the decommission starts removes what
 * it wrote once it finds the app gone; one that comes while the decommission runs waits for it and records nothing.
 * Both answer 404. A gate in front of Vault holds one request at the moment that matters.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';
import { startVaultGate, type VaultGate } from './support/vault-gate.js';

let stack: Stack;
let gate: VaultGate | undefined;
let admin: ApiClient;
let owner: ApiClient;

beforeAll(async () => {
  stack = await startStack('appdelete', {
    env: async ({ vault }) => {
      gate = await startVaultGate(vault.address);
      return { VAULT_ADDR: gate.address };
    },
  });
  admin = await stack.admin();
  owner = await stack.as('bob@example.com', ['team']);
});
afterAll(async () => {
  await stack?.close();
  await gate?.close();
});

async function historyRows(app: string): Promise<number> {
  const client = new pg.Client({ connectionString: stack.db.url });
  await client.connect();
  try {
    return (await client.query('SELECT count(*)::int AS n FROM secret_versions WHERE path LIKE $1', [`${app}/%`]))
      .rows[0].n;
  } finally {
    await client.end();
  }
}

const keysInVault = async (app: string) =>
  ((await stack.vaultCall('LIST', `secret/metadata/${app}`)).body?.data?.keys as string[] | undefined) ?? [];

async function createApp(name: string): Promise<void> {
  expect((await admin.post('/v1/apps', { name, ownerGroups: ['team'] })).status).toBe(201);
  expect((await owner.put(`/v1/apps/${name}/secrets/BEFORE`, { value: 'kept-until-delete' })).status).toBe(200);
}

async function expectGone(name: string): Promise<void> {
  expect(await keysInVault(name)).toEqual([]);
  expect(await historyRows(name)).toBe(0);
  await stack.tokensOfDeletedNamesExpired();
  expect((await admin.post('/v1/apps', { name, ownerGroups: ['other-team'] })).status).toBe(201);
  expect((await admin.get(`/v1/apps/${name}/secrets`)).body.items).toEqual([]);
}

describe('deleting an app while its secrets are set', () => {
  it('a set that recorded its version before the delete, and writes to Vault after the keys were listed, removes it', async () => {
    await createApp('late-writer');
    gate!.arm((method, path) => method === 'POST' && path === '/v1/secret/data/late-writer/LATE', { before: true });
    const set = owner.put('/v1/apps/late-writer/secrets/LATE', { value: 'must-not-outlive-the-app' });
    await gate!.held();
    expect((await admin.delete('/v1/apps/late-writer')).status).toBe(204);
    gate!.release();
    const answered = await set;
    expect(answered.status, answered.text).toBe(404);
    expect(answered.body.detail).toContain("app 'late-writer' does not exist");
    await expectGone('late-writer');
  });

  it('a set that arrives while the delete runs waits for it, then records and writes nothing', async () => {
    await createApp('mid-delete');
    // The decommission lists the app's keys in Vault; held there, it holds the app's row.
    gate!.arm((method, path) => path.startsWith('/v1/secret/metadata/mid-delete') && method !== 'DELETE');
    const deleting = admin.delete('/v1/apps/mid-delete');
    await gate!.held();
    const set = owner.put('/v1/apps/mid-delete/secrets/DURING', { value: 'must-not-be-written' });
    await new Promise((r) => setTimeout(r, 300));
    gate!.release();
    expect((await deleting).status).toBe(204);
    const answered = await set;
    expect(answered.status, answered.text).toBe(404);
    await expectGone('mid-delete');
  });

  it('sets of many keys racing a delete leave nothing behind', async () => {
    for (let round = 0; round < 3; round++) {
      const name = `burst-${round}`;
      await createApp(name);
      const sets = Array.from({ length: 12 }, (_, i) =>
        owner.put(`/v1/apps/${name}/secrets/K${i}`, { value: `v${i}` }),
      );
      await new Promise((r) => setTimeout(r, 10 * round));
      const del = await admin.delete(`/v1/apps/${name}`);
      expect(
        del.status,
        JSON.stringify(stack.logs.filter((l) => l['level'] === 'error' || Number(l['level']) >= 50).slice(-3)),
      ).toBe(204);
      for (const answered of await Promise.all(sets)) expect([200, 404]).toContain(answered.status);
      await expectGone(name);
    }
  });
});

describe('creating an app again while its deletion finishes', () => {
  it('waits for the deletion, then is refused while the old pods’ tokens can still renew', async () => {
    expect((await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: ['ctl'] })).status).toBe(201);
    await createApp('reborn');
    expect((await owner.put('/v1/apps/reborn/clusters/aws.stg/approle')).status).toBe(200);
    // Held while it lists the app's keys in Vault: the deletion's transaction is open, its AppRole already gone.
    gate!.arm((method, path) => path.startsWith('/v1/secret/metadata/reborn') && method !== 'DELETE');
    const deleting = admin.delete('/v1/apps/reborn');
    await gate!.held();
    const creating = admin.post('/v1/apps', { name: 'reborn', ownerGroups: ['someone-else'] });
    await new Promise((r) => setTimeout(r, 300));
    gate!.release();
    expect((await deleting).status).toBe(204);
    const created = await creating;
    expect(created.status, created.text).toBe(409);
    expect(created.body.detail).toContain("app 'reborn' was deleted at");
    expect((await admin.get('/v1/apps/reborn')).status).toBe(404);
  });
});
