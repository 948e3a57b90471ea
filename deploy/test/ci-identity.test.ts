/**
 * The example's CI identities against the real Secret API (vault-dev, a fresh PostgreSQL database): tokens shaped like
 * GitHub Actions' and GitLab's OIDC tokens (claims as documented), signed by local issuers configured exactly like the
 * documented AUTH_ISSUERS entries (only the key source differs: a JWKS file instead of the platform's URL). The
 * deployer patterns of secret-api/app.json let main of acme/myapp ensure the AppRole and read the RoleID — and
 * nothing else: another branch, another repository, a token for another audience.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { LocalIssuer, parseConfig, startSecretApi, type RunningSecretApi } from '@secret-api/secret-api';
import { createTestDatabase, type TestDatabase } from '@secret-api/testing';
import { startVaultDev, type VaultDev } from 'vault-dev';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_DIR, REPO_ROOT } from './support/tools.js';

interface IssuerEntry {
  issuer: string;
  audience: string;
  jwksUri?: string;
  jwksFile?: string;
  [field: string]: unknown;
}

const DOCUMENTED = JSON.parse(
  readFileSync(join(EXAMPLE_DIR, 'secret-api', 'auth-issuers.json'), 'utf8'),
) as IssuerEntry[];
const APP = JSON.parse(readFileSync(join(EXAMPLE_DIR, 'secret-api', 'app.json'), 'utf8')) as { name: string };
const GITHUB = 'https://token.actions.githubusercontent.com';
const GITLAB = 'https://gitlab.com';
const ADMIN_GROUP = 'platform-admins@example.com';

let vault: VaultDev;
let db: TestDatabase;
let api: RunningSecretApi;
let dir: string;
const issuers: Record<string, LocalIssuer> = {};

async function vaultCall(method: string, path: string, body: unknown, token = vault.rootToken) {
  const res = await fetch(`${vault.address}/v1/${path}`, {
    method,
    headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** The API's Vault token: only the least policy we ship (deploy/vault/secret-api.hcl). */
async function apiVaultToken(): Promise<string> {
  await vaultCall('POST', 'sys/auth/approle', { type: 'approle' });
  const policy = readFileSync(join(REPO_ROOT, 'deploy', 'vault', 'secret-api.hcl'), 'utf8');
  await vaultCall('POST', 'sys/policies/acl/secret-api', { policy });
  const created = await vaultCall('POST', 'auth/token/create', { policies: ['secret-api'], period: '24h' });
  return created.auth.client_token as string;
}

async function call(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A GitHub Actions job token (docs: "About security hardening with OpenID Connect"). */
function githubToken(repo: string, ref: string, audience?: string) {
  const [owner] = repo.split('/');
  return (issuers[GITHUB] as LocalIssuer).sign(
    {
      sub: `repo:${repo}:ref:${ref}`,
      repository: repo,
      repository_owner: owner,
      ref,
      ref_type: 'branch',
      workflow: 'deploy',
      event_name: 'push',
      job_workflow_ref: `${repo}/.github/workflows/deploy.yml@${ref}`,
      runner_environment: 'github-hosted',
    },
    audience === undefined ? {} : { audience },
  );
}

/** A GitLab CI job ID token (docs: "OpenID Connect (OIDC) Authentication Using ID Tokens"). */
function gitlabToken(project: string, branch: string) {
  return (issuers[GITLAB] as LocalIssuer).sign({
    sub: `project_path:${project}:ref_type:branch:ref:${branch}`,
    project_path: project,
    namespace_path: project.split('/')[0],
    ref: branch,
    ref_type: 'branch',
    ref_protected: 'true',
    pipeline_source: 'push',
    user_login: 'ci-bot',
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deploy-ci-identity-'));
  vault = await startVaultDev({ port: 0 });
  db = await createTestDatabase('deploy_ci');
  const corp = await LocalIssuer.create({
    issuer: 'https://sso.example.com',
    audience: 'secret-api',
    dir: join(dir, 'corp'),
  });
  issuers['corp'] = corp;
  const entries: Record<string, unknown>[] = [{ ...corp.issuerConfig(), subjectPrefix: 'corp:' }];
  for (const documented of DOCUMENTED) {
    const issuer = await LocalIssuer.create({
      issuer: documented.issuer,
      audience: documented.audience,
      alg: 'RS256',
      dir: join(dir, new URL(documented.issuer).hostname),
    });
    issuers[documented.issuer] = issuer;
    // The documented entry as it is, but for where the keys come from.
    const { jwksUri: _platformKeys, ...rest } = documented;
    entries.push({ ...rest, jwksFile: join(dir, new URL(documented.issuer).hostname, 'jwks.json') });
  }
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  api = await startSecretApi(
    parseConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      VAULT_ADDR: vault.address,
      VAULT_TOKEN: await apiVaultToken(),
      AUTH_ISSUERS: JSON.stringify(entries),
      ADMIN_GROUPS: ADMIN_GROUP,
      LOG_LEVEL: 'warn',
    }),
    { logDestination: sink, defaultMetrics: false },
  );
  const admin = await corp.sign({ sub: 'alice@example.com', groups: [ADMIN_GROUP] });
  expect(
    (
      await call(admin, 'POST', '/v1/clusters', {
        name: 'aws.stg',
        controllerSubjects: ['k8s:system:serviceaccount:platform:secret-api-controller'],
      })
    ).status,
  ).toBe(201);
  expect((await call(admin, 'POST', '/v1/apps', APP)).status).toBe(201);
});

afterAll(async () => {
  await api?.close();
  await vault?.close();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const approle = `/v1/apps/myapp/clusters/aws.stg/approle`;

describe('CI identities of the example app', () => {
  it('lets the GitHub Actions job on main of acme/myapp ensure the AppRole and read its RoleID', async () => {
    const token = await githubToken('acme/myapp', 'refs/heads/main');
    const ensured = await call(token, 'PUT', approle);
    expect(ensured.status).toBe(200);
    expect(ensured.body).toMatchObject({ roleName: 'aws.stg.myapp', roleId: expect.any(String) });
    const read = await call(token, 'GET', approle);
    expect(read).toMatchObject({ status: 200, body: { roleId: ensured.body['roleId'] } });
    const whoami = await call(token, 'GET', '/v1/whoami');
    expect(whoami.body['principal']).toBe('github:repo:acme/myapp:ref:refs/heads/main');
  });

  it('lets the GitLab job on main of acme/myapp read the RoleID', async () => {
    const read = await call(await gitlabToken('acme/myapp', 'main'), 'GET', approle);
    expect(read.status).toBe(200);
    expect(read.body['roleName']).toBe('aws.stg.myapp');
  });

  const refused: [string, () => Promise<string>][] = [
    ['GitHub, another branch', () => githubToken('acme/myapp', 'refs/heads/feature')],
    ['GitHub, a tag', () => githubToken('acme/myapp', 'refs/tags/v1')],
    ['GitHub, another repository', () => githubToken('acme/other', 'refs/heads/main')],
    ['GitHub, a fork-like prefix', () => githubToken('acme/myapp-fork', 'refs/heads/main')],
    ['GitLab, another branch', () => gitlabToken('acme/myapp', 'feature')],
    ['GitLab, another project', () => gitlabToken('acme/other', 'main')],
  ];
  for (const [who, token] of refused) {
    it(`refuses the RoleID to ${who} (403)`, async () => {
      const t = await token();
      expect((await call(t, 'GET', approle)).status).toBe(403);
      expect((await call(t, 'PUT', approle)).status).toBe(403);
    });
  }

  it('gives the deployer nothing beyond the AppRole: no secrets, no SecretID material', async () => {
    const token = await githubToken('acme/myapp', 'refs/heads/main');
    expect((await call(token, 'GET', '/v1/apps/myapp/secrets')).status).toBe(403);
    expect((await call(token, 'POST', '/v1/apps/myapp/clusters/aws.stg/secret-id', {})).status).toBe(403);
  });

  it('refuses a GitHub token minted for another audience (401)', async () => {
    const token = await githubToken('acme/myapp', 'refs/heads/main', 'https://other.example.com');
    expect((await call(token, 'GET', approle)).status).toBe(401);
  });
});
