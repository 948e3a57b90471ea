/**
 * §3 AppRole and §3.9 user lockout through real HTTP against a started
 * vault-dev: what a Vault client (and our Secret API, which mints one-time
 * wrapped SecretIDs for pods) relies on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MULTI_INVALID_TOKEN, MULTI_PERMISSION_DENIED, useVaultDev, type VaultClient } from './support/vault.js';

const ctx = useVaultDev();

const INVALID = 'invalid role or secret ID';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The mount / system max lease TTL of a dev server (768h). */
const SYSTEM_MAX_TTL = 2_764_800;

let seq = 0;
/** A fresh role name, so tests never share SecretIDs or lockout counters. */
const fresh = (prefix: string): string => `${prefix}-${++seq}`;

async function enableAppRole(client: VaultClient, path = 'approle'): Promise<void> {
  const r = await client.post(`sys/auth/${path}`, { type: 'approle' });
  if (r.status !== 204) throw new Error(`enabling approle failed: ${r.status} ${r.text}`);
}

/** Writes a role with the root token (204, or 200 with warnings). */
async function writeRole(client: VaultClient, name: string, body: Record<string, unknown> = {}): Promise<void> {
  const r = await client.post(`auth/approle/role/${name}`, body);
  if (r.status !== 204 && r.status !== 200) throw new Error(`role write failed: ${r.status} ${r.text}`);
}

async function roleIdOf(client: VaultClient, name: string): Promise<string> {
  const r = await client.get(`auth/approle/role/${name}/role-id`);
  if (r.status !== 200) throw new Error(`role-id read failed: ${r.status} ${r.text}`);
  return r.body.data.role_id as string;
}

interface Minted {
  secretId: string;
  accessor: string;
}

async function mintSecretId(client: VaultClient, name: string, body: Record<string, unknown> = {}): Promise<Minted> {
  const r = await client.post(`auth/approle/role/${name}/secret-id`, body);
  if (r.status !== 200) throw new Error(`secret-id failed: ${r.status} ${r.text}`);
  return { secretId: r.body.data.secret_id, accessor: r.body.data.secret_id_accessor };
}

/** A role plus its RoleID. */
async function setupRole(client: VaultClient, prefix: string, body: Record<string, unknown> = {}) {
  const name = fresh(prefix);
  await writeRole(client, name, body);
  return { name, roleId: await roleIdOf(client, name) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An unauthenticated AppRole login. */
const login = (client: VaultClient, roleId: string, secretId?: string) => {
  const body = secretId === undefined ? { role_id: roleId } : { role_id: roleId, secret_id: secretId };
  return client.post('auth/approle/login', body, { token: null });
};

beforeAll(async () => {
  await enableAppRole(ctx.client);
});

describe('enabling AppRole', () => {
  it('an approle mount at auth/approle shows in sys/auth with type approle', async () => {
    const r = await ctx.client.get('sys/auth');
    expect(r.status).toBe(200);
    expect(r.body.data['approle/']).toMatchObject({ type: 'approle' });
  });

  it('enabling it again at the same path is a 400 "path is already in use"', async () => {
    const r = await ctx.client.post('sys/auth/approle', { type: 'approle' });
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toContain('path is already in use at approle/');
  });
});

describe('role CRUD', () => {
  it('an approle mount with no roles LISTs as 404 with an empty errors list', async () => {
    await enableAppRole(ctx.client, 'approle-empty');
    const r = await ctx.client.list('auth/approle-empty/role');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ errors: [] });
  });

  it('creating a role is a 204 and LIST shows its lower-cased name', async () => {
    const r = await ctx.client.post('auth/approle/role/MixedCase-Role', { token_ttl: '10m' });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    const list = await ctx.client.list('auth/approle/role');
    expect(list.status).toBe(200);
    expect(list.body.data.keys).toContain('mixedcase-role');
    expect(list.body.data.keys).not.toContain('MixedCase-Role');
    expect((await ctx.client.get('auth/approle/role/MIXEDCASE-ROLE')).status).toBe(200);
  });

  it('a role GET has every documented key, no role_id, and secret_id_bound_cidrs null when never set', async () => {
    const name = fresh('shape');
    await writeRole(ctx.client, name, { token_policies: ['Beta', 'alpha'], token_ttl: '1h', secret_id_ttl: 600 });
    const r = await ctx.client.get(`auth/approle/role/${name}`);
    expect(r.status).toBe(200);
    expect(r.body.mount_type).toBe('approle');
    expect(Object.keys(r.body.data).sort()).toEqual([
      'bind_secret_id',
      'local_secret_ids',
      'secret_id_bound_cidrs',
      'secret_id_num_uses',
      'secret_id_ttl',
      'token_bound_cidrs',
      'token_explicit_max_ttl',
      'token_max_ttl',
      'token_no_default_policy',
      'token_num_uses',
      'token_period',
      'token_policies',
      'token_ttl',
      'token_type',
    ]);
    expect(r.body.data).toEqual({
      bind_secret_id: true,
      local_secret_ids: false,
      secret_id_bound_cidrs: null,
      secret_id_num_uses: 0,
      secret_id_ttl: 600,
      token_bound_cidrs: [],
      token_explicit_max_ttl: 0,
      token_max_ttl: 0,
      token_no_default_policy: false,
      token_num_uses: 0,
      token_period: 0,
      // Stored as given: order and case kept.
      token_policies: ['Beta', 'alpha'],
      token_ttl: 3600,
      token_type: 'default',
    });
    expect(JSON.stringify(r.body)).not.toContain(await roleIdOf(ctx.client, name));
  });

  it('secret_id_bound_cidrs set on a role reads back as a list', async () => {
    const name = fresh('cidrs');
    await writeRole(ctx.client, name, { secret_id_bound_cidrs: '127.0.0.1/32,10.0.0.0/8' });
    const r = await ctx.client.get(`auth/approle/role/${name}`);
    expect(r.body.data.secret_id_bound_cidrs).toEqual(['127.0.0.1/32', '10.0.0.0/8']);
  });

  it('reading a missing role is 404 with an empty errors list', async () => {
    const r = await ctx.client.get('auth/approle/role/does-not-exist');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ errors: [] });
  });

  it('updating a role changes only the fields sent', async () => {
    const name = fresh('update');
    await writeRole(ctx.client, name, { token_ttl: 600, secret_id_num_uses: 3 });
    expect((await ctx.client.post(`auth/approle/role/${name}`, { token_ttl: 900 })).status).toBe(204);
    const r = await ctx.client.get(`auth/approle/role/${name}`);
    expect(r.body.data).toMatchObject({ token_ttl: 900, secret_id_num_uses: 3 });
  });

  it('deleting a role is 204 (also when missing) and its RoleID and SecretIDs stop working', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'delete');
    const { secretId } = await mintSecretId(ctx.client, name);
    const del = await ctx.client.delete(`auth/approle/role/${name}`);
    expect(del.status).toBe(204);
    expect((await ctx.client.get(`auth/approle/role/${name}`)).status).toBe(404);
    expect((await ctx.client.delete(`auth/approle/role/${name}`)).status).toBe(204);
    const r = await login(ctx.client, roleId, secretId);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: [INVALID] });
  });

  it.each([
    ['a negative secret_id_num_uses', { secret_id_num_uses: -1 }, 'secret_id_num_uses cannot be negative'],
    [
      'token_ttl above token_max_ttl',
      { token_ttl: 600, token_max_ttl: 300 },
      "'token_ttl' cannot be greater than 'token_max_ttl'",
    ],
    [
      'a period above the mount max',
      { period: '800h' },
      `period of "800h0m0s" is greater than the backend's maximum lease TTL of "768h0m0s"`,
    ],
  ])('%s is a 400', async (_case, body, message) => {
    const name = fresh('invalid');
    const r = await ctx.client.post(`auth/approle/role/${name}`, body);
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toContain(message);
    expect((await ctx.client.get(`auth/approle/role/${name}`)).status).toBe(404);
  });

  it('token_max_ttl above the mount max is accepted with a truncation warning (200)', async () => {
    const r = await ctx.client.post(`auth/approle/role/${fresh('maxttl')}`, { token_max_ttl: '1000h' });
    expect(r.status).toBe(200);
    expect(r.body.warnings).toEqual([
      "token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
    ]);
  });
});

describe('create vs update is decided by the existence check, before the ACL', () => {
  beforeAll(async () => {
    await ctx.client.policy(
      'approle-update-only',
      'path "auth/approle/role/ex-*" { capabilities = ["update", "read"] }',
    );
    await ctx.client.policy(
      'approle-create-only',
      'path "auth/approle/role/ex-*" { capabilities = ["create", "read"] }',
    );
  });

  it('a policy with only update cannot create a role, but can update an existing one', async () => {
    const token = await ctx.client.tokenWith(['approle-update-only']);
    const denied = await ctx.client.post('auth/approle/role/ex-new-u', { token_ttl: 60 }, { token });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ errors: [MULTI_PERMISSION_DENIED] });
    expect((await ctx.client.get('auth/approle/role/ex-new-u')).status).toBe(404);

    await writeRole(ctx.client, 'ex-existing-u');
    expect((await ctx.client.post('auth/approle/role/ex-existing-u', { token_ttl: 60 }, { token })).status).toBe(204);
    expect((await ctx.client.get('auth/approle/role/ex-existing-u')).body.data.token_ttl).toBe(60);
  });

  it('a policy with only create can create a role but cannot update it afterwards', async () => {
    const token = await ctx.client.tokenWith(['approle-create-only']);
    expect((await ctx.client.put('auth/approle/role/ex-new-c', { token_ttl: 60 }, { token })).status).toBe(204);
    const again = await ctx.client.put('auth/approle/role/ex-new-c', { token_ttl: 120 }, { token });
    expect(again.status).toBe(403);
    expect(again.body).toEqual({ errors: [MULTI_PERMISSION_DENIED] });
    expect((await ctx.client.get('auth/approle/role/ex-new-c')).body.data.token_ttl).toBe(60);
  });
});

interface AliasExpectation {
  policies?: string[];
  token_policies?: string[];
  period?: number;
  token_period?: number;
}

describe('legacy period/policies aliasing on the wire (tokenutil.UpgradeValue)', () => {
  it.each<[string, Record<string, unknown>, AliasExpectation]>([
    [
      'only the legacy policies: both keys, parsed (lower-cased, de-duplicated, sorted)',
      { policies: 'B,a,b' },
      { policies: ['a', 'b'], token_policies: ['a', 'b'] },
    ],
    [
      'only token_policies: as given, and no legacy key',
      { token_policies: ['B', 'a'] },
      { token_policies: ['B', 'a'] },
    ],
    [
      'both: the new key wins and the legacy key mirrors it',
      { policies: ['x'], token_policies: ['B', 'a'] },
      { policies: ['B', 'a'], token_policies: ['B', 'a'] },
    ],
    ['only the legacy period: both keys', { period: '5m' }, { period: 300, token_period: 300 }],
    ['only token_period: no legacy key', { token_period: 300 }, { token_period: 300 }],
    ['both periods: the new key wins', { period: 100, token_period: 300 }, { period: 300, token_period: 300 }],
  ])('%s', async (_case, body, expected) => {
    const name = fresh('legacy');
    await writeRole(ctx.client, name, body);
    const data = (await ctx.client.get(`auth/approle/role/${name}`)).body.data;
    expect(data.token_policies).toEqual(expected.token_policies ?? []);
    expect(data.token_period).toBe(expected.token_period ?? 0);
    if ('policies' in expected) expect(data.policies).toEqual(expected.policies);
    else expect(data).not.toHaveProperty('policies');
    if ('period' in expected) expect(data.period).toBe(expected.period);
    else expect(data).not.toHaveProperty('period');
  });

  it('writing the new key later clears the legacy one', async () => {
    const name = fresh('legacy-clear');
    await writeRole(ctx.client, name, { policies: 'a', period: 60 });
    await writeRole(ctx.client, name, { token_policies: 'c', token_period: 120 });
    const data = (await ctx.client.get(`auth/approle/role/${name}`)).body.data;
    expect(data).not.toHaveProperty('policies');
    expect(data).not.toHaveProperty('period');
    expect(data).toMatchObject({ token_policies: ['c'], token_period: 120 });
  });

  it('a legacy-only role still logs in with those policies and that period', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'legacy-login', { policies: 'Legacy-Pol', period: 1800 });
    const { secretId } = await mintSecretId(ctx.client, name);
    const r = await login(ctx.client, roleId, secretId);
    expect(r.body.auth).toMatchObject({ policies: ['default', 'legacy-pol'], lease_duration: 1800 });
  });
});

describe('RoleID', () => {
  it('GET role-id returns a UUID RoleID', async () => {
    const name = fresh('roleid');
    await writeRole(ctx.client, name);
    const r = await ctx.client.get(`auth/approle/role/${name}/role-id`);
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ role_id: expect.stringMatching(UUID) });
  });

  it('POST role-id sets a custom RoleID (204); login uses the new one and the old one is gone', async () => {
    const { name, roleId: old } = await setupRole(ctx.client, 'roleid-custom');
    const custom = `custom-${name}`;
    const set = await ctx.client.post(`auth/approle/role/${name}/role-id`, { role_id: custom });
    expect(set.status).toBe(204);
    expect(await roleIdOf(ctx.client, name)).toBe(custom);
    const { secretId } = await mintSecretId(ctx.client, name, { num_uses: 0 });
    expect((await login(ctx.client, custom, secretId)).status).toBe(200);
    const stale = await login(ctx.client, old, secretId);
    expect(stale.status).toBe(400);
    expect(stale.body).toEqual({ errors: [INVALID] });
  });

  it('a custom role_id given at creation is used', async () => {
    const name = fresh('roleid-create');
    await writeRole(ctx.client, name, { role_id: `given-${name}` });
    expect(await roleIdOf(ctx.client, name)).toBe(`given-${name}`);
  });

  it.each([
    ['GET on a missing role is 404', 'get', 404, undefined],
    ['POST on a missing role is 404 unsupported path', 'post', 404, 'unsupported path'],
  ] as const)('%s', async (_case, method, status, message) => {
    const r =
      method === 'get'
        ? await ctx.client.get('auth/approle/role/no-such-role/role-id')
        : await ctx.client.post('auth/approle/role/no-such-role/role-id', { role_id: 'x' });
    expect(r.status).toBe(status);
    if (message) expect(r.body.errors[0]).toContain(message);
    else expect(r.body).toEqual({ errors: [] });
  });

  it('an empty role_id is a 400 "missing role_id"', async () => {
    const name = fresh('roleid-empty');
    await writeRole(ctx.client, name);
    const r = await ctx.client.post(`auth/approle/role/${name}/role-id`, { role_id: '' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['missing role_id'] });
  });
});

describe('generating SecretIDs', () => {
  it('the response has the full envelope and data {secret_id, secret_id_accessor, secret_id_num_uses, secret_id_ttl}', async () => {
    const name = fresh('gen');
    await writeRole(ctx.client, name, { secret_id_ttl: 600, secret_id_num_uses: 5 });
    const r = await ctx.client.post(`auth/approle/role/${name}/secret-id`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      request_id: expect.stringMatching(UUID),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: {
        secret_id: expect.stringMatching(UUID),
        secret_id_accessor: expect.stringMatching(UUID),
        secret_id_num_uses: 5,
        secret_id_ttl: 600,
      },
      wrap_info: null,
      warnings: null,
      auth: null,
      mount_type: 'approle',
    });
    expect(r.body.data.secret_id).not.toBe(r.body.data.secret_id_accessor);
  });

  it.each([
    ['no TTL anywhere: 0 (never expires)', {}, {}, 0, 0],
    [
      'the role TTL and uses apply when the request omits them',
      { secret_id_ttl: '10m', secret_id_num_uses: 3 },
      {},
      600,
      3,
    ],
    [
      'a shorter request TTL and fewer uses are accepted',
      { secret_id_ttl: 600, secret_id_num_uses: 3 },
      { ttl: 60, num_uses: 1 },
      60,
      1,
    ],
    ['a TTL above the mount max is capped at 768h', {}, { ttl: '1000h' }, SYSTEM_MAX_TTL, 0],
  ])('%s', async (_case, roleBody, body, ttl, uses) => {
    const name = fresh('gen-ttl');
    await writeRole(ctx.client, name, roleBody);
    const r = await ctx.client.post(`auth/approle/role/${name}/secret-id`, body);
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ secret_id_ttl: ttl, secret_id_num_uses: uses });
  });

  it.each([
    ["a TTL longer than the role's", { ttl: 1200 }, "ttl cannot be longer than the role's secret_id_ttl"],
    ['ttl 0 (never) on a role with a TTL', { ttl: 0 }, "ttl cannot be longer than the role's secret_id_ttl"],
    ["more uses than the role's", { num_uses: 5 }, "num_uses cannot be higher than the role's secret_id_num_uses"],
    [
      'num_uses 0 (unlimited) on a role with a limit',
      { num_uses: 0 },
      "num_uses cannot be higher than the role's secret_id_num_uses",
    ],
    ['negative num_uses', { num_uses: -1 }, 'num_uses cannot be negative'],
    ['metadata that is not JSON or k=v', { metadata: 'not-metadata' }, 'failed to parse metadata'],
  ])('%s is a 400', async (_case, body, message) => {
    const name = fresh('gen-bad');
    await writeRole(ctx.client, name, { secret_id_ttl: 600, secret_id_num_uses: 3 });
    const r = await ctx.client.post(`auth/approle/role/${name}/secret-id`, body);
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toContain(message);
  });

  it('for a missing role it is a 404 naming the role', async () => {
    const r = await ctx.client.post('auth/approle/role/no-such-role/secret-id');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ errors: ['role "no-such-role" does not exist'] });
  });

  it('for a role without bind_secret_id it is a 400', async () => {
    const name = fresh('nobind');
    await writeRole(ctx.client, name, { bind_secret_id: false, secret_id_bound_cidrs: ['127.0.0.1/32'] });
    const r = await ctx.client.post(`auth/approle/role/${name}/secret-id`);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['bind_secret_id is not set on the role'] });
  });
});

describe('login with RoleID + SecretID', () => {
  beforeAll(async () => {
    await ctx.client.policy('app-alpha', 'path "secret/data/alpha/*" { capabilities = ["read"] }');
  });

  it('gives an orphan, renewable service token with default + the role policies and role_name metadata', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'login', {
      token_policies: ['App-Alpha', 'beta'],
      token_ttl: '10m',
    });
    const { secretId } = await mintSecretId(ctx.client, name);
    const r = await login(ctx.client, roleId, secretId);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      request_id: expect.stringMatching(UUID),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: null,
      wrap_info: null,
      warnings: null,
      mount_type: 'approle',
    });
    expect(r.body.auth).toEqual({
      client_token: expect.stringMatching(/^hvs\./),
      accessor: expect.any(String),
      policies: ['app-alpha', 'beta', 'default'],
      token_policies: ['app-alpha', 'beta', 'default'],
      metadata: { role_name: name },
      lease_duration: 600,
      renewable: true,
      entity_id: expect.stringMatching(UUID),
      token_type: 'service',
      orphan: true,
      mfa_requirement: null,
      num_uses: 0,
    });
    const self = await ctx.client.get('auth/token/lookup-self', { token: r.body.auth.client_token });
    expect(self.status).toBe(200);
    expect(self.body.data).toMatchObject({
      orphan: true,
      path: 'auth/approle/login',
      meta: { role_name: name },
      display_name: 'approle',
      policies: ['app-alpha', 'beta', 'default'],
      renewable: true,
      type: 'service',
    });
  });

  it.each([
    ['token_ttl', { token_ttl: '15m' }, 900],
    ['token_period (periodic role)', { token_period: '30m' }, 1800],
    ['token_ttl under a larger token_max_ttl', { token_ttl: '1h', token_max_ttl: '2h' }, 3600],
    ['nothing set: the system default 768h', {}, SYSTEM_MAX_TTL],
  ])('lease_duration follows %s', async (_case, roleBody, expected) => {
    const { name, roleId } = await setupRole(ctx.client, 'login-ttl', roleBody);
    const { secretId } = await mintSecretId(ctx.client, name);
    const r = await login(ctx.client, roleId, secretId);
    expect(r.status).toBe(200);
    expect(r.body.auth.lease_duration).toBe(expected);
  });

  it('token_no_default_policy leaves out default', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'login-nodefault', {
      token_policies: 'beta',
      token_no_default_policy: true,
    });
    const { secretId } = await mintSecretId(ctx.client, name);
    expect((await login(ctx.client, roleId, secretId)).body.auth.policies).toEqual(['beta']);
  });

  it('SecretID metadata joins role_name in the token metadata and in lookups', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'login-meta');
    const { secretId } = await mintSecretId(ctx.client, name, {
      metadata: JSON.stringify({ pod: 'web-0', ns: 'prod' }),
    });
    const r = await login(ctx.client, roleId, secretId);
    expect(r.body.auth.metadata).toEqual({ ns: 'prod', pod: 'web-0', role_name: name });
  });

  it('logins of the same role share one entity; another role gets another', async () => {
    const a = await setupRole(ctx.client, 'entity');
    const b = await setupRole(ctx.client, 'entity');
    const one = await login(ctx.client, a.roleId, (await mintSecretId(ctx.client, a.name)).secretId);
    const two = await login(ctx.client, a.roleId, (await mintSecretId(ctx.client, a.name)).secretId);
    const other = await login(ctx.client, b.roleId, (await mintSecretId(ctx.client, b.name)).secretId);
    expect(one.body.auth.entity_id).toBe(two.body.auth.entity_id);
    expect(other.body.auth.entity_id).not.toBe(one.body.auth.entity_id);
  });

  it('needs no token: a garbage X-Vault-Token on login is ignored', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'login-garbage');
    const { secretId } = await mintSecretId(ctx.client, name);
    const r = await ctx.client.post(
      'auth/approle/login',
      { role_id: roleId, secret_id: secretId },
      { token: 'hvs.garbage' },
    );
    expect(r.status).toBe(200);
  });

  it.each([
    [
      'an unknown role_id',
      (_roleId: string, secretId: string) => ({ role_id: 'no-such-role-id', secret_id: secretId }),
      INVALID,
    ],
    ['a missing secret_id', (roleId: string) => ({ role_id: roleId }), 'missing secret_id'],
    ['a wrong secret_id', (roleId: string) => ({ role_id: roleId, secret_id: 'not-a-secret-id' }), INVALID],
  ])('%s is a 400 with the exact message', async (_case, makeBody, message) => {
    const { name, roleId } = await setupRole(ctx.client, 'login-err');
    const { secretId } = await mintSecretId(ctx.client, name);
    const r = await ctx.client.post('auth/approle/login', makeBody(roleId, secretId), { token: null });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: [message] });
  });

  // KNOWN BUG (src/vault/core.ts, Core.handleLogin — not ours to edit): with user lockout on
  // (the default), Vault runs the alias lookahead before the backend; without a role_id it
  // yields no alias and getLoginUserInfoKey fails, so handleLoginRequest returns a bare 500
  // "failed to determine alias name from login request" (vault/request_handling.go; seen on
  // the wire in bank-vaults/vault-secrets-webhook#251 and concourse/concourse#9201).
  // vault-dev skips lockout when there is no alias and lets the backend answer 400 "missing role_id".
  it.each([
    ['a missing', { secret_id: 'x' }],
    ['a blank', { role_id: '  ', secret_id: 'x' }],
  ])(
    '%s role_id is a 500 "failed to determine alias name from login request" while lockout is on',
    async (_case, body) => {
      const r = await ctx.client.post('auth/approle/login', body, { token: null });
      expect(r.status).toBe(500);
      expect(r.body).toEqual({ errors: ['failed to determine alias name from login request'] });
    },
  );

  it('a batch-token role logs in with an hvb. token that has no accessor and is not renewable', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'login-batch', { token_type: 'batch', token_ttl: '5m' });
    const { secretId } = await mintSecretId(ctx.client, name);
    const r = await login(ctx.client, roleId, secretId);
    expect(r.status).toBe(200);
    // Vault creates no accessor for batch tokens (token_store.go create(): only service tokens
    // get createAccessor), so auth.accessor is "".
    expect(r.body.auth).toMatchObject({
      client_token: expect.stringMatching(/^hvb\./),
      accessor: '',
      token_type: 'batch',
      renewable: false,
      orphan: true,
      lease_duration: 300,
      metadata: { role_name: name },
    });
  });

  it('token_num_uses limits the login token: it works that many times, then it is gone', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'login-uses', { token_num_uses: 2 });
    const { secretId } = await mintSecretId(ctx.client, name);
    const r = await login(ctx.client, roleId, secretId);
    expect(r.body.auth.num_uses).toBe(2);
    const token = r.body.auth.client_token as string;
    expect((await ctx.client.get('auth/token/lookup-self', { token })).status).toBe(200);
    expect((await ctx.client.get('auth/token/lookup-self', { token })).status).toBe(200);
    const third = await ctx.client.get('auth/token/lookup-self', { token });
    expect(third.status).toBe(403);
    expect(third.body).toEqual({ errors: [MULTI_INVALID_TOKEN] });
  });
});

describe('login without user lockout (a server with lockout disabled)', () => {
  const unlocked = useVaultDev({ lockout: { disabled: true } });

  beforeAll(async () => {
    await enableAppRole(unlocked.client);
  });

  it('a missing role_id is the backend\'s 400 "missing role_id"', async () => {
    const r = await unlocked.client.post('auth/approle/login', { secret_id: 'x' }, { token: null });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['missing role_id'] });
  });

  it('bad SecretIDs never lock a role', async () => {
    const { name, roleId } = await setupRole(unlocked.client, 'never-locked');
    for (let i = 0; i < 7; i++) expect((await login(unlocked.client, roleId, `bad-${i}`)).status).toBe(400);
    expect((await login(unlocked.client, roleId, (await mintSecretId(unlocked.client, name)).secretId)).status).toBe(
      200,
    );
  });
});

describe('SecretID use limits and expiry', () => {
  it('a used SecretID (num_uses 1) cannot log in again', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'once');
    const { secretId } = await mintSecretId(ctx.client, name, { num_uses: 1 });
    expect((await login(ctx.client, roleId, secretId)).status).toBe(200);
    const replay = await login(ctx.client, roleId, secretId);
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({ errors: [INVALID] });
    // Its entry is gone at once.
    const look = await ctx.client.post(`auth/approle/role/${name}/secret-id/lookup`, { secret_id: secretId });
    expect(look.status).toBe(204);
  });

  it('num_uses 2 logs in twice, counting down, then no more', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'twice');
    const { secretId } = await mintSecretId(ctx.client, name, { num_uses: 2 });
    expect((await login(ctx.client, roleId, secretId)).status).toBe(200);
    const look = await ctx.client.post(`auth/approle/role/${name}/secret-id/lookup`, { secret_id: secretId });
    expect(look.body.data.secret_id_num_uses).toBe(1);
    expect((await login(ctx.client, roleId, secretId)).status).toBe(200);
    const third = await login(ctx.client, roleId, secretId);
    expect(third.status).toBe(400);
    expect(third.body).toEqual({ errors: [INVALID] });
  });

  it('a role secret_id_num_uses applies to its SecretIDs', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'role-once', { secret_id_num_uses: 1 });
    const { secretId } = await mintSecretId(ctx.client, name);
    expect((await login(ctx.client, roleId, secretId)).status).toBe(200);
    expect((await login(ctx.client, roleId, secretId)).status).toBe(400);
  });

  it('an expired SecretID is refused', async () => {
    // vault-dev refuses it as soon as expiration_time passes; real Vault keeps
    // accepting it until the periodic tidy (about a minute), so after the tidy
    // both refuse it.
    const { name, roleId } = await setupRole(ctx.client, 'expiry');
    const { secretId } = await mintSecretId(ctx.client, name, { ttl: 1 });
    await sleep(1_200);
    const r = await login(ctx.client, roleId, secretId);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: [INVALID] });
    const tidy = await ctx.client.post('auth/approle/tidy/secret-id');
    expect([200, 202]).toContain(tidy.status);
    expect((await ctx.client.post(`auth/approle/role/${name}/secret-id/lookup`, { secret_id: secretId })).status).toBe(
      204,
    );
  });

  it('a SecretID within its TTL logs in', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'not-expired', { secret_id_ttl: '1h' });
    const { secretId } = await mintSecretId(ctx.client, name);
    expect((await login(ctx.client, roleId, secretId)).status).toBe(200);
  });
});

describe('CIDR-bound SecretIDs (the client is 127.0.0.1)', () => {
  it.each([
    ['127.0.0.1/32', 0, 200, undefined],
    ['127.0.0.0/8,10.0.0.0/8', 0, 200, undefined],
    ['10.0.0.0/8', 0, 400, 'source address "127.0.0.1" unauthorized through CIDR restrictions on the secret ID'],
    ['10.0.0.0/8', 1, 400, 'source address "127.0.0.1" unauthorized by CIDR restrictions on the secret ID'],
  ])('cidr_list %s (num_uses %d) → %d', async (cidrs, numUses, status, message) => {
    const { name, roleId } = await setupRole(ctx.client, 'cidr');
    const { secretId } = await mintSecretId(ctx.client, name, { cidr_list: cidrs, num_uses: numUses });
    const look = await ctx.client.post(`auth/approle/role/${name}/secret-id/lookup`, { secret_id: secretId });
    expect(look.body.data.cidr_list).toEqual(cidrs.split(','));
    const r = await login(ctx.client, roleId, secretId);
    expect(r.status).toBe(status);
    if (message) expect(r.body.errors[0]).toContain(message);
  });

  it("a role's secret_id_bound_cidrs outside the client refuses login", async () => {
    const { name, roleId } = await setupRole(ctx.client, 'cidr-role', { secret_id_bound_cidrs: '10.0.0.0/8' });
    const { secretId } = await mintSecretId(ctx.client, name);
    const r = await login(ctx.client, roleId, secretId);
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toContain('source address "127.0.0.1" unauthorized by CIDR restrictions on the role');
  });

  it('a SecretID cidr_list outside the role secret_id_bound_cidrs cannot be generated', async () => {
    const { name } = await setupRole(ctx.client, 'cidr-subset', { secret_id_bound_cidrs: '127.0.0.0/8' });
    const r = await ctx.client.post(`auth/approle/role/${name}/secret-id`, { cidr_list: '10.0.0.0/8' });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.body.errors[0]).toContain('failed to verify subset relationship');
  });

  it("a SecretID's token_bound_cidrs bind the login token: outside them the token is refused", async () => {
    const { name, roleId } = await setupRole(ctx.client, 'token-cidr');
    const { secretId } = await mintSecretId(ctx.client, name, { token_bound_cidrs: '10.0.0.0/8' });
    const r = await login(ctx.client, roleId, secretId);
    expect(r.status).toBe(200);
    const use = await ctx.client.get('auth/token/lookup-self', { token: r.body.auth.client_token });
    expect(use.status).toBe(403);
  });
});

describe('managing SecretIDs', () => {
  it('lookup shows the SecretID metadata without the SecretID itself', async () => {
    const { name } = await setupRole(ctx.client, 'lookup');
    const minted = await mintSecretId(ctx.client, name, { metadata: '{"pod":"web-0"}', ttl: 600, num_uses: 3 });
    const r = await ctx.client.post(`auth/approle/role/${name}/secret-id/lookup`, { secret_id: minted.secretId });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({
      cidr_list: [],
      creation_time: expect.any(String),
      expiration_time: expect.any(String),
      last_updated_time: expect.any(String),
      metadata: { pod: 'web-0' },
      secret_id_accessor: minted.accessor,
      secret_id_num_uses: 3,
      secret_id_ttl: 600,
      token_bound_cidrs: [],
    });
    const created = Date.parse(r.body.data.creation_time);
    expect(Date.parse(r.body.data.expiration_time) - created).toBeGreaterThanOrEqual(599_000);
    expect(JSON.stringify(r.body)).not.toContain(minted.secretId);
  });

  it('lookup of a SecretID that never expires shows the zero expiration_time', async () => {
    const { name } = await setupRole(ctx.client, 'lookup-zero');
    const { secretId } = await mintSecretId(ctx.client, name);
    const r = await ctx.client.post(`auth/approle/role/${name}/secret-id/lookup`, { secret_id: secretId });
    expect(r.body.data.expiration_time).toBe('0001-01-01T00:00:00Z');
  });

  it('lookup of an unknown SecretID is 204 with an empty body', async () => {
    const { name } = await setupRole(ctx.client, 'lookup-unknown');
    const r = await ctx.client.post(`auth/approle/role/${name}/secret-id/lookup`, { secret_id: 'no-such-secret-id' });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
  });

  it('lookup without secret_id is 400 "missing secret_id"', async () => {
    const { name } = await setupRole(ctx.client, 'lookup-missing');
    const r = await ctx.client.post(`auth/approle/role/${name}/secret-id/lookup`, {});
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['missing secret_id'] });
  });

  // Vault takes a DELETE's data from the query string only (a body is ignored).
  it.each(['post', 'delete'] as const)(
    'destroy (%s) is 204, the SecretID then cannot log in, and unknown ones are 204 too',
    async (method) => {
      const { name, roleId } = await setupRole(ctx.client, 'destroy');
      const { secretId } = await mintSecretId(ctx.client, name);
      const path = `auth/approle/role/${name}/secret-id/destroy`;
      const destroy =
        method === 'post'
          ? await ctx.client.post(path, { secret_id: secretId })
          : await ctx.client.delete(`${path}?secret_id=${encodeURIComponent(secretId)}`);
      expect(destroy.status).toBe(204);
      expect(
        (await ctx.client.post(`auth/approle/role/${name}/secret-id/lookup`, { secret_id: secretId })).status,
      ).toBe(204);
      const r = await login(ctx.client, roleId, secretId);
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ errors: [INVALID] });
      expect((await ctx.client.post(path, { secret_id: 'never-existed' })).status).toBe(204);
    },
  );

  it('accessor lookup has the lookup shape; an unknown accessor is 404 with data.error', async () => {
    const { name } = await setupRole(ctx.client, 'acc-lookup');
    const minted = await mintSecretId(ctx.client, name);
    const r = await ctx.client.post(`auth/approle/role/${name}/secret-id-accessor/lookup`, {
      secret_id_accessor: minted.accessor,
    });
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ secret_id_accessor: minted.accessor, secret_id_num_uses: 0, secret_id_ttl: 0 });
    expect(JSON.stringify(r.body)).not.toContain(minted.secretId);

    const unknown = await ctx.client.post(`auth/approle/role/${name}/secret-id-accessor/lookup`, {
      secret_id_accessor: 'nope',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.data.error).toBe('failed to find accessor entry for secret_id_accessor: "nope"');
  });

  it('accessor destroy is 204 and kills the SecretID; an unknown accessor is a 500', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'acc-destroy');
    const minted = await mintSecretId(ctx.client, name);
    const path = `auth/approle/role/${name}/secret-id-accessor/destroy`;
    expect((await ctx.client.post(path, { secret_id_accessor: minted.accessor })).status).toBe(204);
    expect((await login(ctx.client, roleId, minted.secretId)).status).toBe(400);

    const unknown = await ctx.client.post(path, { secret_id_accessor: 'nope' });
    expect(unknown.status).toBe(500);
    expect(unknown.body).toEqual({
      errors: ['1 error occurred:\n\t* failed to find accessor entry for secret_id_accessor: "nope"\n\n'],
    });
  });

  it("another role's accessor is not found through this role: lookup is 204, destroy is 403", async () => {
    const a = await setupRole(ctx.client, 'acc-a');
    const b = await setupRole(ctx.client, 'acc-b');
    const minted = await mintSecretId(ctx.client, a.name);
    const look = await ctx.client.post(`auth/approle/role/${b.name}/secret-id-accessor/lookup`, {
      secret_id_accessor: minted.accessor,
    });
    expect(look.status).toBe(204);
    const destroy = await ctx.client.post(`auth/approle/role/${b.name}/secret-id-accessor/destroy`, {
      secret_id_accessor: minted.accessor,
    });
    expect(destroy.status).toBe(403);
    expect(destroy.body).toEqual({ errors: ['invalid secret id accessor'] });
    expect((await login(ctx.client, a.roleId, minted.secretId)).status).toBe(200);
  });

  it('LIST secret-id gives the accessors, never the SecretIDs; none is a 404', async () => {
    const { name } = await setupRole(ctx.client, 'list');
    const empty = await ctx.client.list(`auth/approle/role/${name}/secret-id`);
    expect(empty.status).toBe(404);
    expect(empty.body).toEqual({ errors: [] });

    const a = await mintSecretId(ctx.client, name);
    const b = await mintSecretId(ctx.client, name);
    const r = await ctx.client.list(`auth/approle/role/${name}/secret-id`);
    expect(r.status).toBe(200);
    expect([...r.body.data.keys].sort()).toEqual([a.accessor, b.accessor].sort());
    expect(JSON.stringify(r.body)).not.toContain(a.secretId);
    const viaGet = await ctx.client.get(`auth/approle/role/${name}/secret-id?list=true`);
    expect([...viaGet.body.data.keys].sort()).toEqual([a.accessor, b.accessor].sort());
  });

  it('LIST secret-id of a missing role is a 400', async () => {
    const r = await ctx.client.list('auth/approle/role/no-such-role/secret-id');
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toContain('role "no-such-role" does not exist');
  });
});

describe('response-wrapped SecretIDs', () => {
  it('wrap_info carries the SecretID accessor and the creation path; it unwraps once into a SecretID that logs in', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'wrapped');
    const r = await ctx.client.post(`auth/approle/role/${name}/secret-id`, undefined, {
      headers: { 'X-Vault-Wrap-TTL': '120' },
    });
    expect(r.status).toBe(200);
    expect(r.body.request_id).toBe('');
    expect(r.body.data).toBeNull();
    expect(r.body.auth).toBeNull();
    expect(r.body.wrap_info).toEqual({
      token: expect.stringMatching(/^hvs\./),
      accessor: expect.any(String),
      ttl: 120,
      creation_time: expect.any(String),
      creation_path: `auth/approle/role/${name}/secret-id`,
      wrapped_accessor: expect.stringMatching(UUID),
    });
    expect(Number.isNaN(Date.parse(r.body.wrap_info.creation_time))).toBe(false);

    const list = await ctx.client.list(`auth/approle/role/${name}/secret-id`);
    expect(list.body.data.keys).toEqual([r.body.wrap_info.wrapped_accessor]);

    const token = r.body.wrap_info.token as string;
    const unwrapped = await ctx.client.post('sys/wrapping/unwrap', undefined, { token });
    expect(unwrapped.status).toBe(200);
    expect(unwrapped.body.request_id).toMatch(UUID);
    expect(unwrapped.body.data).toEqual({
      secret_id: expect.stringMatching(UUID),
      secret_id_accessor: r.body.wrap_info.wrapped_accessor,
      secret_id_num_uses: 0,
      secret_id_ttl: 0,
    });
    const again = await ctx.client.post('sys/wrapping/unwrap', undefined, { token });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ errors: ['wrapping token is not valid or does not exist'] });

    const l = await login(ctx.client, roleId, unwrapped.body.data.secret_id);
    expect(l.status).toBe(200);
    expect(l.body.auth.metadata).toEqual({ role_name: name });
  });

  it('lookup of the wrapping token (unauthenticated) shows the creation path without consuming it', async () => {
    const { name } = await setupRole(ctx.client, 'wrapped-lookup');
    const r = await ctx.client.post(
      `auth/approle/role/${name}/secret-id`,
      { num_uses: 1 },
      { headers: { 'X-Vault-Wrap-TTL': '5m' } },
    );
    const token = r.body.wrap_info.token as string;
    const look = await ctx.client.post('sys/wrapping/lookup', { token }, { token: null });
    expect(look.status).toBe(200);
    expect(look.body.data).toMatchObject({ creation_path: `auth/approle/role/${name}/secret-id`, creation_ttl: 300 });
    const unwrapped = await ctx.client.post(
      'sys/wrapping/unwrap',
      { token },
      { token: await ctx.client.tokenWith(['default']) },
    );
    expect(unwrapped.body.data.secret_id_num_uses).toBe(1);
  });

  it('a wrapped login carries the token accessor as wrapped_accessor', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'wrapped-login');
    const { secretId } = await mintSecretId(ctx.client, name);
    const r = await ctx.client.post(
      'auth/approle/login',
      { role_id: roleId, secret_id: secretId },
      { token: null, headers: { 'X-Vault-Wrap-TTL': '60' } },
    );
    expect(r.status).toBe(200);
    expect(r.body.auth).toBeNull();
    expect(r.body.wrap_info.creation_path).toBe('auth/approle/login');
    const unwrapped = await ctx.client.post('sys/wrapping/unwrap', undefined, { token: r.body.wrap_info.token });
    expect(unwrapped.body.auth.accessor).toBe(r.body.wrap_info.wrapped_accessor);
    expect(unwrapped.body.auth.metadata).toEqual({ role_name: name });
  });
});

describe('what a login token may do', () => {
  beforeAll(async () => {
    await ctx.client.policy('read-app-a', 'path "secret/data/app-a/*" { capabilities = ["read"] }');
    await ctx.client.post('secret/data/app-a/db', { data: { password: 'a-pass' } });
    await ctx.client.post('secret/data/app-b/db', { data: { password: 'b-pass' } });
  });

  it("reads what the role's policy allows and nothing else", async () => {
    const { name, roleId } = await setupRole(ctx.client, 'reader', { token_policies: 'read-app-a' });
    const { secretId } = await mintSecretId(ctx.client, name);
    const token = (await login(ctx.client, roleId, secretId)).body.auth.client_token as string;

    const mine = await ctx.client.get('secret/data/app-a/db', { token });
    expect(mine.status).toBe(200);
    expect(mine.body.data.data).toEqual({ password: 'a-pass' });

    const other = await ctx.client.get('secret/data/app-b/db', { token });
    expect(other.status).toBe(403);
    expect(other.body).toEqual({ errors: [MULTI_PERMISSION_DENIED] });

    expect((await ctx.client.post('secret/data/app-a/db', { data: { password: 'x' } }, { token })).status).toBe(403);
    expect((await ctx.client.get(`auth/approle/role/${name}`, { token })).status).toBe(403);
  });

  it('renew-self works with the role TTL; after the role is deleted renewal fails', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'renew', { token_ttl: '10m', token_max_ttl: '1h' });
    const { secretId } = await mintSecretId(ctx.client, name);
    const token = (await login(ctx.client, roleId, secretId)).body.auth.client_token as string;

    const renewed = await ctx.client.post('auth/token/renew-self', {}, { token });
    expect(renewed.status).toBe(200);
    expect(renewed.body.auth).toMatchObject({
      client_token: token,
      lease_duration: 600,
      renewable: true,
      metadata: { role_name: name },
    });

    await ctx.client.delete(`auth/approle/role/${name}`);
    const refused = await ctx.client.post('auth/token/renew-self', {}, { token });
    expect(refused.status).toBe(500);
    expect(refused.body.errors[0]).toContain(`role "${name}" does not exist during renewal`);
  });

  it('revoke-prefix auth/approle/login (root) revokes login tokens and nothing else', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'revoke');
    const t1 = (await login(ctx.client, roleId, (await mintSecretId(ctx.client, name)).secretId)).body.auth
      .client_token;
    const t2 = (await login(ctx.client, roleId, (await mintSecretId(ctx.client, name)).secretId)).body.auth
      .client_token;
    const bystander = await ctx.client.tokenWith(['default']);

    const other = await ctx.client.tokenWith(['default']);
    const denied = await ctx.client.put('sys/leases/revoke-prefix/auth/approle/login', {}, { token: other });
    expect(denied.status).toBe(403);

    const r = await ctx.client.put('sys/leases/revoke-prefix/auth/approle/login');
    expect(r.status).toBe(204);
    for (const token of [t1, t2]) {
      const look = await ctx.client.get('auth/token/lookup-self', { token });
      expect(look.status).toBe(403);
      expect(look.body).toEqual({ errors: [MULTI_INVALID_TOKEN] });
    }
    expect((await ctx.client.get('auth/token/lookup-self', { token: bystander })).status).toBe(200);
  });
});

describe('the Secret API flow: a token role that may only mint SecretIDs for one AppRole', () => {
  let minter: string;

  beforeAll(async () => {
    await writeRole(ctx.client, 'x', { token_policies: 'read-app-a', token_ttl: '5m' });
    await writeRole(ctx.client, 'y', { token_policies: 'read-app-a' });
    await ctx.client.policy('getsecretid-x', 'path "auth/approle/role/x/secret-id" { capabilities = ["update"] }');
    const role = await ctx.client.post('auth/token/roles/getsecretid-x', {
      allowed_policies: ['getsecretid-x'],
      orphan: true,
    });
    expect(role.status).toBe(204);
    const created = await ctx.client.post('auth/token/create/getsecretid-x', {});
    expect(created.status).toBe(200);
    expect(created.body.auth.policies).toEqual(['default', 'getsecretid-x']);
    minter = created.body.auth.client_token;
  });

  it('the token mints a wrapped SecretID for role x, which unwraps and logs in', async () => {
    const r = await ctx.client.post(
      'auth/approle/role/x/secret-id',
      {},
      { token: minter, headers: { 'X-Vault-Wrap-TTL': '60s' } },
    );
    expect(r.status).toBe(200);
    expect(r.body.wrap_info.creation_path).toBe('auth/approle/role/x/secret-id');
    const unwrapped = await ctx.client.post('sys/wrapping/unwrap', undefined, { token: r.body.wrap_info.token });
    expect(unwrapped.body.data.secret_id_accessor).toBe(r.body.wrap_info.wrapped_accessor);
    const l = await login(ctx.client, await roleIdOf(ctx.client, 'x'), unwrapped.body.data.secret_id);
    expect(l.status).toBe(200);
    expect(l.body.auth).toMatchObject({ metadata: { role_name: 'x' }, lease_duration: 300 });
  });

  it('the token also mints an unwrapped SecretID for role x', async () => {
    const r = await ctx.client.post('auth/approle/role/x/secret-id', {}, { token: minter });
    expect(r.status).toBe(200);
    expect(r.body.data.secret_id).toMatch(UUID);
  });

  it.each([
    ['mint a SecretID for role y', 'post', 'auth/approle/role/y/secret-id'],
    ['read role x', 'get', 'auth/approle/role/x'],
    ["read role x's RoleID", 'get', 'auth/approle/role/x/role-id'],
    ["list role x's SecretID accessors", 'list', 'auth/approle/role/x/secret-id'],
    ['look up a SecretID of role x', 'post', 'auth/approle/role/x/secret-id/lookup'],
    ['update role x', 'post', 'auth/approle/role/x'],
    ['mint a custom SecretID for role x', 'post', 'auth/approle/role/x/custom-secret-id'],
  ] as const)('the token cannot %s', async (_case, method, path) => {
    const opts = { token: minter };
    const r =
      method === 'get'
        ? await ctx.client.get(path, opts)
        : method === 'list'
          ? await ctx.client.list(path, opts)
          : await ctx.client.post(path, { secret_id: 'whatever' }, opts);
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: [MULTI_PERMISSION_DENIED] });
  });

  it('a policy with only create on secret-id cannot mint SecretIDs (no existence check: it is always update)', async () => {
    await ctx.client.policy(
      'create-only-secret-id',
      'path "auth/approle/role/x/secret-id" { capabilities = ["create"] }',
    );
    const token = await ctx.client.tokenWith(['create-only-secret-id']);
    const r = await ctx.client.post('auth/approle/role/x/secret-id', {}, { token });
    expect(r.status).toBe(403);
  });
});

describe('user lockout (§3.9)', () => {
  const badLogins = async (roleId: string, n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await login(ctx.client, roleId, `bad-secret-id-${i}`)).status);
    return out;
  };

  it('5 bad SecretIDs for one role_id lock it: the 6th login, even with a valid SecretID, is 403 permission denied', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'lock');
    const { secretId } = await mintSecretId(ctx.client, name);
    expect(await badLogins(roleId, 5)).toEqual([400, 400, 400, 400, 400]);
    const r = await login(ctx.client, roleId, secretId);
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: ['permission denied'] });
    // Still locked for a bad SecretID and for a fresh good one.
    expect((await login(ctx.client, roleId, 'bad-again')).status).toBe(403);
    expect((await login(ctx.client, roleId, (await mintSecretId(ctx.client, name)).secretId)).status).toBe(403);
  });

  it('a locked login does not consume a use-limited SecretID', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'lock-uses');
    const { secretId } = await mintSecretId(ctx.client, name, { num_uses: 1 });
    await badLogins(roleId, 5);
    expect((await login(ctx.client, roleId, secretId)).status).toBe(403);
    const look = await ctx.client.post(`auth/approle/role/${name}/secret-id/lookup`, { secret_id: secretId });
    expect(look.status).toBe(200);
    expect(look.body.data.secret_id_num_uses).toBe(1);
  });

  it('another role is unaffected by a locked one', async () => {
    const locked = await setupRole(ctx.client, 'lock-a');
    const other = await setupRole(ctx.client, 'lock-b');
    await badLogins(locked.roleId, 5);
    expect(
      (await login(ctx.client, locked.roleId, (await mintSecretId(ctx.client, locked.name)).secretId)).status,
    ).toBe(403);
    expect((await login(ctx.client, other.roleId, (await mintSecretId(ctx.client, other.name)).secretId)).status).toBe(
      200,
    );
  });

  it('four bad SecretIDs do not lock, and a successful login resets the count', async () => {
    const { name, roleId } = await setupRole(ctx.client, 'lock-reset');
    expect(await badLogins(roleId, 4)).toEqual([400, 400, 400, 400]);
    expect((await login(ctx.client, roleId, (await mintSecretId(ctx.client, name)).secretId)).status).toBe(200);
    expect(await badLogins(roleId, 4)).toEqual([400, 400, 400, 400]);
    expect((await login(ctx.client, roleId, (await mintSecretId(ctx.client, name)).secretId)).status).toBe(200);
  });

  it('an unknown role_id does not count: it stays a 400 however often it is tried', async () => {
    const statuses = await badLogins('unknown-role-id-for-lockout', 8);
    expect(statuses).toEqual(Array(8).fill(400));
    const r = await login(ctx.client, 'unknown-role-id-for-lockout', 'x');
    expect(r.body).toEqual({ errors: [INVALID] });
  });

  it.each([
    ['a missing secret_id', (_roleId: string) => ({})],
    ['a refused source address', (_roleId: string, cidrSecretId: string) => ({ secret_id: cidrSecretId })],
  ])('%s does not count toward lockout', async (_case, extra) => {
    const { name, roleId } = await setupRole(ctx.client, 'lock-nocount');
    const { secretId: cidrSecretId } = await mintSecretId(ctx.client, name, { cidr_list: '10.0.0.0/8' });
    for (let i = 0; i < 6; i++) {
      const r = await ctx.client.post(
        'auth/approle/login',
        { role_id: roleId, ...extra(roleId, cidrSecretId) },
        { token: null },
      );
      expect(r.status).toBe(400);
    }
    expect((await login(ctx.client, roleId, (await mintSecretId(ctx.client, name)).secretId)).status).toBe(200);
  });
});

describe('user lockout expiry (a server with lockout_duration 2s)', () => {
  const short = useVaultDev({ lockout: { duration: 2 } });

  beforeAll(async () => {
    await enableAppRole(short.client);
  });

  const lockOut = async (roleId: string) => {
    for (let i = 0; i < 5; i++) expect((await login(short.client, roleId, `bad-${i}`)).status).toBe(400);
  };

  it('a locked role_id logs in again once lockout_duration has passed', async () => {
    const { name, roleId } = await setupRole(short.client, 'unlock');
    const { secretId } = await mintSecretId(short.client, name);
    await lockOut(roleId);
    expect((await login(short.client, roleId, secretId)).status).toBe(403);
    await sleep(2_200);
    const r = await login(short.client, roleId, secretId);
    expect(r.status).toBe(200);
    expect(r.body.auth.metadata).toEqual({ role_name: name });
  });

  it('after the lock expires, one more bad SecretID inside lockout_counter_reset locks it again at once', async () => {
    // Vault keeps the failure count until a successful login or the counter reset,
    // so the 6th failure (count 6 >= threshold 5) locks again.
    const { name, roleId } = await setupRole(short.client, 'relock');
    const { secretId } = await mintSecretId(short.client, name);
    await lockOut(roleId);
    await sleep(2_200);
    expect((await login(short.client, roleId, 'bad-after-expiry')).status).toBe(400);
    const r = await login(short.client, roleId, secretId);
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: ['permission denied'] });
  });
});

describe('user lockout counter reset (a server with lockout_counter_reset 1s)', () => {
  const resetting = useVaultDev({ lockout: { counterReset: 1 } });

  beforeAll(async () => {
    await enableAppRole(resetting.client);
  });

  it('failures further apart than lockout_counter_reset start the count again', async () => {
    const { name, roleId } = await setupRole(resetting.client, 'counter-reset');
    for (let i = 0; i < 4; i++) expect((await login(resetting.client, roleId, `bad-${i}`)).status).toBe(400);
    await sleep(1_200);
    // The 5th failure comes after the reset window: it counts as the first.
    expect((await login(resetting.client, roleId, 'bad-late')).status).toBe(400);
    const r = await login(resetting.client, roleId, (await mintSecretId(resetting.client, name)).secretId);
    expect(r.status).toBe(200);
  });
});
