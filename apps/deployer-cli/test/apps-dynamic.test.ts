// `deployer apps dynamic` against the real API (embedded stack) with a policy template that defines profiles.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZDynamicProfiles } from '@secret-api/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from './support/api.js';
import { baseEnv, runCli, tempHome } from './support/cli.js';

const TEMPLATE = {
  profiles: {
    database: { main: { connection: 'main', creationStatements: ['CREATE ROLE "{{name}}" WITH LOGIN;'] } },
    aws: { 's3-read': { credentialType: 'iam_user', policyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] } },
    pki: { web: { allowedDomains: ['{app}.{namespace}.svc'] } },
  },
};

let api: RunningApi;
let home: string;
let dir: string;
let admin: Record<string, string | undefined>;
let owner: Record<string, string | undefined>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deployer-dynamic-'));
  const file = join(dir, 'template.json');
  await writeFile(file, JSON.stringify(TEMPLATE));
  // startApi passes this process's environment on to the API.
  process.env['POLICY_TEMPLATE_FILE'] = file;
  api = await startApi('dynamic');
  home = await tempHome();
  const as = (token: string) => ({ ...baseEnv(home), SECRET_API_URL: api.url, SECRET_API_TOKEN: token });
  admin = as(api.adminToken);
  owner = as(await api.sign('olivia@example.com', ['team-shop']));
  expect((await runCli(['apps', 'create', 'shop', '--owner-group', 'team-shop'], { env: admin })).code).toBe(0);
});
afterAll(async () => {
  delete process.env['POLICY_TEMPLATE_FILE'];
  await api?.stop();
  await rm(home, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

describe('deployer apps dynamic', () => {
  it('without flags prints the current attachment: none yet', async () => {
    const r = await runCli(['apps', 'dynamic', 'shop'], { env: admin });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Database:\s+-/);
    expect(r.stdout).toMatch(/Namespace:\s+shop/);
  });

  it('attaches one profile per engine and prints the result; --json is the contract shape', async () => {
    const r = await runCli(['apps', 'dynamic', 'shop', '--database', 'main', '--aws', 's3-read', '--pki', 'web'], {
      env: admin,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Database:\s+main/);
    expect(r.stdout).toMatch(/AWS:\s+s3-read/);
    expect(r.stdout).toMatch(/PKI:\s+web/);
    const j = await runCli(['apps', 'dynamic', 'shop', '--json'], { env: admin });
    expect(ZDynamicProfiles.parse(j.json())).toMatchObject({ database: ['main'], aws: ['s3-read'], pki: ['web'] });
  });

  it('an unknown profile is a validation error (exit 1) that names it, and changes nothing', async () => {
    const r = await runCli(['apps', 'dynamic', 'shop', '--database', 'mian'], { env: admin });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown database profile 'mian'");
    const j = await runCli(['apps', 'dynamic', 'shop', '--json'], { env: admin });
    expect(ZDynamicProfiles.parse(j.json()).database).toEqual(['main']);
  });

  it('detaches an engine and leaves the others', async () => {
    const j = await runCli(['apps', 'dynamic', 'shop', '--detach', 'aws', '--json'], { env: admin });
    expect(j.code).toBe(0);
    expect(ZDynamicProfiles.parse(j.json())).toMatchObject({ database: ['main'], aws: [], pki: ['web'] });
  });

  it('an owner may not change or read it (exit 2)', async () => {
    expect((await runCli(['apps', 'dynamic', 'shop', '--aws', 's3-read'], { env: owner })).code).toBe(2);
  });
});
