// clusters, apps and roleid against the real API: text and --json (parsed with the contract), and every exit code.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { rm } from 'node:fs/promises';
import { ZApp, ZAppList, ZCluster, ZClusterList, ZEnsureAppRoleResponse } from '@secret-api/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from './support/api.js';
import type { RunningApi } from './support/api.js';
import { baseEnv, runCli, runInTerminal, tempHome } from './support/cli.js';

let api: RunningApi;
let home: string;
let admin: Record<string, string | undefined>;
let owner: Record<string, string | undefined>;
let deployer: Record<string, string | undefined>;
let nobody: Record<string, string | undefined>;

const DEPLOYER_SUBJECT = 'repo:acme/shop:ref:refs/heads/main';

beforeAll(async () => {
  api = await startApi('apps');
  home = await tempHome();
  const as = (token: string) => ({ ...baseEnv(home), SECRET_API_URL: api.url, SECRET_API_TOKEN: token });
  admin = as(api.adminToken);
  owner = as(await api.sign('olivia@example.com', ['team-shop']));
  deployer = as(await api.sign(DEPLOYER_SUBJECT, []));
  nobody = as(await api.sign('nobody@example.com', ['elsewhere']));
});
afterAll(async () => {
  await api?.stop();
  await rm(home, { recursive: true, force: true });
});

describe('clusters', () => {
  it('create prints the cluster; --json is the contract Cluster', async () => {
    const r = await runCli(['clusters', 'create', 'aws.stg', '--controller', 'ctrl@aws.stg'], { env: admin });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Created cluster aws\.stg\./);
    expect(r.stdout).toMatch(/Controllers:\s+ctrl@aws\.stg/);

    const j = await runCli(
      ['clusters', 'create', 'gcp.prd', '--controller', 'a@gcp.prd', '--controller', 'b@gcp.prd', '--json'],
      { env: admin },
    );
    expect(j.code).toBe(0);
    expect(ZCluster.parse(j.json())).toMatchObject({
      name: 'gcp.prd',
      cloud: 'gcp',
      env: 'prd',
      controllerSubjects: ['a@gcp.prd', 'b@gcp.prd'],
    });
  });

  it('list shows a table; --json is the contract list', async () => {
    const r = await runCli(['clusters', 'list'], { env: owner });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^NAME\s+CLOUD\s+ENV\s+CONTROLLERS\s+CREATED$/);
    expect(r.stdout).toMatch(/aws\.stg\s+aws\s+stg\s+ctrl@aws\.stg/);
    const j = await runCli(['clusters', 'list', '--json'], { env: owner });
    expect(
      ZClusterList.parse(j.json())
        .items.map((c) => c.name)
        .sort(),
    ).toEqual(['aws.stg', 'gcp.prd']);
  });

  it('show prints one cluster; --json is the contract shape; an unknown one is exit 3', async () => {
    const r = await runCli(['clusters', 'show', 'aws.stg'], { env: owner });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ctrl@aws.stg');
    const j = await runCli(['clusters', 'show', 'aws.stg', '--json'], { env: owner });
    expect(ZCluster.parse(j.json())).toMatchObject({ name: 'aws.stg', cloud: 'aws', env: 'stg' });
    expect((await runCli(['clusters', 'show', 'nosuch.env'], { env: owner })).code).toBe(3);
  });

  it('a second create of the same name is a conflict: exit 4', async () => {
    const r = await runCli(['clusters', 'create', 'aws.stg', '--controller', 'x@y', '--json'], { env: admin });
    expect(r.code).toBe(4);
    expect(r.json()).toMatchObject({ status: 4, httpStatus: 409, code: 'conflict' });
  });

  it('only admins may create: exit 2 for an owner', async () => {
    const r = await runCli(['clusters', 'create', 'aws.dev', '--controller', 'x@y'], { env: owner });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error: /);
  });
});

describe('apps', () => {
  it('create with owners, deployers and reveal groups; --json is the contract App', async () => {
    const r = await runCli(
      [
        'apps',
        'create',
        'shop',
        '--owner-group',
        'team-shop',
        '--deployer',
        DEPLOYER_SUBJECT,
        '--reveal-group',
        'shop-oncall',
        '--json',
      ],
      { env: admin },
    );
    expect(r.code).toBe(0);
    expect(ZApp.parse(r.json())).toMatchObject({
      name: 'shop',
      ownerGroups: ['team-shop'],
      deployers: [DEPLOYER_SUBJECT],
      revealGroups: ['shop-oncall'],
    });
    const text = await runCli(['apps', 'create', 'blog', '--owner-group', 'team-blog'], { env: admin });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Created app blog\./);
    expect(text.stdout).toMatch(/Reveal groups:\s+-/);
  });

  it('an invalid name is a validation error: exit 1, the field message without its API path, the request id', async () => {
    const r = await runCli(['apps', 'create', 'Bad_Name', '--owner-group', 'g'], { env: admin });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^Error: app name "Bad_Name" may contain only lowercase letters, digits and "-"\n\(request id [\w-]+\)\n$/,
    );
    const j = await runCli(['apps', 'create', 'Bad_Name', '--owner-group', 'g', '--owner-group', 'g', '--json'], {
      env: admin,
    });
    expect(j.code).toBe(1);
    const doc = j.json() as { errors: { path: string; message: string }[] };
    expect(j.json()).toMatchObject({ status: 1, code: 'validation', httpStatus: 400 });
    expect(doc.errors.map((e) => e.path).sort()).toEqual(['/body/name', '/body/ownerGroups']);
    const text = await runCli(['apps', 'create', 'Bad_Name', '--owner-group', 'g', '--owner-group', 'g'], {
      env: admin,
    });
    expect(text.stderr).toMatch(
      /^Error: 2 values are invalid:\n {2}- app name .*\n {2}- owner groups \(--owner-group\) .*\n\(request id [\w-]+\)\n$/,
    );
  });

  it('list and show', async () => {
    const list = await runCli(['apps', 'list', '--json'], { env: nobody });
    expect(list.code).toBe(0);
    expect(
      ZAppList.parse(list.json())
        .items.map((a) => a.name)
        .sort(),
    ).toEqual(['blog', 'shop']);
    const table = await runCli(['apps', 'list'], { env: nobody });
    expect(table.stdout).toMatch(/^NAME\s+OWNER GROUPS\s+DEPLOYERS\s+REVEAL GROUPS\s+CREATED\n/);
    const show = await runCli(['apps', 'show', 'shop'], { env: owner });
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/Name:\s+shop\nOwner groups:\s+team-shop\nDeployers:\s+repo:acme\/shop/);
    expect(ZApp.parse((await runCli(['apps', 'show', 'shop', '--json'], { env: owner })).json()).name).toBe('shop');
  });

  it('show of an unknown app is exit 3', async () => {
    const r = await runCli(['apps', 'show', 'nosuchapp'], { env: owner });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^Error: .*nosuchapp/);
    const j = await runCli(['apps', 'show', 'nosuchapp', '--json'], { env: owner });
    expect(j.json()).toMatchObject({ status: 3, code: 'not_found', httpStatus: 404 });
  });

  it('delete: no question without a terminal; exit 2 for a non-admin; exit 3 afterwards', async () => {
    expect((await runCli(['apps', 'create', 'tmp-app', '--owner-group', 'g'], { env: admin })).code).toBe(0);
    expect((await runCli(['apps', 'delete', 'tmp-app'], { env: owner })).code).toBe(2);
    const r = await runCli(['apps', 'delete', 'tmp-app', '--json'], { env: admin });
    expect(r.code, r.stdout).toBe(0);
    expect(r.json()).toEqual({ name: 'tmp-app', deleted: true });
    expect((await runCli(['apps', 'show', 'tmp-app'], { env: admin })).code).toBe(3);
  });

  it('delete on a terminal asks first; "n" keeps the app (exit 1), "y" deletes it', async () => {
    expect((await runCli(['apps', 'create', 'asked-app', '--owner-group', 'g'], { env: admin })).code).toBe(0);
    const no = await runInTerminal(['apps', 'delete', 'asked-app'], [{ waitFor: '(y/N)', type: 'n\r' }], {
      env: admin,
    });
    expect(no.output).toContain('Delete app asked-app, its Vault objects and all its secrets? (y/N)');
    expect(no.code).toBe(1);
    expect((await runCli(['apps', 'show', 'asked-app'], { env: admin })).code).toBe(0);
    const yes = await runInTerminal(['apps', 'delete', 'asked-app'], [{ waitFor: '(y/N)', type: 'y\r' }], {
      env: admin,
    });
    expect(yes.code).toBe(0);
    expect(yes.output).toContain('Deleted app asked-app.');
    expect((await runCli(['apps', 'show', 'asked-app'], { env: admin })).code).toBe(3);
  });
});

describe('roleid', () => {
  it('prints just the RoleID for a deployer (the CI step), with no spinner or colour', async () => {
    const r = await runCli(['roleid', 'shop', '--cluster', 'aws.stg'], { env: { ...deployer, CI: 'true' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(r.stderr).toBe('');
    const again = await runCli(['roleid', 'shop', '--cluster', 'aws.stg', '--json'], { env: owner });
    const ensured = ZEnsureAppRoleResponse.parse(again.json());
    expect(ensured).toEqual({ roleName: 'aws.stg.shop', roleId: r.stdout.trim(), changed: false });
  });

  it('--format env and --format json', async () => {
    const env = await runCli(['roleid', 'shop', '--cluster', 'aws.stg', '--format', 'env'], { env: deployer });
    expect(env.code).toBe(0);
    expect(env.stdout).toMatch(/^ROLE_ID=[0-9a-f-]{36}\nROLE_NAME=aws\.stg\.shop\n$/);
    const json = await runCli(['roleid', 'shop', '--cluster', 'aws.stg', '--format', 'json'], { env: deployer });
    const parsed = ZEnsureAppRoleResponse.parse(json.json());
    expect(parsed.roleName).toBe('aws.stg.shop');
    expect(`ROLE_ID=${parsed.roleId}`).toBe(env.stdout.split('\n')[0]);
  });

  it('exit codes: not allowed 2, unknown app or cluster 3, invalid cluster name 1', async () => {
    expect((await runCli(['roleid', 'shop', '--cluster', 'aws.stg'], { env: nobody })).code).toBe(2);
    expect((await runCli(['roleid', 'blog', '--cluster', 'aws.stg'], { env: deployer })).code).toBe(2);
    expect((await runCli(['roleid', 'nosuch', '--cluster', 'aws.stg'], { env: admin })).code).toBe(3);
    expect((await runCli(['roleid', 'shop', '--cluster', 'aws.nope'], { env: admin })).code).toBe(3);
    // Refused before sending: the cluster name is checked with the route's own params schema.
    const bad = await runCli(['roleid', 'shop', '--cluster', 'not-a-cluster', '--json'], { env: admin });
    expect(bad.code).toBe(1);
    expect(bad.json()).toEqual({
      status: 1,
      name: 'UsageError',
      code: 'validation',
      message: `cluster name 'not-a-cluster' is invalid: it must be "<cloud>.<env>", e.g. "aws.stg"`,
    });
  });
});

describe('answers that are not the contract', () => {
  let fake: Server;
  let fakeUrl: string;
  const answers: Record<string, { status: number; type: string; body: string }> = {
    '/v1/whoami': { status: 200, type: 'application/json', body: '{"hello":"world"}' },
    '/v1/apps': {
      status: 503,
      type: 'application/problem+json',
      body: JSON.stringify({
        type: 'urn:secret-api:problem:vault_unavailable',
        title: 'Vault unavailable',
        status: 503,
        detail: 'Vault did not answer',
        requestId: 'req-123',
      }),
    },
    '/v1/clusters': { status: 502, type: 'text/html', body: '<html>bad gateway</html>' },
  };

  beforeAll(async () => {
    fake = createServer((req, res) => {
      const answer = answers[new URL(req.url ?? '/', 'http://x').pathname] ?? answers['/v1/whoami']!;
      res.writeHead(answer.status, { 'Content-Type': answer.type }).end(answer.body);
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const address = fake.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    fakeUrl = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => fake.close(() => resolve()));
  });

  const at = () => ({ ...baseEnv(home), SECRET_API_URL: fakeUrl, SECRET_API_TOKEN: 't' });

  it('a 200 that does not match the response schema is exit 5, "answered something unexpected"', async () => {
    const r = await runCli(['whoami'], { env: at() });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^Error: the Secret API at .* answered something unexpected for GET \/v1\/whoami/);
    const j = await runCli(['whoami', '--json'], { env: at() });
    expect(j.json()).toMatchObject({ status: 5, code: 'unexpected_response', name: 'UnexpectedResponseError' });
  });

  it('a 503 problem is exit 5 with its detail and request id', async () => {
    const r = await runCli(['apps', 'list'], { env: at() });
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('Error: Vault did not answer\n(request id req-123)\n');
    const j = await runCli(['apps', 'list', '--json'], { env: at() });
    expect(j.json()).toEqual({
      status: 5,
      name: 'ApiError',
      message: 'Vault did not answer',
      code: 'vault_unavailable',
      httpStatus: 503,
      requestId: 'req-123',
    });
  });

  it('a 5xx without a problem document (a proxy page) is exit 5 too', async () => {
    const r = await runCli(['clusters', 'list'], { env: at() });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/answered 502 Bad Gateway for GET \/v1\/clusters without a problem document/);
  });
});
