/**
 * The safety net under incremental commits: stores mark the entries they
 * change and a commit writes only those, so a change a store forgets to mark
 * would silently never reach the disk. Here a random workload over every
 * engine (seeded, so a failure replays) runs against a server with a data
 * dir, and at checkpoints the state replayed from a copy of state.json plus
 * journal.log must equal a full snapshot of every live store.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminQuery, createTestDatabase, type TestDatabase } from '@secret-api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVaultDev, type VaultDev } from '../src/index.js';
import { DataDir, JOURNAL_FILE, STATE_FILE } from '../src/persist/data-dir.js';
import { VaultClient } from './support/vault.js';

let db: TestDatabase;
let admin: string;
let root: string;
const issuedUsers: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase('vaulttrack');
  admin = `vault_admin_${db.name.slice(-10)}`;
  await adminQuery(`CREATE ROLE "${admin}" WITH LOGIN CREATEROLE PASSWORD 'admin-pw'`);
  root = mkdtempSync(join(tmpdir(), 'vault-dev-tracking-'));
});

afterAll(async () => {
  await db?.drop();
  for (const user of [...issuedUsers, admin]) await adminQuery(`DROP ROLE IF EXISTS "${user.replace(/"/g, '""')}"`);
  rmSync(root, { recursive: true, force: true });
});

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the disk holds: the data dir's files copied aside and replayed, as a start-up would. */
function replayedFromDisk(dir: string, n: number): Map<string, unknown> {
  const copy = join(root, `copy-${n}`);
  mkdirSync(copy);
  for (const file of [STATE_FILE, JOURNAL_FILE]) {
    if (existsSync(join(dir, file))) copyFileSync(join(dir, file), join(copy, file));
  }
  const replayed = DataDir.open(copy);
  try {
    const sections = [...replayed.sections()].filter(([, entries]) => Object.keys(entries).length > 0);
    return new Map(sections.map(([name, entries]) => [name, normalize(entries)]));
  } finally {
    replayed.close();
  }
}

/** What the stores hold: a full snapshot of each, as JSON would carry it. */
function liveState(vault: VaultDev): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [name, store] of vault.core.persist.sources()) {
    const entries = store.snapshot();
    // An empty section and no section restore the same: compare without either.
    if (Object.keys(entries).length > 0) out.set(name, normalize(entries));
  }
  return out;
}

function normalize(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

describe('incremental commits miss nothing', () => {
  it('after a random workload over every engine, the journal-replayed state equals a full snapshot', async () => {
    const seed = Number(process.env['VAULT_DEV_TRACKING_SEED'] ?? 20240611);
    const random = prng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const dir = join(root, 'vault');
    const vault = await startVaultDev({ dataDir: dir, rootToken: 'root' });
    const c = new VaultClient(vault.address, 'root');
    try {
      const must = async (reply: Promise<{ status: number; text: string }>) => {
        const r = await reply;
        // A refusal is part of a random workload; a 500 is not (except where the engine reports one).
        if (r.status >= 500) throw new Error(`seed ${seed}: ${r.status} ${r.text}`);
        return r as Awaited<typeof reply> & { body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
      };
      const url = new URL(db.url);
      await must(c.post('sys/mounts/kv1', { type: 'kv', options: { version: '1' } }));
      await must(c.post('sys/mounts/database', { type: 'database' }));
      await must(
        c.post('database/config/pg', {
          plugin_name: 'postgresql-database-plugin',
          connection_url: `postgresql://{{username}}:{{password}}@${url.host}${url.pathname}`,
          username: admin,
          password: 'admin-pw',
          allowed_roles: ['*'],
        }),
      );
      const creation = [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`];
      await must(c.post('sys/mounts/pki', { type: 'pki' }));
      await must(c.post('pki/root/generate/internal', { common_name: 'track', key_type: 'ec' }));
      await must(c.post('sys/mounts/aws', { type: 'aws' }));
      await must(c.post('aws/config/root', { access_key: 'AKIAROOT', secret_key: 'root-secret' }));
      await must(c.post('sys/auth/approle', { type: 'approle' }));

      const keys = ['a', 'b', 'dir/c', 'dir/d', 'e'];
      const tokens: string[] = [];
      const leases: string[] = [];
      const roleIds: Array<{ roleId: string; secretId: string }> = [];
      const ops: Array<() => Promise<unknown>> = [
        () => must(c.post(`secret/data/${pick(keys)}`, { data: { v: random() } })),
        () => must(c.post(`secret/data/${pick(keys)}`, { options: { cas: 0 }, data: { v: 'cas' } })),
        () => must(c.post(`secret/delete/${pick(keys)}`, { versions: [1, 2] })),
        () => must(c.post(`secret/undelete/${pick(keys)}`, { versions: [1, 2] })),
        () => must(c.post(`secret/destroy/${pick(keys)}`, { versions: [1] })),
        () => must(c.delete(`secret/data/${pick(keys)}`)),
        () => must(c.get(`secret/data/${pick(keys)}`)),
        () => must(c.post(`secret/metadata/${pick(keys)}`, { max_versions: 2, custom_metadata: { r: `${random()}` } })),
        () => must(c.delete(`secret/metadata/${pick(keys)}`)),
        () => must(c.post('secret/config', { max_versions: pick([0, 3]), cas_required: false })),
        () => must(c.post(`kv1/${pick(keys)}`, { v: random() })),
        () => must(c.delete(`kv1/${pick(keys)}`)),
        async () => {
          const r = await must(c.post('auth/token/create', { policies: ['default'], ttl: '1h', num_uses: 3 }));
          if (r.status === 200) tokens.push(r.body.auth.client_token);
        },
        () => (tokens.length ? must(c.as(pick(tokens)).get('auth/token/lookup-self')) : Promise.resolve()),
        () =>
          tokens.length
            ? must(c.post('auth/token/renew', { token: pick(tokens), increment: '2h' }))
            : Promise.resolve(),
        () => (tokens.length ? must(c.post('auth/token/revoke', { token: tokens.pop() })) : Promise.resolve()),
        () =>
          must(
            c.put(`sys/policies/acl/p${Math.floor(random() * 3)}`, {
              policy: 'path "x/*" { capabilities = ["read"] }',
            }),
          ),
        () => must(c.delete(`sys/policies/acl/p${Math.floor(random() * 3)}`)),
        () => must(c.post('cubbyhole/note', { n: random() })),
        () => must(c.post(`auth/approle/role/r${Math.floor(random() * 2)}`, { secret_id_num_uses: 2 })),
        async () => {
          const name = `r${Math.floor(random() * 2)}`;
          const roleId = (await must(c.get(`auth/approle/role/${name}/role-id`))).body?.data?.role_id;
          const secretId = (await must(c.post(`auth/approle/role/${name}/secret-id`, {}))).body?.data?.secret_id;
          if (roleId && secretId) roleIds.push({ roleId, secretId });
        },
        () => {
          if (!roleIds.length) return Promise.resolve();
          const { roleId, secretId } = pick(roleIds);
          return must(c.post('auth/approle/login', { role_id: roleId, secret_id: secretId }, { token: null }));
        },
        () =>
          must(
            c.post(`database/roles/d${Math.floor(random() * 2)}`, {
              db_name: 'pg',
              creation_statements: creation,
              default_ttl: pick([1, 3600]),
            }),
          ),
        async () => {
          const r = await must(c.get(`database/creds/d${Math.floor(random() * 2)}`));
          if (r.status === 200) {
            issuedUsers.push(r.body.data.username);
            leases.push(r.body.lease_id);
          }
        },
        () =>
          leases.length
            ? must(c.post('sys/leases/renew', { lease_id: pick(leases), increment: 600 }))
            : Promise.resolve(),
        () => (leases.length ? must(c.post('sys/leases/revoke', { lease_id: leases.pop() })) : Promise.resolve()),
        () =>
          must(
            c.post(`pki/roles/w${Math.floor(random() * 2)}`, {
              allow_any_name: true,
              key_type: 'ec',
              generate_lease: random() < 0.5,
            }),
          ),
        async () => {
          const r = await must(
            c.post(`pki/issue/w${Math.floor(random() * 2)}`, { common_name: 'x.internal', ttl: '1h' }),
          );
          if (r.status === 200 && r.body.lease_id) leases.push(r.body.lease_id);
        },
        () =>
          must(
            c.post(`aws/roles/a${Math.floor(random() * 2)}`, {
              credential_type: 'iam_user',
              policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
            }),
          ),
        async () => {
          const r = await must(c.get(`aws/creds/a${Math.floor(random() * 2)}`));
          if (r.status === 200) leases.push(r.body.lease_id);
        },
        () => must(c.post('sys/mounts/scratch', { type: 'kv', options: { version: '2' } })),
        () => must(c.post('scratch/data/x', { data: { v: random() } })),
        () => must(c.delete('sys/mounts/scratch')),
      ];

      let checks = 0;
      const check = () => {
        checks++;
        expect(replayedFromDisk(dir, checks), `seed ${seed}, check ${checks}`).toEqual(liveState(vault));
      };
      for (let i = 1; i <= 300; i++) {
        await pick(ops)();
        if (i % 25 === 0) check();
      }
      // Leases of 1s run out between requests: their background revocation is saved too.
      await new Promise((r) => setTimeout(r, 1_500));
      await vault.core.runHousekeeping();
      check();
    } finally {
      await vault.close();
    }
  });
});
