/**
 * Many replicas, many deploys: 20 parallel ensures of one app/cluster through two API processes
 * converge to one set of Vault objects and one stable RoleID, written once.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startVaultDev, type VaultDev } from 'vault-dev';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalIssuer } from '../src/auth/local-issuer.js';
import { ApiClient } from './support/http.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { ADMIN_GROUP, AUDIENCE, ISSUER, enableAppRole, vaultRequest } from './support/stack.js';
import { startApiProcess } from './support/api-process.js';

const startProcess = async (env: Record<string, string>) =>
  (await startApiProcess(env, (child) => processes.push(child))).url;

let vault: VaultDev;
let db: TestDatabase;
let dir: string;
let issuer: LocalIssuer;
const processes: ChildProcess[] = [];
const urls: string[] = [];
let auditFile: string;

beforeAll(async () => {
  vault = await startVaultDev({ port: 0 });
  await enableAppRole(vault);
  auditFile = join(tmpdir(), `vault-audit-${randomBytes(4).toString('hex')}.log`);
  await vaultRequest(vault.address, vault.rootToken, 'POST', 'sys/audit/file', {
    type: 'file',
    options: { file_path: auditFile },
  });
  db = await createTestDatabase('concurrency');
  dir = await mkdtemp(join(tmpdir(), 'secret-api-conc-'));
  issuer = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE, dir });
  const env = {
    PORT: '0',
    DATABASE_URL: db.url,
    VAULT_ADDR: vault.address,
    VAULT_TOKEN: vault.rootToken,
    AUTH_ISSUERS: JSON.stringify([issuer.issuerConfig()]),
    ADMIN_GROUPS: ADMIN_GROUP,
    LOG_LEVEL: 'info',
  };
  // Both start together: the migration runs once, under its advisory lock.
  urls.push(...(await Promise.all([startProcess(env), startProcess(env)])));
}, 60_000);

afterAll(async () => {
  for (const p of processes) p.kill('SIGTERM');
  await Promise.all(processes.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : undefined)));
  await vault?.close();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('concurrent ensures', () => {
  it('20 parallel ensures through two processes write one set of objects and agree on one RoleID', async () => {
    const token = await issuer.sign({ sub: 'alice@example.com', groups: [ADMIN_GROUP] });
    const [a, b] = urls.map((u) => new ApiClient(u, token)) as [ApiClient, ApiClient];
    expect((await a.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: ['ctl'] })).status).toBe(201);
    expect((await b.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] })).status).toBe(201);

    const auditBefore = (await readFile(auditFile, 'utf8')).split('\n').filter(Boolean).length;
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).put('/v1/apps/myapp/clusters/aws.stg/approle')),
    );
    for (const r of replies) expect(r.status, r.text).toBe(200);
    const roleIds = new Set(replies.map((r) => r.body.roleId));
    expect(roleIds.size).toBe(1);
    expect(replies.filter((r) => r.body.changed)).toHaveLength(1);

    const writes = (await readFile(auditFile, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .slice(auditBefore)
      .map((l) => JSON.parse(l) as { type: string; request: { operation: string; path: string } })
      .filter((e) => e.type === 'request' && ['create', 'update', 'delete'].includes(e.request.operation))
      .map((e) => e.request.path)
      .sort();
    expect(writes).toEqual([
      'auth/approle/role/aws.stg.myapp',
      'auth/token/roles/getsecretid-aws.stg.myapp',
      'sys/policies/acl/secret-api/getsecretid-aws.stg.myapp',
      'sys/policies/acl/secret-api/read-aws.stg.myapp',
    ]);

    const roles = await fetch(`${vault.address}/v1/auth/approle/role`, {
      method: 'LIST',
      headers: { 'X-Vault-Token': vault.rootToken },
    }).then((r) => r.json() as Promise<{ data: { keys: string[] } }>);
    expect(roles.data.keys).toEqual(['aws.stg.myapp']);
    const roleId = await vaultRequest(vault.address, vault.rootToken, 'GET', 'auth/approle/role/aws.stg.myapp/role-id');
    expect(roleIds).toEqual(new Set([roleId.body.data.role_id]));

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const rows = await client.query('SELECT role_name, role_id FROM app_role_bindings');
      expect(rows.rows).toEqual([{ role_name: 'aws.stg.myapp', role_id: roleId.body.data.role_id }]);
      const migrations = await client.query('SELECT count(*)::int AS n FROM _prisma_migrations');
      expect(migrations.rows[0].n).toBeGreaterThan(0);
    } finally {
      await client.end();
    }

    // And afterwards every replica reads the same RoleID.
    expect((await a.get('/v1/apps/myapp/clusters/aws.stg/approle')).body.roleId).toBe(roleId.body.data.role_id);
    expect((await b.get('/v1/apps/myapp/clusters/aws.stg/approle')).body.roleId).toBe(roleId.body.data.role_id);
  });
});
