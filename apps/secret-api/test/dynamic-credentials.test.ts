/**
 * Dynamic credentials over HTTP (issue 11 §2): an admin attaches the template's database, AWS and PKI
 * profiles to an app; the ensure writes the app's roles next to its AppRole; the app's pod, logged in
 * with its RoleID and a SecretID, gets a working PostgreSQL user, AWS keys and a certificate for its own
 * names. The API runs with only deploy/vault/secret-api.hcl; vault-dev's database engine runs on the
 * machine's real PostgreSQL.
 */
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './support/http.js';
import { createTestDatabase, SERVER_URL, type TestDatabase } from './support/postgres.js';
import { startStack, type Stack } from './support/stack.js';

const ROLE = 'aws.stg.myapp';
const APPROLE = `/v1/apps/myapp/clusters/aws.stg/approle`;
const DYNAMIC = '/v1/apps/myapp/dynamic';
const DB_ROLE = `database/roles/${ROLE}`;
const AWS_ROLE = `aws/roles/${ROLE}`;
const PKI_ROLE = `pki/aws/stg/roles/${ROLE}`;
const CONTROLLER = 'system:serviceaccount:secrets:controller';

const TEMPLATE = {
  profiles: {
    database: {
      main: {
        connection: 'appdb',
        creationStatements: [
          `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
          'GRANT SELECT ON orders TO "{{name}}";',
        ],
        defaultTtl: '2m',
        maxTtl: '10m',
      },
      reporting: {
        connection: 'appdb',
        creationStatements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}';`],
      },
    },
    aws: {
      's3-read': { credentialType: 'iam_user', policyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] },
    },
    pki: {
      web: { allowedDomains: ['{app}.{namespace}.svc'], allowBareDomains: true, ttl: '1h', maxTtl: '2h' },
    },
  },
};

let stack: Stack;
let admin: ApiClient;
let owner: ApiClient;
let controller: ApiClient;
let appDb: TestDatabase;
let dir: string;

async function vaultOk(method: string, path: string, body?: unknown): Promise<void> {
  const r = await stack.vaultCall(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
}

/** What a pod does at start: a SecretID from the controller's route, unwrapped, then an AppRole login. */
async function podToken(): Promise<string> {
  const { roleId } = (await owner.get(APPROLE)).body as { roleId: string };
  const wrapped = await controller.post('/v1/apps/myapp/clusters/aws.stg/secret-id', {});
  expect(wrapped.status).toBe(201);
  const unwrapped = await stack.vaultCall('POST', 'sys/wrapping/unwrap', undefined, wrapped.body.wrappingToken);
  const login = await stack.vaultCall(
    'POST',
    'auth/approle/login',
    { role_id: roleId, secret_id: unwrapped.body.data.secret_id },
    null,
  );
  expect(login.status).toBe(200);
  return login.body.auth.client_token as string;
}

/** Connects as the generated user and reads the table its creation statements granted. */
async function queryAs(username: string, password: string): Promise<{ user: string; orders: number }> {
  const url = new URL(appDb.url);
  url.username = username;
  url.password = password;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const who = await client.query<{ user: string }>('SELECT current_user AS user');
    const orders = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM orders');
    return { user: who.rows[0]!.user, orders: orders.rows[0]!.n };
  } finally {
    await client.end();
  }
}

async function pgRoleExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

const kinds = (changes: { kind: string; action: string; fields?: string[] }[]) =>
  changes.filter((c) => c.kind.endsWith('Role') && c.kind !== 'tokenRole');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dynamic-template-'));
  const templateFile = join(dir, 'template.json');
  await writeFile(templateFile, JSON.stringify(TEMPLATE));
  stack = await startStack('dynamic', { env: { POLICY_TEMPLATE_FILE: templateFile } });

  // The platform team's part: engines, the cluster CA and the database connection.
  await vaultOk('POST', 'sys/mounts/database', { type: 'database' });
  await vaultOk('POST', 'sys/mounts/aws', { type: 'aws' });
  await vaultOk('POST', 'sys/mounts/pki/aws/stg', { type: 'pki' });
  await vaultOk('POST', 'pki/aws/stg/root/generate/internal', { common_name: 'aws.stg cluster CA', ttl: '24h' });
  await vaultOk('POST', 'aws/config/root', { access_key: 'AKIAEXAMPLE', secret_key: 'not-used', region: 'us-east-1' });
  appDb = await createTestDatabase('dynamic_app');
  const seed = new pg.Client({ connectionString: appDb.url });
  await seed.connect();
  await seed.query('CREATE TABLE orders (id int); INSERT INTO orders VALUES (1), (2), (3);');
  await seed.end();
  const url = new URL(appDb.url);
  await vaultOk('POST', 'database/config/appdb', {
    plugin_name: 'postgresql-database-plugin',
    connection_url: `postgresql://{{username}}:{{password}}@${url.host}${url.pathname}`,
    username: 'postgres',
    password: 'trusted-anyway',
    allowed_roles: ['aws.stg.*'],
  });

  admin = await stack.admin();
  owner = await stack.as('bob@example.com', ['team-myapp']);
  controller = await stack.as(CONTROLLER);
  expect((await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: [CONTROLLER] })).status).toBe(201);
  expect((await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team-myapp'] })).status).toBe(201);
});

afterAll(async () => {
  await stack?.close();
  await appDb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('attaching profiles to an app', () => {
  it('an app that never had any shows empty lists, and its ensure touches no dynamic engine', async () => {
    const shown = await admin.get(DYNAMIC);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual({ app: 'myapp', database: [], aws: [], pki: [], namespace: 'myapp' });
    expect((await owner.put(APPROLE)).status).toBe(200);
    expect(kinds((await owner.get(`${APPROLE}/plan`)).body.changes)).toEqual([]);
    expect((await stack.vaultCall('GET', DB_ROLE)).status).toBe(404);
  });

  it('unknown profile names are a 400 naming each of them, and change nothing', async () => {
    const r = await admin.put(DYNAMIC, { database: ['nope'], aws: ['s3-read'], pki: ['webb'] });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([
      { path: '/body/database/0', message: expect.stringContaining("unknown database profile 'nope'") },
      { path: '/body/pki/0', message: expect.stringContaining("unknown pki profile 'webb'") },
    ]);
    expect(r.body.errors[0].message).toContain('main, reporting');
    expect((await admin.get(DYNAMIC)).body.aws).toEqual([]);
  });

  it('an app has one role per engine, so two profiles of one engine are refused', async () => {
    const r = await admin.put(DYNAMIC, { database: ['main', 'reporting'] });
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatchObject({ path: '/body/database' });
  });

  it('only admins attach profiles or read the attachment; owners get 403', async () => {
    expect((await owner.put(DYNAMIC, { database: ['main'] })).status).toBe(403);
    expect((await owner.get(DYNAMIC)).status).toBe(403);
    expect((await admin.put('/v1/apps/nosuchapp/dynamic', { database: ['main'] })).status).toBe(404);
  });

  it('an admin attaches one profile per engine; the change is in the audit trail', async () => {
    const r = await admin.put(DYNAMIC, { database: ['main'], aws: ['s3-read'], pki: ['web'] });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      app: 'myapp',
      database: ['main'],
      aws: ['s3-read'],
      pki: ['web'],
      namespace: 'myapp',
      updatedBy: expect.any(String),
    });
    expect((await admin.get(DYNAMIC)).body).toEqual(r.body);
    const audit = await admin.get('/v1/audit?app=myapp');
    expect(audit.body.items).toContainEqual(
      expect.objectContaining({ action: 'dynamic.update', target: 'apps/myapp/dynamic', result: 'success' }),
    );
  });
});

describe('ensure writes the roles next to the AppRole', () => {
  it('the plan shows the three roles to create', async () => {
    const plan = await owner.get(`${APPROLE}/plan`);
    expect(kinds(plan.body.changes)).toEqual([
      { kind: 'databaseRole', name: ROLE, action: 'create' },
      { kind: 'awsRole', name: ROLE, action: 'create' },
      { kind: 'pkiRole', name: ROLE, action: 'create' },
    ]);
  });

  it('the ensure writes them from the profiles, named after the AppRole', async () => {
    const ensured = await owner.put(APPROLE);
    expect(ensured.body).toMatchObject({ roleName: ROLE, changed: true });
    expect((await stack.vaultCall('GET', DB_ROLE)).body.data).toMatchObject({
      db_name: 'appdb',
      creation_statements: TEMPLATE.profiles.database.main.creationStatements,
      default_ttl: 120,
      max_ttl: 600,
    });
    expect((await stack.vaultCall('GET', AWS_ROLE)).body.data).toMatchObject({
      credential_type: 'iam_user',
      policy_arns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
    });
    expect((await stack.vaultCall('GET', PKI_ROLE)).body.data).toMatchObject({
      allowed_domains: ['myapp.myapp.svc'],
      allow_bare_domains: true,
      allow_subdomains: false,
      key_type: 'rsa',
      key_bits: 2048,
      ttl: 3600,
    });
    const again = await owner.put(APPROLE);
    expect(again.body.changed).toBe(false);
    expect(kinds((await owner.get(`${APPROLE}/plan`)).body.changes).map((c) => c.action)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
  });

  it("the app's pod reads database/creds/<role> and gets a PostgreSQL user that works", async () => {
    const token = await podToken();
    const creds = await stack.vaultCall('GET', `database/creds/${ROLE}`, undefined, token);
    expect(creds.status).toBe(200);
    expect(creds.body.lease_duration).toBe(120);
    const { username, password } = creds.body.data as { username: string; password: string };
    expect(await queryAs(username, password)).toEqual({ user: username, orders: 3 });
    // The lease ends the user: nothing is left behind in PostgreSQL.
    await vaultOk('POST', 'sys/leases/revoke', { lease_id: creds.body.lease_id });
    expect(await pgRoleExists(username)).toBe(false);
  });

  it('the pod also gets AWS keys and a certificate for its own names only, through the paths its policy names', async () => {
    const token = await podToken();
    const aws = await stack.vaultCall('GET', `aws/creds/${ROLE}`, undefined, token);
    expect(aws.status).toBe(200);
    expect(aws.body.data.access_key).toMatch(/^AKIA/);
    const cert = await stack.vaultCall('POST', `pki/aws/stg/issue/${ROLE}`, { common_name: 'myapp.myapp.svc' }, token);
    expect(cert.status).toBe(200);
    expect(cert.body.data.certificate).toContain('BEGIN CERTIFICATE');
    const foreign = await stack.vaultCall(
      'POST',
      `pki/aws/stg/issue/${ROLE}`,
      { common_name: 'other.other.svc' },
      token,
    );
    expect(foreign.status).toBe(400);
    // Another app's role is out of the pod's reach.
    expect((await stack.vaultCall('GET', 'database/creds/aws.stg.other', undefined, token)).status).toBe(403);
  });

  it('a role deleted or edited by hand shows as drift, and the next ensure repairs it', async () => {
    await vaultOk('DELETE', DB_ROLE);
    await vaultOk('POST', PKI_ROLE, { allowed_domains: ['example.com'], allow_subdomains: true, ttl: '1h' });
    const plan = await owner.get(`${APPROLE}/plan`);
    expect(kinds(plan.body.changes)).toEqual([
      { kind: 'databaseRole', name: ROLE, action: 'create' },
      { kind: 'awsRole', name: ROLE, action: 'unchanged' },
      {
        kind: 'pkiRole',
        name: ROLE,
        action: 'update',
        fields: ['allow_bare_domains', 'allow_subdomains', 'allowed_domains', 'max_ttl'],
      },
    ]);
    expect((await owner.put(APPROLE)).body.changed).toBe(true);
    expect((await stack.vaultCall('GET', DB_ROLE)).status).toBe(200);
    expect((await stack.vaultCall('GET', PKI_ROLE)).body.data.allowed_domains).toEqual(['myapp.myapp.svc']);
    const token = await podToken();
    const creds = await stack.vaultCall('GET', `database/creds/${ROLE}`, undefined, token);
    expect(creds.status).toBe(200);
    await vaultOk('POST', 'sys/leases/revoke', { lease_id: creds.body.lease_id });
  });

  it('a namespace set on the attachment fills {namespace} in the certificate domains', async () => {
    expect((await admin.put(DYNAMIC, { namespace: 'shop' })).body).toMatchObject({ namespace: 'shop', pki: ['web'] });
    const plan = await owner.get(`${APPROLE}/plan`);
    expect(kinds(plan.body.changes).find((c) => c.kind === 'pkiRole')).toEqual({
      kind: 'pkiRole',
      name: ROLE,
      action: 'update',
      fields: ['allowed_domains'],
    });
    await owner.put(APPROLE);
    expect((await stack.vaultCall('GET', PKI_ROLE)).body.data.allowed_domains).toEqual(['myapp.shop.svc']);
  });

  it('a detached profile shows as a delete, and the next ensure removes its role', async () => {
    expect((await admin.put(DYNAMIC, { aws: [] })).body).toMatchObject({ database: ['main'], aws: [], pki: ['web'] });
    const plan = await owner.get(`${APPROLE}/plan`);
    expect(kinds(plan.body.changes)).toContainEqual({ kind: 'awsRole', name: ROLE, action: 'delete' });
    expect((await owner.put(APPROLE)).body.changed).toBe(true);
    expect((await stack.vaultCall('GET', AWS_ROLE)).status).toBe(404);
    expect(kinds((await owner.get(`${APPROLE}/plan`)).body.changes).map((c) => c.kind)).toEqual([
      'databaseRole',
      'pkiRole',
    ]);
    const token = await podToken();
    expect((await stack.vaultCall('GET', `aws/creds/${ROLE}`, undefined, token)).status).toBe(400);
  });

  it("a cluster deleted with force takes the app's roles in that cluster with it, and no other cluster's", async () => {
    // A second cluster of the same cloud; its PKI mount is the platform team's, as for aws.stg.
    await vaultOk('POST', 'sys/mounts/pki/aws/prd', { type: 'pki' });
    await vaultOk('POST', 'pki/aws/prd/root/generate/internal', { common_name: 'aws.prd cluster CA', ttl: '24h' });
    expect((await admin.post('/v1/clusters', { name: 'aws.prd', controllerSubjects: [CONTROLLER] })).status).toBe(201);
    expect((await owner.put('/v1/apps/myapp/clusters/aws.prd/approle')).status).toBe(200);
    const prdRoles = ['database/roles/aws.prd.myapp', 'pki/aws/prd/roles/aws.prd.myapp'];
    for (const path of prdRoles) expect((await stack.vaultCall('GET', path)).status, path).toBe(200);

    expect((await admin.delete('/v1/clusters/aws.prd?force=true')).status).toBe(204);
    for (const path of prdRoles) expect((await stack.vaultCall('GET', path)).status, path).toBe(404);
    for (const path of [DB_ROLE, PKI_ROLE]) expect((await stack.vaultCall('GET', path)).status, path).toBe(200);
  });

  it('deleting the app removes its roles from every engine', async () => {
    expect((await admin.delete('/v1/apps/myapp')).status).toBe(204);
    for (const path of [DB_ROLE, AWS_ROLE, PKI_ROLE]) expect((await stack.vaultCall('GET', path)).status).toBe(404);
    expect((await admin.get(DYNAMIC)).status).toBe(404);
  });
});
