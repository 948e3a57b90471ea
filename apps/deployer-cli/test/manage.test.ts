// The commands added for issue 9 against the real API: apps update, plan, clusters update and delete, shared-scope
// secrets, health. What the API decides (permissions, 409) is its own tests' subject; here, what the user sees.
import { rm } from 'node:fs/promises';
import { ZApp, ZAppRolePlanResponse, ZCluster } from '@secret-api/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from './support/api.js';
import type { RunningApi } from './support/api.js';
import { baseEnv, runCli, tempHome } from './support/cli.js';

let api: RunningApi;
let home: string;
let admin: Record<string, string | undefined>;

beforeAll(async () => {
  api = await startApi('manage');
  home = await tempHome();
  admin = { ...baseEnv(home), SECRET_API_URL: api.url, SECRET_API_TOKEN: api.adminToken };
  expect((await runCli(['clusters', 'create', 'aws.stg', '--controller', 'ctrl'], { env: admin })).code).toBe(0);
  expect((await runCli(['apps', 'create', 'shop', '--owner-group', 'team-shop'], { env: admin })).code).toBe(0);
});
afterAll(async () => {
  await api?.stop();
  await rm(home, { recursive: true, force: true });
});

describe('apps update', () => {
  it('adds and removes entries of the current lists, and sends only what changes', async () => {
    const r = await runCli(
      ['apps', 'update', 'shop', '--add-owner-group', 'team-b', '--add-deployer', 'repo:acme/shop:*', '--json'],
      { env: admin },
    );
    expect(r.code).toBe(0);
    expect(ZApp.parse(r.json())).toMatchObject({
      ownerGroups: ['team-shop', 'team-b'],
      deployers: ['repo:acme/shop:*'],
    });
    const removed = await runCli(['apps', 'update', 'shop', '--remove-owner-group', 'team-shop'], { env: admin });
    expect(removed.stdout).toMatch(/^Updated app shop\.\n[\s\S]*Owner groups:\s+team-b\n/);
    const again = await runCli(['apps', 'update', 'shop', '--remove-owner-group', 'team-shop'], { env: admin });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^App shop already is that way; nothing was changed\./);
  });

  it('will not remove the last owner group, and says so before sending anything', async () => {
    const r = await runCli(['apps', 'update', 'shop', '--remove-owner-group', 'team-b'], { env: admin });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: app shop must keep at least one owner group; nothing was changed\n');
  });
});

describe('plan, roleid and clusters delete', () => {
  it('plan shows what an ensure would create, and nothing once it has run', async () => {
    const before = await runCli(['plan', 'shop', '--cluster', 'aws.stg'], { env: admin });
    expect(before.code).toBe(0);
    expect(before.stdout.split('\n')[0]).toMatch(/^KIND\s+NAME\s+ACTION\s+FIELDS$/);
    expect(before.stdout).toMatch(/approle\s+aws\.stg\.shop\s+create/);
    expect(before.stderr).toMatch(/changes; `deployer roleid shop --cluster aws\.stg` applies them\./);
    expect((await runCli(['roleid', 'shop', '--cluster', 'aws.stg'], { env: admin })).code).toBe(0);
    const after = await runCli(['plan', 'shop', '--cluster', 'aws.stg', '--json'], { env: admin });
    const plan = ZAppRolePlanResponse.parse(after.json());
    expect(plan.changes.every((c) => c.action === 'unchanged')).toBe(true);
    const read = await runCli(['roleid', 'shop', '--cluster', 'aws.stg', '--no-ensure', '--format', 'json'], {
      env: admin,
    });
    expect(read.json()).toMatchObject({ roleName: 'aws.stg.shop', changed: false });
  });

  it('clusters update replaces the controllers', async () => {
    const r = await runCli(['clusters', 'update', 'aws.stg', '--controller', 'ctrl-2', '--json'], { env: admin });
    expect(r.code).toBe(0);
    expect(ZCluster.parse(r.json()).controllerSubjects).toEqual(['ctrl-2']);
  });

  it('clusters delete is refused (exit 4) while an AppRole is there, and --force decommissions it', async () => {
    const refused = await runCli(['clusters', 'delete', 'aws.stg', '--yes'], { env: admin });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/^Error: cluster 'aws\.stg' still has AppRoles ensured for 1 app \(shop\)/);
    const forced = await runCli(['clusters', 'delete', 'aws.stg', '--force', '--yes'], { env: admin });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toBe('Deleted cluster aws.stg and the AppRoles ensured in it.\n');
    expect((await runCli(['roleid', 'shop', '--cluster', 'aws.stg'], { env: admin })).code).toBe(3);
  });
});

describe('shared-scope secrets and health', () => {
  it('secrets set, list and get with --scope global', async () => {
    const set = await runCli(['secrets', 'set', '--scope', 'global', 'REGISTRY_TOKEN'], { env: admin, input: 'v1\n' });
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('Set REGISTRY_TOKEN of the global scope: version 1.\n');
    const list = await runCli(['secrets', 'list', '--scope', 'global'], { env: admin });
    expect(list.stdout).toMatch(/REGISTRY_TOKEN\s+1\s/);
    const get = await runCli(['secrets', 'get', '--scope', 'global', 'REGISTRY_TOKEN', '--reveal'], { env: admin });
    expect(get.stdout).toBe('v1');
  });

  it('health needs no token', async () => {
    const r = await runCli(['health'], { env: { ...baseEnv(home), SECRET_API_URL: api.url } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Status:\s+ok\nDatabase:\s+ok\nVault:\s+ok\n$/);
  });
});
