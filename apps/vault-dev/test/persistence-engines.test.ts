/**
 * `-dev-data-dir` with the database, PKI and AWS engines: their configs,
 * roles and certificates, and the secret leases they issued, survive a
 * graceful restart and SIGKILL of a real `vault-dev server -dev` child (the
 * built CLI: `npm run build`). After the restart a lease can be renewed and
 * revoked (its PostgreSQL role is dropped), one that ran out while the server
 * was down is revoked at start, and the PKI CA is the same one.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminQuery, createTestDatabase, type TestDatabase } from '@secret-api/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startVaultDev, type VaultDev } from '../src/index.js';
import { VaultClient } from './support/vault.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'vault-dev.js');
const CREATION = [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`];

let db: TestDatabase;
let admin: string;
const issuedUsers: string[] = [];
const dirs: string[] = [];
const servers: VaultDev[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase('vaultpersist');
  admin = `vault_admin_${db.name.slice(-10)}`;
  await adminQuery(`CREATE ROLE "${admin}" WITH LOGIN CREATEROLE PASSWORD 'admin-pw'`);
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const server of servers.splice(0)) await server.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

afterAll(async () => {
  await db?.drop();
  for (const user of [...issuedUsers, admin]) await adminQuery(`DROP ROLE IF EXISTS "${user.replace(/"/g, '""')}"`);
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vault-dev-engines-'));
  dirs.push(dir);
  return join(dir, 'vault');
}

async function start(dir: string): Promise<{ vault: VaultDev; client: VaultClient }> {
  const vault = await startVaultDev({ dataDir: dir, rootToken: 'root' });
  servers.push(vault);
  return { vault, client: new VaultClient(vault.address, vault.rootToken) };
}

async function stop(vault: VaultDev): Promise<void> {
  servers.splice(servers.indexOf(vault), 1);
  await vault.close();
}

/** A `vault-dev server -dev` child process on a free port; resolves once the banner names its address. */
async function spawnServer(dir: string): Promise<{ child: ChildProcess; client: VaultClient }> {
  const child = spawn(
    process.execPath,
    [CLI, 'server', '-dev', '-dev-listen-address=127.0.0.1:0', '-dev-root-token-id=root', `-dev-data-dir=${dir}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const address = /Api Address: (\S+)/.exec(out)?.[1];
      if (address) resolve({ child, client: new VaultClient(address, 'root') });
    });
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`vault-dev exited (${code}): ${err}`)));
  });
}

async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function ok(reply: Promise<{ status: number; text: string; body: any }>, status = 200) {
  const r = await reply;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${r.text}`);
  return r.body;
}

async function roleExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

async function waitFor(check: () => Promise<boolean>, ms = 5_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

function opensslVerify(ca: string, leaf: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pki-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'ca.pem'), `${ca}\n`);
  writeFileSync(join(dir, 'leaf.pem'), `${leaf}\n`);
  return execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'leaf.pem')]).toString();
}

const AWS_ROLE = { credential_type: 'iam_user', policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] };

/** Mounts and configures the three engines, and issues what the restart must keep. */
async function populate(c: VaultClient) {
  await ok(c.post('sys/mounts/database', { type: 'database' }), 204);
  await ok(
    c.post('database/config/pg', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@${new URL(db.url).host}${new URL(db.url).pathname}`,
      username: admin,
      password: 'admin-pw',
      allowed_roles: ['app', 'short'],
    }),
    204,
  );
  await ok(c.post('database/roles/app', { db_name: 'pg', creation_statements: CREATION, default_ttl: '1h' }), 204);
  await ok(c.post('database/roles/short', { db_name: 'pg', creation_statements: CREATION, default_ttl: '1s' }), 204);
  const creds = await ok(c.get('database/creds/app'));
  const short = await ok(c.get('database/creds/short'));
  issuedUsers.push(creds.data.username, short.data.username);

  await ok(c.post('sys/mounts/pki', { type: 'pki' }), 204);
  const root = (await ok(c.post('pki/root/generate/internal', { common_name: 'persist root', ttl: '87600h' }))).data;
  await ok(c.post('pki/roles/web', { allowed_domains: ['example.com'], allow_subdomains: true, max_ttl: '72h' }));
  const leaf = (await ok(c.post('pki/issue/web', { common_name: 'app.example.com', ttl: '1h' }))).data;

  await ok(c.post('sys/mounts/aws', { type: 'aws' }), 204);
  await ok(c.post('aws/config/root', { access_key: 'AKIAROOT', secret_key: 'root-secret', region: 'eu-west-1' }), 204);
  await ok(c.post('aws/roles/deploy', AWS_ROLE), 204);
  const awsRole = (await ok(c.get('aws/roles/deploy'))).data;
  const awsCreds = await ok(c.get('aws/creds/deploy'));

  return { creds, short, caPem: root.certificate as string, leaf, awsRole, awsCreds };
}

/** What must hold after the restart, whichever way the server went down. */
async function checkAfterRestart(c: VaultClient, before: Awaited<ReturnType<typeof populate>>) {
  // The 1s lease ran out while the server was down: revoked at start, its role dropped.
  expect(await waitFor(async () => !(await roleExists(before.short.data.username)))).toBe(true);
  expect((await c.post('sys/leases/lookup', { lease_id: before.short.lease_id })).status).toBe(400);

  // The 1h lease is still there: it renews and then revokes, dropping the role.
  const user = before.creds.data.username as string;
  expect(await roleExists(user)).toBe(true);
  const looked = (await ok(c.post('sys/leases/lookup', { lease_id: before.creds.lease_id }))).data;
  expect(looked.ttl).toBeGreaterThan(3500);
  const renewed = await ok(c.post('sys/leases/renew', { lease_id: before.creds.lease_id, increment: 600 }));
  expect(renewed.lease_id).toBe(before.creds.lease_id);
  expect(renewed.lease_duration).toBe(600);
  await ok(c.post('sys/leases/revoke', { lease_id: before.creds.lease_id }), 204);
  expect(await roleExists(user)).toBe(false);
  // The config and roles came back too: new credentials work.
  const fresh = await ok(c.get('database/creds/app'));
  issuedUsers.push(fresh.data.username);
  expect(await roleExists(fresh.data.username)).toBe(true);

  // Same CA: the certificate issued before the restart verifies against the CA read after it.
  const caAfter = (await c.call('GET', 'pki/ca/pem', { token: null })).text;
  expect(caAfter).toBe(before.caPem);
  expect(opensslVerify(caAfter, before.leaf.certificate)).toContain('OK');
  const stored = (await ok(c.get(`pki/cert/${before.leaf.serial_number}`))).data;
  expect(stored.certificate).toBe(before.leaf.certificate);
  const again = (await ok(c.post('pki/issue/web', { common_name: 'new.example.com', ttl: '1h' }))).data;
  expect(opensslVerify(caAfter, again.certificate)).toContain('OK');

  expect((await ok(c.get('aws/roles/deploy'))).data).toEqual(before.awsRole);
  const awsLease = (await ok(c.post('sys/leases/lookup', { lease_id: before.awsCreds.lease_id }))).data;
  expect(awsLease.id).toBe(before.awsCreds.lease_id);
  await ok(c.post('sys/leases/revoke', { lease_id: before.awsCreds.lease_id }), 204);
  expect((await ok(c.get('aws/creds/deploy'))).data.access_key).toMatch(/^AKIA/);
}

describe('engines and their leases survive a restart', () => {
  it('graceful: database lease, PKI root + role + cert and AWS role come back and keep working', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const before = await populate(first.client);
    await stop(first.vault);
    await new Promise((r) => setTimeout(r, 1_100)); // the 1s lease runs out while the server is down

    const second = await start(dir);
    await checkAfterRestart(second.client, before);
  });

  it('SIGKILL of the server process loses none of it', async () => {
    const dir = dataDir();
    const a = await spawnServer(dir);
    const before = await populate(a.client);
    await kill9(a.child);
    await new Promise((r) => setTimeout(r, 1_100));

    const b = await spawnServer(dir);
    await checkAfterRestart(b.client, before);
  });

  it('a lease revoked at start stays revoked after the next SIGKILL', async () => {
    const dir = dataDir();
    const a = await spawnServer(dir);
    const before = await populate(a.client);
    await kill9(a.child);
    await new Promise((r) => setTimeout(r, 1_100));
    const b = await spawnServer(dir);
    // No request in between: the start-up revocation itself was saved.
    expect(await waitFor(async () => !(await roleExists(before.short.data.username)))).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    await kill9(b.child);
    const c = await spawnServer(dir);
    expect((await c.client.post('sys/leases/lookup', { lease_id: before.short.lease_id })).status).toBe(400);
  });
});
