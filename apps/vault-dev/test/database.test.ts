/**
 * The database engine with postgresql-database-plugin against the machine's
 * real PostgreSQL. The server trusts every local connection, so a password is
 * never checked: what these tests rely on is the role itself (pg_roles, its
 * VALID UNTIL) and that connecting as the user works while the lease lives
 * and fails once revocation has dropped the role.
 */
import { createTestDatabase, type TestDatabase } from '@secret-api/testing';
import vault from 'node-vault';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVaultDev } from '../src/index.js';
import { VaultClient, useVaultDev } from './support/vault.js';

const ctx = useVaultDev();
let db: TestDatabase;
let admin: string;
const issuedUsers: string[] = [];

const CREATION = [
  `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
  `GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";`,
];

async function query<T extends pg.QueryResultRow>(sql: string, values: unknown[] = [], user?: string) {
  const url = new URL(db.url);
  if (user) url.username = encodeURIComponent(user);
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await client.query<T>(sql, values);
  } finally {
    await client.end();
  }
}

async function roleRow(name: string) {
  const r = await query<{ rolcanlogin: boolean; rolvaliduntil: Date | null }>(
    'SELECT rolcanlogin, rolvaliduntil FROM pg_roles WHERE rolname = $1',
    [name],
  );
  return r.rows[0];
}

/** Connects as the generated user and reads the table the role was granted. */
async function canConnectAs(user: string): Promise<boolean> {
  try {
    const r = await query<{ n: number }>('SELECT count(*)::int AS n FROM widgets', [], user);
    return r.rows[0]?.n === 2;
  } catch {
    return false;
  }
}

async function waitFor(check: () => Promise<boolean>, ms = 5_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

async function creds(client: VaultClient, role = 'app') {
  const r = await client.get(`database/creds/${role}`);
  expect(r.status, r.text).toBe(200);
  issuedUsers.push(r.body.data.username);
  return r.body as {
    lease_id: string;
    lease_duration: number;
    renewable: boolean;
    data: { username: string; password: string };
  };
}

beforeAll(async () => {
  db = await createTestDatabase('vaultdb');
  admin = `vault_admin_${db.name.slice(-10)}`;
  await query(`CREATE ROLE "${admin}" WITH LOGIN CREATEROLE PASSWORD 'initial-admin-pw'`);
  await query(`ALTER DATABASE "${db.name}" OWNER TO "${admin}"`);
  await query('CREATE TABLE widgets (id int)', [], admin);
  await query('INSERT INTO widgets VALUES (1), (2)', [], admin);
  const c = ctx.client;
  expect((await c.post('sys/mounts/database', { type: 'database' })).status).toBe(204);
  const url = new URL(db.url);
  const templated = `postgresql://{{username}}:{{password}}@${url.host}${url.pathname}`;
  const config = await c.post('database/config/pg', {
    plugin_name: 'postgresql-database-plugin',
    connection_url: templated,
    username: admin,
    password: 'initial-admin-pw',
    allowed_roles: ['app', 'short', 'custom-*'],
  });
  expect(config.status, config.text).toBe(204);
  await c.post('database/roles/app', {
    db_name: 'pg',
    creation_statements: CREATION,
    default_ttl: '1h',
    max_ttl: '2h',
  });
  await c.post('database/roles/short', { db_name: 'pg', creation_statements: CREATION, default_ttl: 1 });
  await c.policy('db-reader', 'path "database/creds/*" { capabilities = ["read"] }');
});

afterAll(async () => {
  await db?.drop();
  const { adminQuery } = await import('@secret-api/testing');
  for (const user of [...issuedUsers, admin]) await adminQuery(`DROP ROLE IF EXISTS "${user.replace(/"/g, '""')}"`);
});

describe('database/config', () => {
  it('a read never shows the password, and keeps the templated URL', async () => {
    const r = await ctx.client.get('database/config/pg');
    expect(r.status).toBe(200);
    expect(r.body.data.plugin_name).toBe('postgresql-database-plugin');
    expect(r.body.data.allowed_roles).toEqual(['app', 'short', 'custom-*']);
    expect(r.body.data.connection_details).toMatchObject({ username: admin });
    expect(r.body.data.connection_details.connection_url).toContain('{{username}}:{{password}}@');
    expect(r.text).not.toContain('initial-admin-pw');
  });

  it('a connection that cannot be made is a 400 and nothing is stored', async () => {
    const r = await ctx.client.post('database/config/broken', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: 'postgresql://{{username}}:{{password}}@127.0.0.1:1/nope',
      username: 'u',
      password: 'secret-pw-123',
    });
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatch(/^error creating database object: error verifying connection: /);
    expect(r.text).not.toContain('secret-pw-123');
    expect((await ctx.client.get('database/config/broken')).status).toBe(404);
  });

  it('missing plugin_name and an empty connection_url are Vault’s 400s', async () => {
    const noPlugin = await ctx.client.post('database/config/x', { connection_url: 'postgresql://h/db' });
    expect(noPlugin.body).toEqual({ errors: ['empty plugin name'] });
    const noUrl = await ctx.client.post('database/config/x', { plugin_name: 'postgresql-database-plugin' });
    expect(noUrl.body).toEqual({ errors: ['error creating database object: connection_url cannot be empty'] });
  });

  it('a literal password in the URL is accepted with Vault’s warning, and read back masked', async () => {
    const url = new URL(db.url);
    url.username = admin;
    url.password = 'literal-pw';
    const r = await ctx.client.post('database/config/literal', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: url.toString(),
      verify_connection: false,
    });
    expect(r.status).toBe(200);
    expect(r.body.warnings[0]).toMatch(/^Password found in connection_url/);
    const read = await ctx.client.get('database/config/literal');
    expect(read.body.data.connection_details.connection_url).toContain(':xxxxx@');
    expect(read.text).not.toContain('literal-pw');
    expect((await ctx.client.list('database/config')).body.data.keys).toEqual(['literal', 'pg']);
  });
});

describe('database/roles', () => {
  it('reads back with TTLs as numbers and lists', async () => {
    const r = await ctx.client.get('database/roles/app');
    expect(r.body.data).toMatchObject({ db_name: 'pg', default_ttl: 3600, max_ttl: 7200, revocation_statements: [] });
    expect((await ctx.client.list('database/roles')).body.data.keys).toEqual(['app', 'short']);
  });

  it('db_name is required on create', async () => {
    const r = await ctx.client.post('database/roles/nodb', { creation_statements: CREATION });
    expect(r).toMatchObject({ status: 400, body: { errors: ['database name is required'] } });
  });
});

describe('database/creds', () => {
  it('creates a PostgreSQL role that can connect, with Vault’s name, password and lease', async () => {
    const token = await ctx.client.tokenWith(['db-reader']);
    const body = await creds(ctx.client.as(token));
    expect(body.lease_id).toMatch(/^database\/creds\/app\/[A-Za-z0-9]{24}$/);
    expect(body.renewable).toBe(true);
    expect(body.lease_duration).toBe(3600);
    expect(body.data.username).toMatch(/^v-token-app-[A-Za-z0-9]{20}-\d{10}$/);
    expect(body.data.password).toMatch(/^[A-Za-z0-9-]{20}$/);
    const row = await roleRow(body.data.username);
    expect(row?.rolcanlogin).toBe(true);
    const validFor = (row!.rolvaliduntil!.getTime() - Date.now()) / 1000;
    expect(validFor).toBeGreaterThan(3590);
    expect(validFor).toBeLessThan(3610);
    expect(await canConnectAs(body.data.username)).toBe(true);
  });

  it('sys/leases/revoke drops the role: the user can no longer connect', async () => {
    const body = await creds(ctx.client);
    expect(await canConnectAs(body.data.username)).toBe(true);
    const r = await ctx.client.post('sys/leases/revoke', { lease_id: body.lease_id });
    expect(r.status).toBe(204);
    expect(await roleRow(body.data.username)).toBeUndefined();
    expect(await canConnectAs(body.data.username)).toBe(false);
    expect((await ctx.client.post('sys/leases/lookup', { lease_id: body.lease_id })).body).toEqual({
      errors: ['invalid lease'],
    });
  });

  it('an expired lease is revoked: the role is dropped', async () => {
    const body = await creds(ctx.client, 'short');
    expect(body.lease_duration).toBe(1);
    expect(await canConnectAs(body.data.username)).toBe(true);
    expect(await waitFor(async () => (await roleRow(body.data.username)) === undefined)).toBe(true);
    expect(await canConnectAs(body.data.username)).toBe(false);
  });

  it('revoking the token that asked revokes its leases, but not an orphan token’s', async () => {
    const parent = await ctx.client.tokenWith(['db-reader']);
    const mine = await creds(ctx.client.as(parent));
    const orphan = await ctx.client.post('auth/token/create-orphan', { policies: ['db-reader'] });
    const theirs = await creds(ctx.client.as(orphan.body.auth.client_token));
    expect((await ctx.client.post('auth/token/revoke', { token: parent })).status).toBe(204);
    // Expired as the revoke answers (Vault's RevokeByToken), while the user is dropped in the background.
    const lookup = await ctx.client.post('sys/leases/lookup', { lease_id: mine.lease_id });
    expect(lookup.body.errors ?? lookup.body.data.ttl).toEqual(lookup.body.errors ? ['invalid lease'] : 0);
    expect(await waitFor(async () => (await roleRow(mine.data.username)) === undefined)).toBe(true);
    expect(await canConnectAs(mine.data.username)).toBe(false);
    expect(await canConnectAs(theirs.data.username)).toBe(true);
  });

  it('renewal moves VALID UNTIL and the lease', async () => {
    const body = await creds(ctx.client);
    const r = await ctx.client.put('sys/leases/renew', { lease_id: body.lease_id, increment: 5400 });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ lease_id: body.lease_id, renewable: true, lease_duration: 5400, data: null });
    const validFor = ((await roleRow(body.data.username))!.rolvaliduntil!.getTime() - Date.now()) / 1000;
    expect(validFor).toBeGreaterThan(5390);
    expect(validFor).toBeLessThan(5410);
    const lookup = await ctx.client.post('sys/leases/lookup', { lease_id: body.lease_id });
    expect(lookup.body.data.ttl).toBeGreaterThan(5390);
    expect(lookup.body.data.last_renewal).not.toBeNull();
    // Past the role's max_ttl (2h): capped with Vault's warning.
    const capped = await ctx.client.put('sys/leases/renew', { lease_id: body.lease_id, increment: '3h' });
    expect(capped.body.lease_duration).toBeLessThanOrEqual(7200);
    expect(capped.body.warnings[0]).toMatch(/exceeded the effective max_ttl/);
  });

  it('custom revocation statements run instead of the default', async () => {
    await ctx.client.post('database/roles/custom-nologin', {
      db_name: 'pg',
      creation_statements: CREATION,
      revocation_statements: [`ALTER ROLE "{{name}}" NOLOGIN;`],
    });
    const body = await creds(ctx.client, 'custom-nologin');
    await ctx.client.post('sys/leases/revoke', { lease_id: body.lease_id });
    expect((await roleRow(body.data.username))?.rolcanlogin).toBe(false);
  });

  it('refuses as Vault does: unknown role 400, role not allowed 500, bad SQL 500', async () => {
    expect((await ctx.client.get('database/creds/nope')).body).toEqual({ errors: ['unknown role: nope'] });
    await ctx.client.post('database/roles/denied', { db_name: 'pg', creation_statements: CREATION });
    const denied = await ctx.client.get('database/creds/denied');
    expect(denied.status).toBe(500);
    expect(denied.body).toEqual({ errors: ['1 error occurred:\n\t* "denied" is not an allowed role\n\n'] });
    await ctx.client.post('database/roles/custom-bad', { db_name: 'pg', creation_statements: ['CREATE ROLLE x'] });
    const bad = await ctx.client.get('database/creds/custom-bad');
    expect(bad.status).toBe(500);
    expect(bad.body.errors[0]).toMatch(/failed to execute query: ERROR: syntax error/);
    expect((await ctx.client.post('database/creds/app', {})).status).toBe(405);
  });

  it('a token without a policy on the path is refused', async () => {
    const token = await ctx.client.tokenWith(['default']);
    expect((await ctx.client.get('database/creds/app', { token })).status).toBe(403);
  });

  it('node-vault reads database/creds as a real client', async () => {
    const client = vault({ apiVersion: 'v1', endpoint: ctx.vault.address, token: 'root' });
    const body = (await client.read('database/creds/app')) as { lease_id: string; data: { username: string } };
    issuedUsers.push(body.data.username);
    expect(body.lease_id).toMatch(/^database\/creds\/app\//);
    expect(await canConnectAs(body.data.username)).toBe(true);
  });
});

describe('unmounting the engine', () => {
  async function mountWithConfig(path: string, extraRole: Record<string, unknown> = {}) {
    const c = ctx.client;
    expect((await c.post(`sys/mounts/${path}`, { type: 'database' })).status).toBe(204);
    const url = new URL(db.url);
    const config = await c.post(`${path}/config/pg`, {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@${url.host}${url.pathname}`,
      username: admin,
      password: 'initial-admin-pw',
      allowed_roles: ['*'],
    });
    expect(config.status, config.text).toBe(204);
    const role = await c.post(`${path}/roles/app`, { db_name: 'pg', creation_statements: CREATION, ...extraRole });
    expect(role.status, role.text).toBe(204);
  }

  it('revokes every lease it issued first: their roles are dropped', async () => {
    await mountWithConfig('db-unmount');
    const other = await creds(ctx.client); // a lease of the main mount, which must survive
    const r1 = await ctx.client.get('db-unmount/creds/app');
    const r2 = await ctx.client.get('db-unmount/creds/app');
    issuedUsers.push(r1.body.data.username, r2.body.data.username);
    expect(await canConnectAs(r1.body.data.username)).toBe(true);

    expect((await ctx.client.delete('sys/mounts/db-unmount')).status).toBe(204);
    for (const r of [r1, r2]) {
      expect(await roleRow(r.body.data.username)).toBeUndefined();
      expect((await ctx.client.post('sys/leases/lookup', { lease_id: r.body.lease_id })).status).toBe(400);
    }
    // Other mounts' leases are untouched.
    expect(await roleRow(other.data.username)).toBeDefined();
  });

  it('a lease that cannot be revoked stops the unmount with Vault’s error; the mount stays', async () => {
    await mountWithConfig('db-stuck', { revocation_statements: ['SELECT no_such_function();'] });
    const r = await ctx.client.get('db-stuck/creds/app');
    issuedUsers.push(r.body.data.username);
    const refused = await ctx.client.delete('sys/mounts/db-stuck');
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toContain(`failed to revoke "${r.body.lease_id}" (1 / 1)`);
    expect((await ctx.client.get('sys/mounts')).body.data['db-stuck/']).toBeDefined();
    expect((await ctx.client.post('sys/leases/lookup', { lease_id: r.body.lease_id })).status).toBe(200);

    await ctx.client.post('sys/leases/revoke-force/db-stuck/creds/app', {});
    expect((await ctx.client.delete('sys/mounts/db-stuck')).status).toBe(204);
    expect((await ctx.client.get('sys/mounts')).body.data['db-stuck/']).toBeUndefined();
  });
});

describe('database/rotate-root', () => {
  it('sets a new password for the configured user, which never becomes readable', async () => {
    const before = await query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [
      admin,
    ]);
    const r = await ctx.client.post('database/rotate-root/pg');
    expect(r.status, r.text).toBe(204);
    const after = await query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [admin]);
    expect(after.rows[0]?.rolpassword).not.toEqual(before.rows[0]?.rolpassword);
    expect((await ctx.client.get('database/config/pg')).body.data.connection_details.password).toBeUndefined();
    // The engine still works with the rotated password.
    const body = await creds(ctx.client);
    expect(await canConnectAs(body.data.username)).toBe(true);
  });
});

describe('shutting down', () => {
  it('lets the revocations under way finish: a token revoked just before the server stops takes its users along', async () => {
    const own = await startVaultDev({ rootToken: 'root' });
    const root = new VaultClient(own.address, own.rootToken);
    try {
      expect((await root.post('sys/mounts/database', { type: 'database' })).status).toBe(204);
      const url = new URL(db.url);
      // An admin of its own: an earlier test rotates the shared one's password.
      const shutdownAdmin = `${admin}_s`;
      await query(`CREATE ROLE "${shutdownAdmin}" WITH LOGIN CREATEROLE PASSWORD 'shutdown-admin-pw'`);
      // A member of the owner of the tables, as the shared admin is their owner: the revocation revokes on them.
      await query(`GRANT "${admin}" TO "${shutdownAdmin}"`);
      issuedUsers.push(shutdownAdmin);
      const config = await root.post('database/config/pg', {
        plugin_name: 'postgresql-database-plugin',
        connection_url: `postgresql://{{username}}:{{password}}@${url.host}${url.pathname}`,
        username: shutdownAdmin,
        password: 'shutdown-admin-pw',
        allowed_roles: ['app'],
      });
      expect(config.status, config.text).toBe(204);
      await root.post('database/roles/app', {
        db_name: 'pg',
        creation_statements: [
          `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
        ],
        default_ttl: '1h',
      });
      await root.policy('db-reader', 'path "database/creds/*" { capabilities = ["read"] }');
      const token = await root.tokenWith(['db-reader']);
      const mine = await creds(root.as(token));
      expect(await roleRow(mine.data.username)).toBeDefined();
      expect((await root.post('auth/token/revoke', { token })).status).toBe(204);
    } finally {
      await own.close();
    }
    expect(await roleRow(issuedUsers.at(-1) as string)).toBeUndefined();
  });
});
