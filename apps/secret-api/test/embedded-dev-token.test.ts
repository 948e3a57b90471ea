/**
 * `secret-api dev-token` against a real embedded stack (vault-dev child process, PGlite, dev issuer): a developer
 * acts as an owner, a CI deployer (no groups claim) or a cluster controller, and each gets exactly its role's rights
 * through the real API. The command itself runs as the user runs it: the compiled binary, in a child process.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/env.js';
import { prepareEmbeddedStack, type EmbeddedStack } from '../src/embedded/stack.js';
import { createLogger } from '../src/observability/logger.js';
import { startSecretApi, type RunningSecretApi } from '../src/server.js';
import { ApiClient, type ApiReply } from './support/http.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../bin/secret-api.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function secretApi(args: string[], env: Record<string, string | undefined>, cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env['PATH'], ...env }, timeout: 20_000, ...(cwd !== undefined && { cwd }) },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let root: string;
let dataDir: string;
let stack: EmbeddedStack;
let api: RunningSecretApi;
let client: ApiClient;

async function mint(args: string[]): Promise<string> {
  const run = await secretApi(['dev-token', ...args], { DATA_DIR: dataDir });
  expect(run.stderr).not.toMatch(/error/i);
  expect(run.code).toBe(0);
  // Only the token, so that `export SECRET_API_TOKEN=$(secret-api dev-token …)` works.
  expect(run.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  return run.stdout.trim();
}

const ok = (reply: ApiReply) => expect(reply.status, reply.text).toBeLessThan(300);

const OWNER = 'alice@example.com';
const CI = 'repo:acme/myapp:ref:refs/heads/main';
const CONTROLLER = 'system:serviceaccount:secrets:controller';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'secret-api-dev-token-'));
  dataDir = join(root, '.data');
  stack = await prepareEmbeddedStack(
    // Without the Kubernetes stand-ins (embedded-kubernetes.test.ts runs those): dev principals are unprefixed.
    { DATA_DIR: dataDir, PORT: '0', EMBEDDED_KUBERNETES: 'false' },
    { log: () => undefined, vaultPort: 0 },
  );
  api = await startSecretApi(parseConfig(stack.env), { logger: createLogger('silent'), defaultMetrics: false });
  client = new ApiClient(api.url);
  const admin = client.as(await mint(['--subject', 'dev-admin@localhost', '--group', 'secret-api-admins']));
  ok(await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: [CONTROLLER] }));
  ok(await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team-a'], deployers: ['repo:acme/myapp:*'] }));
});

afterAll(async () => {
  await api?.close();
  await stack?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('dev-token: acting as anyone on the embedded stack', () => {
  it('an owner token (subject and groups) can set and list its app secrets, and is no admin', async () => {
    const owner = client.as(await mint(['--subject', OWNER, '--group', 'team-a', '--group', 'team-b']));
    expect((await owner.get('/v1/whoami')).body).toMatchObject({
      subject: OWNER,
      groups: ['team-a', 'team-b'],
      admin: false,
    });
    ok(await owner.put('/v1/apps/myapp/secrets/DB_PASSWORD', { value: 's3cret' }));
    const list = await owner.get('/v1/apps/myapp/secrets');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).toContain('DB_PASSWORD');
    expect((await owner.post('/v1/clusters', { name: 'gcp.prd', controllerSubjects: ['x'] })).status).toBe(403);
  });

  it('a CI subject without any --group gets a token with no groups claim, which the API accepts as a deployer', async () => {
    const token = await mint(['--subject', CI]);
    expect(decodeJwt(token)).not.toHaveProperty('groups');
    const deployer = client.as(token);
    expect((await deployer.get('/v1/whoami')).body).toMatchObject({ subject: CI, groups: [] });
    const ensured = await deployer.put('/v1/apps/myapp/clusters/aws.stg/approle');
    expect(ensured.status, ensured.text).toBe(200);
    const read = await deployer.get('/v1/apps/myapp/clusters/aws.stg/approle');
    expect(read.status).toBe(200);
    expect(read.body.roleId).toBe(ensured.body.roleId);
    expect((await deployer.get('/v1/apps/myapp/secrets')).status).toBe(403);
    expect((await deployer.post('/v1/apps/myapp/clusters/aws.stg/secret-id-token')).status).toBe(403);
  });

  it("a controller subject mints SecretID material for its cluster's apps and reads no secrets", async () => {
    const controller = client.as(await mint(['--subject', CONTROLLER]));
    const admin = client.as(await mint(['--subject', 'dev-admin@localhost', '--group', 'secret-api-admins']));
    ok(await admin.put('/v1/apps/myapp/clusters/aws.stg/approle'));
    const material = await controller.post('/v1/apps/myapp/clusters/aws.stg/secret-id-token');
    // Its body is SecretID material: kept out of a failure's diff.
    expect(material.status).toBe(201);
    expect(material.body.token).toEqual(expect.any(String));
    expect((await controller.get('/v1/apps/myapp/secrets')).status).toBe(403);
    expect((await controller.put('/v1/apps/myapp/clusters/aws.stg/approle')).status).toBe(403);
  });

  it('--ttl sets the lifetime; a bad --ttl, --subject or unknown option is exit 1 with a message and no token', async () => {
    const claims = decodeJwt(await mint(['--subject', OWNER, '--ttl', '90s']));
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(90);
    for (const args of [['--subject', OWNER, '--ttl', '3w'], ['--subject', 'two words'], ['--subject'], ['--nope']]) {
      const run = await secretApi(['dev-token', ...args], { DATA_DIR: dataDir });
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^secret-api: dev-token: \S/);
    }
  });

  it('refuses, touching nothing, where there is no embedded dev issuer', async () => {
    const empty = join(root, 'empty');
    const run = await secretApi(['dev-token', '--subject', OWNER, '--data-dir', empty], {});
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`there is no embedded dev issuer in ${empty}`);
    await expect(readdir(empty)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses in production mode (VAULT_ADDR set), even next to a dev issuer key', async () => {
    const run = await secretApi(['dev-token', '--subject', OWNER], {
      DATA_DIR: dataDir,
      VAULT_ADDR: 'https://vault.example.com',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('VAULT_ADDR is set, which is production mode');
    expect(run.stderr).toContain('unset VAULT_ADDR VAULT_TOKEN');
  });
});
