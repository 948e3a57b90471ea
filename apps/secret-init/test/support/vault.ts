/**
 * A real vault-dev set up the way the Secret API sets up an app in a cluster (product.md §3):
 * AppRole `aws.stg.myapp` with single-use SecretIDs and the read policy, KV v2 secrets in
 * every scope, and — on request — the database (real PostgreSQL), PKI and AWS engines.
 */
import { createTestDatabase, adminQuery, type TestDatabase } from '@secret-api/testing';
import { startVaultDev, type VaultDev } from 'vault-dev';

export const APP = 'myapp';
export const CLUSTER = 'aws.stg';
export const ROLE = `${CLUSTER}.${APP}`;
export const PKI_MOUNT = 'pki/aws/stg';

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export class Root {
  constructor(
    readonly address: string,
    readonly token: string,
  ) {}

  async call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    token: string | null = this.token,
  ): Promise<Reply> {
    const h: Record<string, string> = { ...headers };
    if (token) h['X-Vault-Token'] = token;
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const res = await fetch(`${this.address}/v1/${path}`, {
      method,
      headers: h,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
  }

  async ok(method: string, path: string, body?: unknown): Promise<Reply> {
    const r = await this.call(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r;
  }
}

export interface Stack {
  vault: VaultDev;
  root: Root;
  roleId: string;
  /** A response-wrapped SecretID for `role` (default: the app's), as the Secret API hands it out. */
  wrappedSecretId(role?: string): Promise<string>;
  secretId(): Promise<string>;
  /** Throwaway database with the engine configured, when asked for. */
  db?: TestDatabase;
  dbUsers: string[];
  caPem?: string;
  close(): Promise<void>;
}

const READ_POLICY = `
path "secret/data/${APP}/*" { capabilities = ["read"] }
path "secret/data/global/*" { capabilities = ["read"] }
path "secret/data/project/aws/*" { capabilities = ["read"] }
path "secret/data/cluster/aws/stg/*" { capabilities = ["read"] }
path "database/creds/${ROLE}" { capabilities = ["read"] }
path "aws/creds/${ROLE}" { capabilities = ["read"] }
path "${PKI_MOUNT}/issue/${ROLE}" { capabilities = ["update"] }
path "${PKI_MOUNT}/cert/ca" { capabilities = ["read"] }
`;

export const CREATION = [
  `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
  `GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";`,
];

export async function startStack(opts: { engines?: boolean } = {}): Promise<Stack> {
  const vault = await startVaultDev({ rootToken: 'root' });
  const root = new Root(vault.address, vault.rootToken);
  await root.ok('POST', 'sys/auth/approle', { type: 'approle' });
  await root.ok('PUT', `sys/policies/acl/secret-api/read-${ROLE}`, { policy: READ_POLICY });
  for (const role of [ROLE, 'aws.stg.other']) {
    await root.ok('POST', `auth/approle/role/${role}`, {
      token_policies: ['default', `secret-api/read-${role}`],
      secret_id_num_uses: 1,
      secret_id_ttl: 300,
      token_ttl: 300,
      token_max_ttl: 300,
      token_period: 300,
    });
  }
  const roleId = (await root.ok('GET', `auth/approle/role/${ROLE}/role-id`)).body.data.role_id as string;
  const stack: Stack = {
    vault,
    root,
    roleId,
    dbUsers: [],
    async wrappedSecretId(role = ROLE) {
      const r = await root.call('POST', `auth/approle/role/${role}/secret-id`, {}, { 'X-Vault-Wrap-TTL': '60' });
      if (r.status !== 200) throw new Error(`secret-id: ${r.status} ${r.text}`);
      return r.body.wrap_info.token as string;
    },
    async secretId() {
      return (await root.ok('POST', `auth/approle/role/${ROLE}/secret-id`, {})).body.data.secret_id as string;
    },
    async close() {
      await vault.close();
      if (stack.db) {
        await stack.db.drop();
        for (const u of stack.dbUsers) await adminQuery(`DROP ROLE IF EXISTS "${u.replace(/"/g, '""')}"`);
      }
    },
  };
  if (opts.engines) await enableEngines(stack);
  return stack;
}

/** Writes one KV v2 secret (field `value` unless given) with the root token. */
export async function putSecret(root: Root, path: string, data: Record<string, string> | string): Promise<void> {
  await root.ok('POST', `secret/data/${path}`, { data: typeof data === 'string' ? { value: data } : data });
}

async function enableEngines(stack: Stack): Promise<void> {
  const { root } = stack;
  // Database: a throwaway PostgreSQL database with an admin role Vault uses to create users.
  const db = await createTestDatabase('secretinit');
  stack.db = db;
  const admin = `vault_admin_${db.name.slice(-10)}`;
  stack.dbUsers.push(admin);
  await adminQuery(`CREATE ROLE "${admin}" WITH LOGIN CREATEROLE PASSWORD 'admin-pw'`);
  await adminQuery(`ALTER DATABASE "${db.name}" OWNER TO "${admin}"`);
  await pgQuery(db.url, 'CREATE TABLE widgets (id int)', admin);
  await pgQuery(db.url, 'INSERT INTO widgets VALUES (1), (2)', admin);
  await root.ok('POST', 'sys/mounts/database', { type: 'database' });
  const url = new URL(db.url);
  await root.ok('POST', 'database/config/pg', {
    plugin_name: 'postgresql-database-plugin',
    connection_url: `postgresql://{{username}}:{{password}}@${url.host}${url.pathname}`,
    username: admin,
    password: 'admin-pw',
    allowed_roles: [ROLE],
  });
  await root.ok('POST', `database/roles/${ROLE}`, {
    db_name: 'pg',
    creation_statements: CREATION,
    default_ttl: '1h',
    max_ttl: '2h',
  });
  // PKI: the cluster's CA, and a role for the app's service names.
  await root.ok('POST', `sys/mounts/${PKI_MOUNT}`, { type: 'pki' });
  const ca = await root.ok('POST', `${PKI_MOUNT}/root/generate/internal`, { common_name: 'aws.stg CA', ttl: '87600h' });
  stack.caPem = ca.body.data.certificate as string;
  await root.ok('POST', `${PKI_MOUNT}/roles/${ROLE}`, {
    allowed_domains: ['myapp.svc'],
    allow_subdomains: true,
    allow_bare_domains: true,
    max_ttl: '72h',
  });
  // AWS: IAM users for the app's role.
  await root.ok('POST', 'sys/mounts/aws', { type: 'aws' });
  await root.ok('POST', 'aws/config/root', { access_key: 'AKIAROOT', secret_key: 'root-secret', region: 'eu-west-1' });
  await root.ok('POST', `aws/roles/${ROLE}`, {
    credential_type: 'iam_user',
    policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
  });
}

/** Runs one query on the test database, as `user` when given. */
export async function pgQuery(dbUrl: string, sql: string, user?: string): Promise<number> {
  const pg = (await import('pg')).default;
  const url = new URL(dbUrl);
  if (user) url.username = encodeURIComponent(user);
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return (await client.query(sql)).rowCount ?? 0;
  } finally {
    await client.end();
  }
}
