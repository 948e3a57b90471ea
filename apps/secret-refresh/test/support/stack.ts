/**
 * A real vault-dev set up as the Secret API sets up an app (AppRole `aws.stg.myapp` with its
 * read policy) and the database engine on a throwaway PostgreSQL database, with TTLs of a few
 * seconds so that several of them pass within a test.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminQuery, createTestDatabase, type TestDatabase } from '@secret-api/testing';
import pg from 'pg';
import { startVaultDev, type VaultDev } from 'vault-dev';

export const APP = 'myapp';
export const CLUSTER = 'aws.stg';
export const ROLE = `${CLUSTER}.${APP}`;
/** The TTL of tokens and database leases, in seconds. */
export const TTL = 3;

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export async function call(
  address: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Reply> {
  const headers: Record<string, string> = { 'X-Vault-Token': token };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${address}/v1/${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export interface Login {
  token: string;
  accessor: string;
  ttl: number;
}

export interface DbLease {
  leaseId: string;
  username: string;
  ttl: number;
}

export interface Stack {
  vault: VaultDev;
  db: TestDatabase;
  roleId: string;
  root(method: string, path: string, body?: unknown): Promise<Reply>;
  secretId(): Promise<string>;
  /** An AppRole login as the app, as secret-init does. */
  login(): Promise<Login>;
  /** A database user read with the app's token. */
  dbCreds(token: string): Promise<DbLease>;
  /** True when the token still looks itself up. */
  tokenAlive(token: string): Promise<boolean>;
  canConnectAs(user: string): Promise<boolean>;
  close(): Promise<void>;
}

const APP_POLICY = `path "database/creds/${ROLE}" { capabilities = ["read"] }\n`;

const CREATION = [
  `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
  `GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";`,
];

export async function startStack(): Promise<Stack> {
  const vault = await startVaultDev({ rootToken: 'root' });
  const db = await createTestDatabase('secretrefresh');
  const users: string[] = [];
  const root = async (method: string, path: string, body?: unknown) => {
    const r = await call(vault.address, 'root', method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r;
  };
  const query = async (sql: string, user?: string) => {
    const url = new URL(db.url);
    if (user) url.username = encodeURIComponent(user);
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  };

  // Vault's database admin owns the throwaway database and creates the app's users in it.
  const admin = `vault_admin_${db.name.slice(-10)}`;
  users.push(admin);
  await adminQuery(`CREATE ROLE "${admin}" WITH LOGIN CREATEROLE PASSWORD 'admin-pw'`);
  await adminQuery(`ALTER DATABASE "${db.name}" OWNER TO "${admin}"`);
  await query('CREATE TABLE widgets (id int)', admin);
  await query('INSERT INTO widgets VALUES (1), (2)', admin);
  await root('POST', 'sys/mounts/database', { type: 'database' });
  const url = new URL(db.url);
  await root('POST', 'database/config/pg', {
    plugin_name: 'postgresql-database-plugin',
    connection_url: `postgresql://{{username}}:{{password}}@${url.host}${url.pathname}`,
    username: admin,
    password: 'admin-pw',
    allowed_roles: [ROLE],
  });
  await root('POST', `database/roles/${ROLE}`, {
    db_name: 'pg',
    creation_statements: CREATION,
    default_ttl: TTL,
    max_ttl: 600,
  });

  await root('POST', 'sys/auth/approle', { type: 'approle' });
  await root('PUT', `sys/policies/acl/secret-api/read-${ROLE}`, { policy: APP_POLICY });
  await root('POST', `auth/approle/role/${ROLE}`, {
    token_policies: ['default', `secret-api/read-${ROLE}`],
    secret_id_num_uses: 1,
    secret_id_ttl: 300,
    token_ttl: TTL,
    token_max_ttl: 600,
  });
  const roleId = (await root('GET', `auth/approle/role/${ROLE}/role-id`)).body.data.role_id as string;

  const stack: Stack = {
    vault,
    db,
    roleId,
    root,
    async secretId() {
      return (await root('POST', `auth/approle/role/${ROLE}/secret-id`, {})).body.data.secret_id as string;
    },
    async login() {
      const r = await call(vault.address, '', 'POST', 'auth/approle/login', {
        role_id: roleId,
        secret_id: await stack.secretId(),
      });
      if (r.status !== 200) throw new Error(`login: ${r.status} ${JSON.stringify(r.body)}`);
      return { token: r.body.auth.client_token, accessor: r.body.auth.accessor, ttl: r.body.auth.lease_duration };
    },
    async dbCreds(token) {
      const r = await call(vault.address, token, 'GET', `database/creds/${ROLE}`);
      if (r.status !== 200) throw new Error(`creds: ${r.status} ${JSON.stringify(r.body)}`);
      users.push(r.body.data.username);
      return { leaseId: r.body.lease_id, username: r.body.data.username, ttl: r.body.lease_duration };
    },
    async tokenAlive(token) {
      return (await call(vault.address, token, 'GET', 'auth/token/lookup-self')).status === 200;
    },
    async canConnectAs(user) {
      try {
        return (await query('SELECT count(*)::int AS n FROM widgets', user)).rows[0]?.n === 2;
      } catch {
        return false;
      }
    },
    async close() {
      await vault.close();
      await db.drop();
      for (const u of users) await adminQuery(`DROP ROLE IF EXISTS "${u.replace(/"/g, '""')}"`);
    },
  };
  return stack;
}

/**
 * Writes a lease directory in secret-init's format (apps/secret-init/src/leases/lease-file.ts),
 * for tests that need one secret-init did not write (a proxy address, say).
 */
export interface CertificateEntry {
  path: string;
  serial: string;
  issuedAt: string;
  expiresAt: string;
}

export function writeLeaseDir(
  dir: string,
  vaultAddr: string,
  login: Login,
  leases: DbLease[],
  now = Date.now(),
  certificates?: CertificateEntry[],
): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const at = (s: number) => new Date(now + s * 1000).toISOString();
  const file = {
    version: 1,
    vaultAddr,
    writtenAt: new Date(now).toISOString(),
    token: { accessor: login.accessor, source: 'approle', ttl: login.ttl, renewable: true, expiresAt: at(login.ttl) },
    leases: leases.map((l) => ({
      leaseId: l.leaseId,
      path: `database/creds/${ROLE}`,
      ttl: l.ttl,
      renewable: true,
      expiresAt: at(l.ttl),
    })),
    ...(certificates && { certificates }),
  };
  writeFileSync(join(dir, 'token'), login.token, { mode: 0o600 });
  chmodSync(join(dir, 'token'), 0o600);
  writeFileSync(join(dir, 'leases.json'), `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
}
