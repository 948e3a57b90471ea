/**
 * The embedded vault-dev's dynamic engines: what a newcomer's template draws from (tls*, awsCredsEnvVars,
 * dbUsername/dbPassword) is there after `npm start`, against a real PostgreSQL when DEV_DATABASE_URL names
 * one, and a restart keeps the dev CA rather than minting a new one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_DATABASE_CONNECTION, EmbeddedConfigError, prepareEmbeddedStack } from '../src/embedded/stack.js';
import type { EmbeddedStack } from '../src/embedded/stack.js';
import { adminQuery } from '@secret-api/testing';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

let root: string;
let db: TestDatabase;
const toStop: EmbeddedStack[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'secret-api-engines-'));
  db = await createTestDatabase('embedded_engines');
});

afterAll(async () => {
  await Promise.all(toStop.map((s) => s.stop()));
  await db?.drop();
  await rm(root, { recursive: true, force: true });
});

async function start(env: Record<string, string>) {
  const stack = await prepareEmbeddedStack(env, { log: () => undefined, vaultPort: 0 });
  toStop.push(stack);
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${stack.env['VAULT_ADDR']}/v1/${path}`, {
      method,
      headers: { 'X-Vault-Token': stack.env['VAULT_TOKEN'] as string, 'Content-Type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Vault's JSON, read field by field
    return { status: res.status, text, body: (text ? JSON.parse(text) : {}) as any };
  };
  return { stack, call };
}

describe('embedded dev stack: dynamic engines', { timeout: 60_000 }, () => {
  const dataDir = () => join(root, 'with-db', '.data');

  it('issues a certificate, AWS keys and working PostgreSQL credentials, and says so in the banner', async () => {
    const { stack, call } = await start({
      DATA_DIR: dataDir(),
      DEV_DATABASE_URL: db.url,
      EMBEDDED_CLUSTERS: 'aws.stg',
    });

    expect((await call('POST', 'pki/aws/stg/roles/web', { allow_any_name: true, max_ttl: '1h' })).status).toBe(200);
    const cert = await call('POST', 'pki/aws/stg/issue/web', { common_name: 'web.shop.svc', ttl: '10m' });
    expect(cert.status, cert.text).toBe(200);
    expect(cert.body.data.issuing_ca).toBe((await call('GET', 'pki/aws/stg/cert/ca')).body.data.certificate);

    await call('POST', 'aws/roles/web', {
      credential_type: 'iam_user',
      policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    });
    const aws = await call('GET', 'aws/creds/web');
    expect(aws.status, aws.text).toBe(200);
    expect(aws.body.data.access_key).toMatch(/^AKIA[A-Z2-7]{16}$/);

    await call('POST', 'database/roles/web', {
      db_name: DEV_DATABASE_CONNECTION,
      creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`],
      default_ttl: '10m',
    });
    const creds = await call('GET', 'database/creds/web');
    expect(creds.status, creds.text).toBe(200);
    const url = new URL(db.url);
    url.username = creds.body.data.username;
    url.password = creds.body.data.password;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    expect((await client.query('SELECT current_user AS me')).rows[0].me).toBe(creds.body.data.username);
    await client.end();
    // Roles outlive the test database: drop the one vault-dev created.
    await adminQuery(`DROP ROLE IF EXISTS "${creds.body.data.username as string}"`);

    const banner = await stack.banner('http://127.0.0.1:18080');
    expect(banner).toContain('pki/aws/stg');
    expect(banner).toContain('no AWS account knows them');
    expect(banner).toContain(`database/config/${DEV_DATABASE_CONNECTION} -> PostgreSQL at ${url.host}${url.pathname}`);
    // The admin URL's password (if any) and the dummy AWS secret are not shown.
    expect(banner).not.toContain(db.url);
    await stack.stop();
  });

  it('keeps the dev CA across a restart and mounts a PKI for each added cluster', async () => {
    const first = await start({ DATA_DIR: join(root, 'restart', '.data') });
    const ca = (await first.call('GET', 'pki/aws/stg/cert/ca')).body.data.certificate as string;
    expect(ca).toContain('BEGIN CERTIFICATE');
    await first.stack.stop();

    const second = await start({ DATA_DIR: join(root, 'restart', '.data'), EMBEDDED_CLUSTERS: 'aws.stg, gcp.prod' });
    expect((await second.call('GET', 'pki/aws/stg/cert/ca')).body.data.certificate).toBe(ca);
    expect((await second.call('GET', 'pki/gcp/prod/cert/ca')).body.data.certificate).toContain('BEGIN CERTIFICATE');
    // Without DEV_DATABASE_URL the engine is mounted with no connection, and the banner says how to add one.
    const mounts = await second.call('GET', 'sys/mounts');
    expect(mounts.body.data['database/']).toMatchObject({ type: 'database' });
    expect((await second.call('LIST', 'database/config')).status).toBe(404);
    expect(await second.stack.banner('http://127.0.0.1:18080')).toMatch(/database {2}off: set DEV_DATABASE_URL=/);
    await second.stack.stop();
  });

  it('refuses a bad EMBEDDED_CLUSTERS or DEV_DATABASE_URL before it creates anything, never echoing the URL', async () => {
    const dir = join(root, 'bad', '.data');
    await expect(prepareEmbeddedStack({ DATA_DIR: dir, EMBEDDED_CLUSTERS: 'stg' })).rejects.toThrow(
      /^EMBEDDED_CLUSTERS: /,
    );
    const attempt = prepareEmbeddedStack({ DATA_DIR: dir, DEV_DATABASE_URL: 'mysql://root:hunter2@db/x' });
    await expect(attempt).rejects.toBeInstanceOf(EmbeddedConfigError);
    await expect(attempt).rejects.not.toThrow(/hunter2/);
    await expect(
      prepareEmbeddedStack({ DATA_DIR: dir, EMBEDDED_CLUSTERS: 'aws.stg', DEV_DATABASE_URL: 'x' }),
    ).rejects.toThrow(/DEV_DATABASE_URL must be a postgresql:\/\/ URL/);
    await expect(rm(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
