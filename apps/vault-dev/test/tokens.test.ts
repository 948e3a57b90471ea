/**
 * §4 The token auth method (`auth/token/`) through real HTTP against a
 * started vault-dev: creating tokens and what their auth blocks say, policy
 * resolution, sudo-only parameters, roles, lookups, TTLs and renewal, use
 * limits, revocation, batch tokens, expiry, and what the `default` policy
 * (§2.5) lets a token do on its own.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MULTI_INVALID_TOKEN, MULTI_PERMISSION_DENIED, useVaultDev, type VaultReply } from './support/vault.js';

const ctx = useVaultDev();

const DEFAULT_TTL = 768 * 3600;

const CREATE_PATHS = `
path "auth/token/create" { capabilities = ["update"] }
path "auth/token/create-orphan" { capabilities = ["update"] }
path "auth/token/create/*" { capabilities = ["update"] }
path "auth/token/revoke-orphan" { capabilities = ["update"] }
path "auth/token/accessors" { capabilities = ["list"] }
`;
const CREATE_PATHS_SUDO = CREATE_PATHS.replace(/\["(update|list)"\]/g, '["$1", "sudo"]');

beforeAll(async () => {
  await ctx.client.policy('pol-a', 'path "secret/data/a" { capabilities = ["read"] }');
  await ctx.client.policy('pol-b', 'path "secret/data/b" { capabilities = ["read"] }');
  await ctx.client.policy('team-x', 'path "secret/data/team-x" { capabilities = ["read"] }');
  await ctx.client.policy('admin-x', 'path "secret/data/*" { capabilities = ["read"] }');
  // Can call the create endpoints, but holds no sudo anywhere.
  await ctx.client.policy('creator', CREATE_PATHS);
  // The same paths with sudo: may set any policies, period, no_parent, id.
  await ctx.client.policy('creator-sudo', CREATE_PATHS_SUDO);
  await ctx.client.post('auth/token/roles/shape-role', { allowed_policies: ['pol-a', 'pol-b'] });
});

type Body = Record<string, unknown>;

/** POST to a create endpoint as `token` (root when omitted). */
function create(body: Body = {}, token?: string, path = 'auth/token/create'): Promise<VaultReply> {
  return ctx.client.post(path, body, { token });
}

/** A new token's id; fails the test when creation fails. */
async function mint(body: Body = {}, token?: string, path = 'auth/token/create'): Promise<string> {
  const r = await create(body, token, path);
  if (r.status !== 200) throw new Error(`token create failed: ${r.status} ${r.text}`);
  return r.body.auth.client_token as string;
}

const lookupSelf = (token: string) => ctx.client.get('auth/token/lookup-self', { token });
/** auth/token/lookup as root. */
const lookup = (token: string) => ctx.client.post('auth/token/lookup', { token });
const renewSelf = (token: string, body: Body = {}) => ctx.client.post('auth/token/renew-self', body, { token });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The token answers (200), or is gone (403 with Vault ≥1.17's invalid-token text). */
async function expectAlive(token: string): Promise<void> {
  const r = await lookupSelf(token);
  expect(r.status, r.text).toBe(200);
}
async function expectGone(token: string): Promise<void> {
  const r = await lookupSelf(token);
  expect(r.status).toBe(403);
  expect(r.body).toEqual({ errors: [MULTI_INVALID_TOKEN] });
}

describe('creating tokens', () => {
  it.each([
    ['auth/token/create', false],
    ['auth/token/create-orphan', true],
    ['auth/token/create/shape-role', false],
  ])(
    '%s answers 200 with data null and an auth block: hvs. token, accessor, sorted policies with default, 768h TTL',
    async (path, orphan) => {
      const r = await create({ policies: ['pol-b', 'POL-A'], meta: { team: 'payments' } }, undefined, path);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data: null,
        warnings: null,
        mount_type: 'token',
      });
      const auth = r.body.auth;
      expect(Object.keys(auth)).toEqual([
        'client_token',
        'accessor',
        'policies',
        'token_policies',
        'metadata',
        'lease_duration',
        'renewable',
        'entity_id',
        'token_type',
        'orphan',
        'mfa_requirement',
        'num_uses',
      ]);
      expect(auth.client_token).toMatch(/^hvs\.[A-Za-z0-9_-]{20,}$/);
      expect(auth.accessor).toMatch(/^[A-Za-z0-9]{24}$/);
      expect(auth).toMatchObject({
        policies: ['default', 'pol-a', 'pol-b'],
        token_policies: ['default', 'pol-a', 'pol-b'],
        metadata: { team: 'payments' },
        lease_duration: DEFAULT_TTL,
        renewable: true,
        entity_id: '',
        token_type: 'service',
        orphan,
        mfa_requirement: null,
        num_uses: 0,
      });
      expect((await lookup(auth.client_token)).body.data.path).toBe(path);
    },
  );

  it('metadata is null when no meta was sent', async () => {
    const r = await create({ policies: ['pol-a'] });
    expect(r.body.auth.metadata).toBeNull();
  });

  it('every token gets a distinct id and accessor', async () => {
    const a = (await create({ policies: ['pol-a'] })).body.auth;
    const b = (await create({ policies: ['pol-a'] })).body.auth;
    expect(a.client_token).not.toBe(b.client_token);
    expect(a.accessor).not.toBe(b.accessor);
  });

  it('create-orphan makes an orphan and needs no sudo', async () => {
    const parent = await mint({ policies: ['creator', 'pol-a'] });
    const r = await create({ policies: ['pol-a'] }, parent, 'auth/token/create-orphan');
    expect(r.status).toBe(200);
    expect(r.body.auth.orphan).toBe(true);
    expect((await lookup(r.body.auth.client_token)).body.data).toMatchObject({
      orphan: true,
      path: 'auth/token/create-orphan',
    });
  });

  it('display_name becomes token-<name>, sanitised', async () => {
    const token = await mint({ policies: ['pol-a'], display_name: 'my app' });
    expect((await lookup(token)).body.data.display_name).toBe('token-my-app');
    const plain = await mint({ policies: ['pol-a'] });
    expect((await lookup(plain)).body.data.display_name).toBe('token');
  });

  it.each([
    ['a custom id with the hvs. prefix', { id: 'hvs.mine' }, "custom token ID cannot have the 'hvs.' prefix"],
    ['a custom id containing "."', { id: 'has.dot' }, "custom token ID cannot have a '.' in the value"],
    ['an unknown type', { type: 'weird' }, "invalid 'token_type' value"],
    ['a negative ttl', { ttl: '-1h' }, 'ttl must be positive'],
    ['a negative explicit_max_ttl', { explicit_max_ttl: '-5s' }, 'explicit_max_ttl must be positive'],
    ['a negative period', { period: '-1h' }, 'period must be positive'],
  ])('%s is a 400 with Vault’s text', async (_name, extra, message) => {
    const r = await create({ policies: ['pol-a'], ...extra });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: [message] });
  });
});

describe('policy resolution', () => {
  it('a token created without policies inherits its parent’s (default only if the parent has it)', async () => {
    const parent = await mint({ policies: ['creator', 'pol-a'] });
    const child = await create({}, parent);
    expect(child.body.auth.policies).toEqual(['creator', 'default', 'pol-a']);

    const bare = await mint({ policies: ['creator', 'pol-a'], no_default_policy: true });
    expect(await lookup(bare).then((r) => r.body.data.policies)).toEqual(['creator', 'pol-a']);
    const bareChild = await create({}, bare);
    expect(bareChild.body.auth.policies).toEqual(['creator', 'pol-a']);
  });

  it('a non-sudo caller may request a subset of its own policies; default is added when it has it', async () => {
    const parent = await mint({ policies: ['creator', 'pol-a'] });
    expect((await create({ policies: ['pol-a'] }, parent)).body.auth.policies).toEqual(['default', 'pol-a']);
    expect((await create({ policies: ['pol-a'], no_default_policy: true }, parent)).body.auth.policies).toEqual([
      'pol-a',
    ]);
  });

  it('a non-sudo caller asking for a policy it does not hold gets 400 "child policies must be subset of parent"', async () => {
    const parent = await mint({ policies: ['creator', 'pol-a'] });
    const r = await create({ policies: ['pol-a', 'pol-b'] }, parent);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['child policies must be subset of parent'] });
  });

  it('a sudo caller may set any policies; default is added unless no_default_policy', async () => {
    const sudo = await mint({ policies: ['creator-sudo'] });
    expect((await create({ policies: ['pol-b'] }, sudo)).body.auth.policies).toEqual(['default', 'pol-b']);
    expect((await create({ policies: ['pol-b'], no_default_policy: true }, sudo)).body.auth.policies).toEqual([
      'pol-b',
    ]);
  });

  it('root may set any policies', async () => {
    const r = await create({ policies: ['pol-b', 'team-x'] });
    expect(r.body.auth.policies).toEqual(['default', 'pol-b', 'team-x']);
  });

  it('sudo is not enough for the root policy: 400 "root tokens may not be created without parent token being root"', async () => {
    const sudo = await mint({ policies: ['creator-sudo'] });
    const r = await create({ policies: ['root'] }, sudo);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['root tokens may not be created without parent token being root'] });
  });

  it('root can mint a root token: root swallows other policies, no TTL, not renewable', async () => {
    const r = await create({ policies: ['root', 'pol-a'] });
    expect(r.status).toBe(200);
    expect(r.body.auth).toMatchObject({ policies: ['root'], lease_duration: 0, renewable: false });
    const data = (await lookupSelf(r.body.auth.client_token)).body.data;
    expect(data).toMatchObject({ ttl: 0, expire_time: null, creation_ttl: 0 });
  });

  it('an expiring root token cannot create a non-expiring one', async () => {
    const expiringRoot = await mint({ policies: ['root'], ttl: '1h' });
    const r = await create({}, expiringRoot);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['expiring root tokens cannot create non-expiring root tokens'] });
    expect((await create({ ttl: '10m' }, expiringRoot)).status).toBe(200);
  });

  it('unknown policy names are accepted with one `Policy "x" does not exist` warning each', async () => {
    const r = await create({ policies: ['ghost-1', 'pol-a', 'ghost-2'] });
    expect(r.status).toBe(200);
    expect(r.body.auth.policies).toEqual(['default', 'ghost-1', 'ghost-2', 'pol-a']);
    expect(r.body.warnings).toEqual(['Policy "ghost-1" does not exist', 'Policy "ghost-2" does not exist']);
  });

  // Unlike AppRole's comma slices, create's `policies` is a plain string slice
  // (TypeStringSlice / mapstructure.WeakDecode): a string is one policy name.
  it('policies sent as one string are one policy name (no comma splitting)', async () => {
    const r = await create({ policies: 'pol-b,pol-a' });
    expect(r.status).toBe(200);
    expect(r.body.auth.policies).toEqual(['default', 'pol-b,pol-a']);
    expect(r.body.warnings).toEqual(['Policy "pol-b,pol-a" does not exist']);
  });
});

describe('sudo-only create parameters', () => {
  it.each([
    ['period', { period: '1h' }, 'root or sudo privileges required to create periodic token'],
    ['no_parent', { no_parent: true }, 'root or sudo privileges required to create orphan token'],
    ['id', { id: 'custom-id-no-sudo' }, 'root or sudo privileges required to specify token id'],
  ])('%s without sudo is a 400 with the exact text', async (_name, extra, message) => {
    const parent = await mint({ policies: ['creator', 'pol-a'] });
    const r = await create({ policies: ['pol-a'], ...extra }, parent);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: [message] });
  });

  it('period with sudo makes a periodic token whose TTL is the period', async () => {
    const sudo = await mint({ policies: ['creator-sudo'] });
    const r = await create({ policies: ['pol-a'], period: '1h' }, sudo);
    expect(r.status).toBe(200);
    expect(r.body.auth).toMatchObject({ lease_duration: 3600, renewable: true });
    expect((await lookup(r.body.auth.client_token)).body.data).toMatchObject({ period: 3600, creation_ttl: 3600 });
  });

  it('no_parent with sudo makes an orphan', async () => {
    const sudo = await mint({ policies: ['creator-sudo'] });
    const r = await create({ policies: ['pol-a'], no_parent: true }, sudo);
    expect(r.status).toBe(200);
    expect(r.body.auth.orphan).toBe(true);
  });

  it('id with sudo uses the given id, with the SHA1 warning', async () => {
    const sudo = await mint({ policies: ['creator-sudo'] });
    const r = await create({ policies: ['pol-a'], id: 'custom-id-with-sudo' }, sudo);
    expect(r.status).toBe(200);
    expect(r.body.auth.client_token).toBe('custom-id-with-sudo');
    expect(r.body.warnings).toEqual([
      'Supplying a custom ID for the token uses the weaker SHA1 hashing instead of the more secure SHA2-256 HMAC for token obfuscation. SHA1 hashed tokens on the wire leads to less secure lookups.',
    ]);
    await expectAlive('custom-id-with-sudo');
  });

  it('a duplicate custom id is refused', async () => {
    await mint({ id: 'custom-id-dup', policies: ['pol-a'] });
    const r = await create({ id: 'custom-id-dup', policies: ['pol-a'] });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['cannot create a token with a duplicate ID'] });
  });
});

describe('token roles', () => {
  it('a role is written (204), read back with every field, listed and deleted', async () => {
    expect((await ctx.client.post('auth/token/roles/crud-role', { allowed_policies: 'pol-a,pol-b' })).status).toBe(204);
    const r = await ctx.client.get('auth/token/roles/crud-role');
    expect(r.status).toBe(200);
    expect(Object.keys(r.body.data)).toEqual([
      'allowed_entity_aliases',
      'allowed_policies',
      'allowed_policies_glob',
      'disallowed_policies',
      'disallowed_policies_glob',
      'explicit_max_ttl',
      'name',
      'orphan',
      'path_suffix',
      'period',
      'renewable',
      'token_explicit_max_ttl',
      'token_no_default_policy',
      'token_period',
      'token_type',
    ]);
    expect(r.body.data).toMatchObject({
      allowed_policies: ['pol-a', 'pol-b'],
      disallowed_policies: [],
      name: 'crud-role',
      orphan: false,
      path_suffix: '',
      renewable: true,
      token_explicit_max_ttl: 0,
      token_period: 0,
      token_type: 'default-service',
    });
    expect((await ctx.client.list('auth/token/roles')).body.data.keys).toContain('crud-role');
    expect((await ctx.client.delete('auth/token/roles/crud-role')).status).toBe(204);
    expect((await ctx.client.get('auth/token/roles/crud-role')).body).toEqual({ errors: [] });
  });

  it('an unknown role is a 400 "unknown role <name>"', async () => {
    const r = await create({}, undefined, 'auth/token/create/no-such-role');
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['unknown role no-such-role'] });
  });

  it('a role with allowed_policies grants them (plus default) when none are asked for', async () => {
    await ctx.client.post('auth/token/roles/allow-ab', { allowed_policies: ['pol-a', 'pol-b'] });
    const r = await create({}, undefined, 'auth/token/create/allow-ab');
    expect(r.status).toBe(200);
    expect(r.body.auth.policies).toEqual(['default', 'pol-a', 'pol-b']);
  });

  it('asking a role for a subset of its allowed policies works; the parent’s policies do not matter', async () => {
    await ctx.client.post('auth/token/roles/allow-ab', { allowed_policies: ['pol-a', 'pol-b'] });
    // The caller holds neither pol-a nor pol-b: a role decides on its own.
    const caller = await mint({ policies: ['creator'] });
    const r = await create({ policies: ['pol-b'] }, caller, 'auth/token/create/allow-ab');
    expect(r.status).toBe(200);
    expect(r.body.auth.policies).toEqual(['default', 'pol-b']);
  });

  it('asking for a policy outside the role is 400 "must be subset of the role\'s allowed policies"', async () => {
    await ctx.client.post('auth/token/roles/allow-ab', { allowed_policies: ['pol-a', 'pol-b'] });
    const r = await create({ policies: ['team-x'] }, undefined, 'auth/token/create/allow-ab');
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      errors: [
        `token policies (["default" "team-x"]) must be subset of the role's allowed policies (["default" "pol-a" "pol-b"]) or glob policies ([])`,
      ],
    });
  });

  it('allowed_policies_glob admits matching names when asked for, but grants nothing by itself', async () => {
    await ctx.client.post('auth/token/roles/glob-role', { allowed_policies_glob: ['team-*'] });
    const ok = await create({ policies: ['team-x'] }, undefined, 'auth/token/create/glob-role');
    expect(ok.status).toBe(200);
    expect(ok.body.auth.policies).toEqual(['default', 'team-x']);

    const none = await create({}, undefined, 'auth/token/create/glob-role');
    expect(none.body.auth.policies).toEqual(['default']);

    const bad = await create({ policies: ['pol-a'] }, undefined, 'auth/token/create/glob-role');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      errors: [
        `token policies (["default" "pol-a"]) must be subset of the role's allowed policies (["default"]) or glob policies (["team-*"])`,
      ],
    });
  });

  it.each([
    ['disallowed_policies', { disallowed_policies: ['pol-b'] }, 'pol-b'],
    ['disallowed_policies_glob', { disallowed_policies_glob: ['admin-*'] }, 'admin-x'],
  ])(
    '%s refuses a matching policy: 400 `token policy "x" is disallowed by this role`',
    async (_name, roleBody, policy) => {
      await ctx.client.post('auth/token/roles/deny-role', { ...roleBody });
      const r = await create({ policies: ['pol-a', policy] }, undefined, 'auth/token/create/deny-role');
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ errors: [`token policy "${policy}" is disallowed by this role`] });
      const ok = await create({ policies: ['pol-a'] }, undefined, 'auth/token/create/deny-role');
      expect(ok.status).toBe(200);
      expect(ok.body.auth.policies).toEqual(['default', 'pol-a']);
      await ctx.client.delete('auth/token/roles/deny-role');
    },
  );

  it('a role that disallows default keeps it off the token', async () => {
    await ctx.client.post('auth/token/roles/no-default', { disallowed_policies: ['default'] });
    const r = await create({ policies: ['pol-a'] }, undefined, 'auth/token/create/no-default');
    expect(r.status).toBe(200);
    expect(r.body.auth.policies).toEqual(['pol-a']);
  });

  it('a role with only disallowed lists falls back to the parent’s policies plus default', async () => {
    await ctx.client.post('auth/token/roles/deny-only', { disallowed_policies: ['pol-b'] });
    const parent = await mint({ policies: ['creator', 'pol-a'], no_default_policy: true });
    const r = await create({}, parent, 'auth/token/create/deny-only');
    expect(r.status).toBe(200);
    expect(r.body.auth.policies).toEqual(['creator', 'default', 'pol-a']);
  });

  // handleCreateCommon: a role without any policy list takes the plain-create
  // branches, where an inheriting child gets `default` only if the parent has it
  // (the spec's "plus default" for this case describes the disallowed-only role above).
  it('a role with no policy lists behaves like a plain create (inherits the parent’s policies as they are)', async () => {
    await ctx.client.post('auth/token/roles/plain-role', { renewable: true });
    const parent = await mint({ policies: ['creator', 'pol-a'], no_default_policy: true });
    const r = await create({}, parent, 'auth/token/create/plain-role');
    expect(r.status).toBe(200);
    expect(r.body.auth.policies).toEqual(['creator', 'pol-a']);
    const denied = await create({ policies: ['pol-b'] }, parent, 'auth/token/create/plain-role');
    expect(denied.body).toEqual({ errors: ['child policies must be subset of parent'] });
  });

  it('an orphan role makes orphans for a caller without sudo', async () => {
    await ctx.client.post('auth/token/roles/orphan-role', { orphan: true, allowed_policies: ['pol-a'] });
    const caller = await mint({ policies: ['creator'] });
    const r = await create({}, caller, 'auth/token/create/orphan-role');
    expect(r.status).toBe(200);
    expect(r.body.auth.orphan).toBe(true);
    // Revoking the creator leaves the orphan alive.
    await ctx.client.post('auth/token/revoke', { token: caller });
    await expectAlive(r.body.auth.client_token);
  });

  it('a role token’s lookup shows "role" and a path with the role name and path_suffix', async () => {
    const written = await ctx.client.post('auth/token/roles/suffixed', {
      allowed_policies: ['pol-a'],
      path_suffix: 'ver1',
    });
    expect(written.status).toBe(204);
    const token = await mint({}, undefined, 'auth/token/create/suffixed');
    expect((await lookup(token)).body.data).toMatchObject({
      role: 'suffixed',
      path: 'auth/token/create/suffixed/ver1',
    });
    const plain = await mint({}, undefined, 'auth/token/create/allow-ab');
    const data = (await lookup(plain)).body.data;
    expect(data).toMatchObject({ role: 'allow-ab', path: 'auth/token/create/allow-ab' });
  });

  it('a role period makes periodic tokens, without sudo', async () => {
    await ctx.client.post('auth/token/roles/periodic-role', { allowed_policies: ['pol-a'], token_period: '1h' });
    const caller = await mint({ policies: ['creator'] });
    const r = await create({}, caller, 'auth/token/create/periodic-role');
    expect(r.status).toBe(200);
    expect(r.body.auth.lease_duration).toBe(3600);
    // Vault stores only a requested period on the token entry, so lookup shows none for a role period.
    expect((await lookup(r.body.auth.client_token)).body.data).not.toHaveProperty('period');
  });

  it('a path_suffix must be at least three word characters', async () => {
    const r = await ctx.client.post('auth/token/roles/short-suffix', { path_suffix: 'v1' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      errors: ['given role path suffix contains invalid characters; must match \\w[\\w-.]+\\w'],
    });
  });

  it('renewing a role token uses the role’s current period', async () => {
    await ctx.client.post('auth/token/roles/period-change', { allowed_policies: ['pol-a'], token_period: '1h' });
    const token = await mint({}, undefined, 'auth/token/create/period-change');
    await ctx.client.post('auth/token/roles/period-change', { token_period: '2h' });
    const r = await renewSelf(token, { increment: '10s' });
    expect(r.status).toBe(200);
    expect(r.body.auth.lease_duration).toBe(7200);
  });

  it('the lesser of role and request explicit max TTL wins, with a warning', async () => {
    await ctx.client.post('auth/token/roles/max-role', { allowed_policies: ['pol-a'], token_explicit_max_ttl: '1h' });
    const r = await create({ explicit_max_ttl: '2h' }, undefined, 'auth/token/create/max-role');
    expect(r.status).toBe(200);
    expect(r.body.auth.lease_duration).toBe(3600);
    expect(r.body.warnings).toContain(
      'Explicit max TTL specified both during creation call and in role; using the lesser value of 3600 seconds',
    );
  });

  it('the lesser of role and request period wins, with a warning', async () => {
    await ctx.client.post('auth/token/roles/period-both', { allowed_policies: ['pol-a'], token_period: '30m' });
    const r = await create({ period: '1h' }, undefined, 'auth/token/create/period-both');
    expect(r.status).toBe(200);
    expect(r.body.auth.lease_duration).toBe(1800);
    expect(r.body.warnings).toContain(
      'Period specified both during creation call and in role; using the lesser value of 1800 seconds',
    );
  });

  it('a non-renewable role makes non-renewable tokens', async () => {
    await ctx.client.post('auth/token/roles/fixed-role', { allowed_policies: ['pol-a'], renewable: false });
    const r = await create({}, undefined, 'auth/token/create/fixed-role');
    expect(r.body.auth.renewable).toBe(false);
  });

  it('a batch role must make orphans: 400 otherwise', async () => {
    const r = await ctx.client.post('auth/token/roles/bad-batch', { token_type: 'batch', renewable: false });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      errors: ["'token_type' cannot be 'batch' when role is set to generate non-orphan tokens"],
    });
  });

  it('a batch role (orphan, not renewable) makes hvb. orphan tokens', async () => {
    const w = await ctx.client.post('auth/token/roles/batch-role', {
      token_type: 'batch',
      orphan: true,
      renewable: false,
      allowed_policies: ['pol-a'],
    });
    expect(w.status).toBe(204);
    const r = await create({}, undefined, 'auth/token/create/batch-role');
    expect(r.status).toBe(200);
    expect(r.body.auth.client_token).toMatch(/^hvb\./);
    expect(r.body.auth).toMatchObject({
      token_type: 'batch',
      orphan: true,
      renewable: false,
      policies: ['default', 'pol-a'],
    });
  });

  it('a default-batch role makes batch tokens unless the request asks for service', async () => {
    await ctx.client.post('auth/token/roles/maybe-batch', {
      token_type: 'default-batch',
      orphan: true,
      renewable: false,
      allowed_policies: ['pol-a'],
    });
    expect((await create({}, undefined, 'auth/token/create/maybe-batch')).body.auth.token_type).toBe('batch');
    expect((await create({ type: 'service' }, undefined, 'auth/token/create/maybe-batch')).body.auth.token_type).toBe(
      'service',
    );
  });

  it('role token_num_uses is a ceiling on the request’s num_uses (0 counts as unlimited)', async () => {
    await ctx.client.post('auth/token/roles/limited-role', { allowed_policies: ['pol-a'], token_num_uses: 2 });
    expect((await create({}, undefined, 'auth/token/create/limited-role')).body.auth.num_uses).toBe(2);
    expect((await create({ num_uses: 5 }, undefined, 'auth/token/create/limited-role')).body.auth.num_uses).toBe(2);
    expect((await create({ num_uses: 1 }, undefined, 'auth/token/create/limited-role')).body.auth.num_uses).toBe(1);
  });
});

describe('looking up tokens', () => {
  it('GET lookup-self works for a token with only the default policy', async () => {
    const token = await ctx.client.tokenWith(['default']);
    const r = await lookupSelf(token);
    expect(r.status).toBe(200);
    expect(r.body.data.id).toBe(token);
  });

  it('POST lookup-self is 403 for a default-policy token (default grants only read there)', async () => {
    const token = await ctx.client.tokenWith(['default']);
    const r = await ctx.client.post('auth/token/lookup-self', {}, { token });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: [MULTI_PERMISSION_DENIED] });
  });

  it('lookup data has Vault’s fields, sorted, with RFC 3339 times and integer seconds', async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await mint({ policies: ['pol-a'], meta: { app: 'x' } });
    const r = await lookup(token);
    expect(r.status).toBe(200);
    const data = r.body.data;
    expect(Object.keys(data)).toEqual([
      'accessor',
      'creation_time',
      'creation_ttl',
      'display_name',
      'entity_id',
      'expire_time',
      'explicit_max_ttl',
      'id',
      'issue_time',
      'meta',
      'num_uses',
      'orphan',
      'path',
      'policies',
      'renewable',
      'ttl',
      'type',
    ]);
    expect(data).toMatchObject({
      id: token,
      creation_ttl: DEFAULT_TTL,
      display_name: 'token',
      entity_id: '',
      explicit_max_ttl: 0,
      meta: { app: 'x' },
      num_uses: 0,
      orphan: false,
      path: 'auth/token/create',
      policies: ['default', 'pol-a'],
      renewable: true,
      type: 'service',
    });
    expect(data.creation_time).toBeGreaterThanOrEqual(before);
    expect(data.creation_time).toBeLessThanOrEqual(before + 5);
    expect(data.ttl).toBeGreaterThan(DEFAULT_TTL - 10);
    expect(data.ttl).toBeLessThanOrEqual(DEFAULT_TTL);
    expect(data.expire_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    expect(data.issue_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  });

  it('lookup of an unknown token is 403 "bad token"', async () => {
    const r = await lookup('hvs.doesnotexist');
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: ['bad token'] });
  });

  it('POST auth/token/lookup without a token looks up the caller', async () => {
    await ctx.client.policy('lookup-any', 'path "auth/token/lookup" { capabilities = ["update"] }');
    const caller = await mint({ policies: ['lookup-any'] });
    const r = await ctx.client.post('auth/token/lookup', {}, { token: caller });
    expect(r.status).toBe(200);
    expect(r.body.data.id).toBe(caller);
  });

  it('lookup-accessor shows the same data with an empty id', async () => {
    const created = (await create({ policies: ['pol-a'] })).body.auth;
    const r = await ctx.client.post('auth/token/lookup-accessor', { accessor: created.accessor });
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ id: '', accessor: created.accessor, policies: ['default', 'pol-a'] });
  });

  it('lookup-accessor of an unknown accessor is a 400 "invalid accessor"', async () => {
    const r = await ctx.client.post('auth/token/lookup-accessor', { accessor: 'nosuchaccessor' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['1 error occurred:\n\t* invalid accessor\n\n'] });
  });
});

describe('TTLs and renewal', () => {
  it('the dev root token never expires: ttl 0, expire_time null', async () => {
    const r = await lookupSelf('root');
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({
      id: 'root',
      policies: ['root'],
      ttl: 0,
      expire_time: null,
      creation_ttl: 0,
      orphan: true,
    });
  });

  it('renewing the non-expiring dev root token is a 400', async () => {
    const r = await renewSelf('root');
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatch(/lease is not renewable|invalid lease ID/);
  });

  // `vault server -dev -dev-root-token-id=root` makes the root token with
  // POST auth/token/create {id, policies:[root], no_parent, no_default_policy}
  // (command/server.go, "dev-gen-root") and revokes the generated one. So the
  // dev root token is an ordinary create-path token with a non-expiring lease.
  // FAILS until src/vault/core.ts is fixed (see the final report): Core's
  // constructor creates it with path auth/token/root and display name root.
  it('the dev root token chosen by id looks like Vault’s: made by auth/token/create, display_name "token"', async () => {
    const r = await lookupSelf('root');
    expect(r.body.data).toMatchObject({ path: 'auth/token/create', display_name: 'token', renewable: false });
    expect(r.body.data.issue_time).toEqual(expect.any(String));
  });

  it.each([
    ['"1h"', '1h', 3600],
    ['a number of seconds', 90, 90],
    ['a numeric string', '90', 90],
    ['"1h30m"', '1h30m', 5400],
    ['a day suffix', '7d', 7 * 86400],
  ])('ttl as %s sets the TTL', async (_name, ttl, seconds) => {
    const r = await create({ policies: ['pol-a'], ttl });
    expect(r.status).toBe(200);
    expect(r.body.auth.lease_duration).toBe(seconds);
    expect((await lookup(r.body.auth.client_token)).body.data.creation_ttl).toBe(seconds);
  });

  it('the legacy lease parameter sets the TTL too', async () => {
    const r = await create({ policies: ['pol-a'], lease: '2h' });
    expect(r.body.auth.lease_duration).toBe(7200);
  });

  it('a TTL above the 768h max is capped, with a warning', async () => {
    const r = await create({ policies: ['pol-a'], ttl: '1000h' });
    expect(r.status).toBe(200);
    expect(r.body.auth.lease_duration).toBe(DEFAULT_TTL);
    expect(r.body.warnings).toEqual([
      'TTL of "1000h" exceeded the effective max_ttl of "768h"; TTL value is capped accordingly',
    ]);
  });

  it('a TTL above explicit_max_ttl is capped at creation, with a warning', async () => {
    const r = await create({ policies: ['pol-a'], ttl: '3h', explicit_max_ttl: '1h' });
    expect(r.body.auth.lease_duration).toBe(3600);
    expect(r.body.warnings).toEqual([
      'TTL of "3h" exceeded the effective max_ttl of "1h"; TTL value is capped accordingly',
    ]);
    expect((await lookup(r.body.auth.client_token)).body.data.explicit_max_ttl).toBe(3600);
  });

  it('renew-self with an increment sets the TTL to the increment; creation_ttl stays', async () => {
    const token = await mint({ policies: ['pol-a'], ttl: '1h' });
    const r = await renewSelf(token, { increment: '2h' });
    expect(r.status).toBe(200);
    expect(r.body.auth).toMatchObject({ client_token: token, lease_duration: 7200, renewable: true });
    const data = (await lookupSelf(token)).body.data;
    expect(data.creation_ttl).toBe(3600);
    expect(data.ttl).toBeGreaterThan(7190);
    expect(data.last_renewal_time).toEqual(expect.any(Number));
    expect(data.last_renewal).toEqual(expect.any(String));
  });

  it('renew-self without an increment renews for the previous TTL', async () => {
    const token = await mint({ policies: ['pol-a'], ttl: '1h' });
    const r = await renewSelf(token);
    expect(r.body.auth.lease_duration).toBe(3600);
  });

  it('renew (by token) and renew-accessor answer with an auth block; renew-accessor hides the token', async () => {
    const created = (await create({ policies: ['pol-a'], ttl: '1h' })).body.auth;
    const byToken = await ctx.client.post('auth/token/renew', { token: created.client_token, increment: 600 });
    expect(byToken.status).toBe(200);
    expect(byToken.body.auth).toMatchObject({ client_token: created.client_token, lease_duration: 600 });
    const byAccessor = await ctx.client.post('auth/token/renew-accessor', {
      accessor: created.accessor,
      increment: 900,
    });
    expect(byAccessor.status).toBe(200);
    expect(byAccessor.body.auth).toMatchObject({ client_token: '', accessor: created.accessor, lease_duration: 900 });
  });

  it('explicit_max_ttl caps renewals, with a warning', async () => {
    const token = await mint({ policies: ['pol-a'], ttl: '1h', explicit_max_ttl: '2h' });
    const r = await renewSelf(token, { increment: '3h' });
    expect(r.status).toBe(200);
    expect(r.body.auth.lease_duration).toBeGreaterThan(7190);
    expect(r.body.auth.lease_duration).toBeLessThanOrEqual(7200);
    expect(r.body.warnings).toHaveLength(1);
    expect(r.body.warnings[0]).toMatch(
      /^TTL of "3h" exceeded the effective max_ttl of "(2h|1h59m\d+s)"; TTL value is capped accordingly$/,
    );
  });

  it('a periodic token renews to its period and ignores the increment', async () => {
    const token = await mint({ policies: ['pol-a'], period: '1h' });
    for (const increment of ['10s', 86400]) {
      const r = await renewSelf(token, { increment });
      expect(r.status).toBe(200);
      expect(r.body.auth.lease_duration).toBe(3600);
    }
  });

  it('a period above the explicit max is capped with a warning', async () => {
    const r = await create({ policies: ['pol-a'], period: '1h', explicit_max_ttl: '30m' });
    expect(r.status).toBe(200);
    expect(r.body.auth.lease_duration).toBe(1800);
    expect(r.body.warnings).toEqual([
      'period of "1h" exceeded the effective max_ttl of "30m"; period value is capped accordingly',
    ]);
  });

  it('renewing past the max TTL fails with "past the max TTL, cannot renew"', async () => {
    // Renewal re-reads the role, so shrinking its explicit max puts a live token past its max.
    await ctx.client.post('auth/token/roles/shrinking', { allowed_policies: ['pol-a'], token_explicit_max_ttl: '1h' });
    const token = await mint({}, undefined, 'auth/token/create/shrinking');
    await ctx.client.post('auth/token/roles/shrinking', { token_explicit_max_ttl: 1 });
    await sleep(1100);
    const r = await renewSelf(token);
    // RenewToken returns the CalculateTTL error as a plain error: 500, multierror-wrapped.
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ errors: ['1 error occurred:\n\t* past the max TTL, cannot renew\n\n'] });
  });

  it('a non-renewable token cannot be renewed: 400 "lease is not renewable"', async () => {
    const token = await mint({ policies: ['pol-a'], renewable: false });
    expect((await lookupSelf(token)).body.data.renewable).toBe(false);
    const r = await renewSelf(token);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['lease is not renewable'] });
  });

  it('renewing a role token whose role was deleted fails', async () => {
    await ctx.client.post('auth/token/roles/doomed', { allowed_policies: ['pol-a'] });
    const token = await mint({}, undefined, 'auth/token/create/doomed');
    await ctx.client.delete('auth/token/roles/doomed');
    const r = await renewSelf(token);
    expect(r.status).toBe(500);
    expect(r.body).toEqual({
      errors: [
        '1 error occurred:\n\t* failed to renew entry: original token role "doomed" could not be found, not renewing\n\n',
      ],
    });
  });

  it('renew-accessor of an unknown accessor is a 400 "invalid accessor"', async () => {
    const r = await ctx.client.post('auth/token/renew-accessor', { accessor: 'nosuchaccessor' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['1 error occurred:\n\t* invalid accessor\n\n'] });
  });

  it('renewing an unknown token is 400 "token not found"', async () => {
    const r = await ctx.client.post('auth/token/renew', { token: 'hvs.nosuchtoken' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['token not found'] });
  });
});

describe('expiry', () => {
  it('a token with a 2s TTL stops working after 2s', async () => {
    const token = await mint({ policies: ['pol-a'], ttl: '2s' });
    await expectAlive(token);
    await sleep(2100);
    await expectGone(token);
    expect((await lookup(token)).body).toEqual({ errors: ['bad token'] });
  });

  // Vault's expiration manager revokes a token when its lease runs out, and
  // revoking it revokes its children: a longer-lived child dies with its parent.
  it('a child stops working as soon as its parent expires', async () => {
    const parent = await mint({ policies: ['creator', 'pol-a'], ttl: '1s' });
    const child = await mint({ ttl: '1h' }, parent);
    const batch = await mint({ type: 'batch', ttl: '1h' }, parent);
    await expectAlive(child);
    await sleep(1100);
    await expectGone(child);
    await expectGone(batch);
    await expectGone(parent);
  });
});

describe('use-limited tokens (num_uses)', () => {
  it('every request spends a use, lookup-self included; the last use succeeds, then the token is gone', async () => {
    const r = await create({ policies: ['pol-a'], num_uses: 3 });
    expect(r.body.auth.num_uses).toBe(3);
    const token = r.body.auth.client_token;
    expect((await lookupSelf(token)).body.data.num_uses).toBe(2);
    expect((await lookupSelf(token)).body.data.num_uses).toBe(1);
    const last = await lookupSelf(token);
    expect(last.status).toBe(200);
    await expectGone(token);
    expect((await lookup(token)).body).toEqual({ errors: ['bad token'] });
  });

  it('uses are spent by any endpoint, not just lookups', async () => {
    const token = await mint({ policies: ['pol-a'], num_uses: 2 });
    expect((await ctx.client.post('cubbyhole/note', { a: '1' }, { token })).status).toBe(204);
    expect((await ctx.client.get('cubbyhole/note', { token })).status).toBe(200);
    await expectGone(token);
  });

  // Vault's CheckToken returns the token entry with a policy denial "so we can
  // decrement the use count", and handleRequest spends the use before it looks
  // at the error. FAILS until src/vault/core.ts checkToken spends the use before
  // the ACL check (see the final report).
  it('a request the policy denies still spends a use', async () => {
    const token = await mint({ policies: ['pol-a'], num_uses: 2 });
    expect((await ctx.client.get('sys/mounts', { token })).status).toBe(403);
    expect((await lookupSelf(token)).status).toBe(200);
    await expectGone(token);
  });

  it('looking a use-limited token up with another token does not spend its uses', async () => {
    const token = await mint({ policies: ['pol-a'], num_uses: 3 });
    expect((await lookup(token)).body.data.num_uses).toBe(3);
    expect((await lookup(token)).body.data.num_uses).toBe(3);
  });

  it('a failed request on the last use still uses the token up', async () => {
    const token = await mint({ policies: ['creator'], num_uses: 1 });
    // On its last use the token is already pending revocation, so it cannot be anyone's parent.
    const r = await create({}, token);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['parent token lookup failed: no parent found'] });
    await expectGone(token);
  });

  it('a use-limited parent cannot create child tokens', async () => {
    const parent = await mint({ policies: ['creator', 'pol-a'], num_uses: 5 });
    const r = await create({ policies: ['pol-a'] }, parent);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['restricted use token cannot generate child tokens'] });
  });

  it('a negative num_uses is refused', async () => {
    const r = await create({ policies: ['pol-a'], num_uses: -1 });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['number of uses cannot be negative'] });
  });
});

describe('revoking tokens', () => {
  it('revoke revokes the whole tree at once; orphans survive', async () => {
    const parent = await mint({ policies: ['creator', 'pol-a'] });
    const child = await mint({}, parent);
    const grandchild = await mint({}, child);
    const orphan = await mint({}, parent, 'auth/token/create-orphan');
    const r = await ctx.client.post('auth/token/revoke', { token: parent });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    for (const gone of [parent, child, grandchild]) await expectGone(gone);
    await expectAlive(orphan);
  });

  it('revoking an unknown token is 204', async () => {
    const r = await ctx.client.post('auth/token/revoke', { token: 'hvs.neverexisted' });
    expect(r.status).toBe(204);
  });

  it('revoke-self (allowed by default) revokes the caller and its children', async () => {
    const token = await mint({ policies: ['creator'] });
    const child = await mint({}, token);
    const r = await ctx.client.post('auth/token/revoke-self', undefined, { token });
    expect(r.status).toBe(204);
    await expectGone(token);
    await expectGone(child);
  });

  it('revoke-accessor revokes the token behind the accessor', async () => {
    const created = (await create({ policies: ['pol-a'] })).body.auth;
    const r = await ctx.client.post('auth/token/revoke-accessor', { accessor: created.accessor });
    expect(r.status).toBe(204);
    await expectGone(created.client_token);
  });

  it('revoke-accessor of an unknown accessor is 200 with the warning "No token found with this accessor"', async () => {
    const r = await ctx.client.post('auth/token/revoke-accessor', { accessor: 'nosuchaccessor' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ data: null, warnings: ['No token found with this accessor'] });
  });

  it('revoke-orphan without sudo is a 400 "root or sudo privileges required to revoke and orphan"', async () => {
    const caller = await mint({ policies: ['creator'] });
    const victim = await mint({ policies: ['pol-a'] });
    const r = await ctx.client.post('auth/token/revoke-orphan', { token: victim }, { token: caller });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['root or sudo privileges required to revoke and orphan'] });
    await expectAlive(victim);
  });

  it('revoke-orphan with sudo revokes only the token; its children live on as orphans', async () => {
    const sudo = await mint({ policies: ['creator-sudo'] }, undefined, 'auth/token/create-orphan');
    const parent = await mint({ policies: ['creator', 'pol-a'] });
    const child = await mint({}, parent);
    const r = await ctx.client.post('auth/token/revoke-orphan', { token: parent }, { token: sudo });
    expect(r.status).toBe(204);
    await expectGone(parent);
    const data = (await lookupSelf(child)).body.data;
    expect(data.orphan).toBe(true);
  });

  it('revoke-orphan of an unknown token is a 400', async () => {
    const r = await ctx.client.post('auth/token/revoke-orphan', { token: 'hvs.neverexisted' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['token to revoke not found'] });
  });
});

describe('LIST auth/token/accessors', () => {
  it('root sees the accessors of live service tokens', async () => {
    const created = (await create({ policies: ['pol-a'] })).body.auth;
    const r = await ctx.client.list('auth/token/accessors');
    expect(r.status).toBe(200);
    expect(r.body.data.keys).toContain(created.accessor);
  });

  it('needs sudo: list alone is 403, list+sudo is 200', async () => {
    const plain = await mint({ policies: ['creator'] });
    const denied = await ctx.client.list('auth/token/accessors', { token: plain });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ errors: [MULTI_PERMISSION_DENIED] });
    const sudo = await mint({ policies: ['creator-sudo'] });
    expect((await ctx.client.list('auth/token/accessors', { token: sudo })).status).toBe(200);
  });
});

describe('batch tokens', () => {
  it('a batch token is hvb.-prefixed, has no accessor and is not renewable', async () => {
    const r = await create({ policies: ['pol-a'], type: 'batch' });
    expect(r.status).toBe(200);
    expect(r.body.auth.client_token).toMatch(/^hvb\./);
    expect(r.body.auth).toMatchObject({
      accessor: '',
      token_type: 'batch',
      renewable: false,
      lease_duration: DEFAULT_TTL,
      policies: ['default', 'pol-a'],
    });
    const data = (await lookupSelf(r.body.auth.client_token)).body.data;
    expect(data).toMatchObject({ type: 'batch', accessor: '', renewable: false });
  });

  it('a batch token cannot be renewed or revoked', async () => {
    const token = await mint({ policies: ['pol-a'], type: 'batch' });
    const renew = await renewSelf(token);
    expect(renew.status).toBe(400);
    expect(renew.body).toEqual({ errors: ['batch tokens cannot be renewed'] });
    const revoke = await ctx.client.post('auth/token/revoke', { token });
    expect(revoke.status).toBe(400);
    expect(revoke.body).toEqual({ errors: ['batch tokens cannot be revoked'] });
    await expectAlive(token);
  });

  it('a batch token cannot create tokens', async () => {
    const token = await mint({ policies: ['creator'], type: 'batch' });
    const r = await create({}, token);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['batch tokens cannot create more tokens'] });
  });

  it('a batch token cannot have num_uses', async () => {
    const r = await create({ policies: ['pol-a'], type: 'batch', num_uses: 3 });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['batch tokens cannot have "num_uses" set'] });
  });

  it('revoking the parent of a batch token makes the batch token stop working', async () => {
    const parent = await mint({ policies: ['creator', 'pol-a'] });
    const batch = await mint({ type: 'batch' }, parent);
    await expectAlive(batch);
    await ctx.client.post('auth/token/revoke', { token: parent });
    await expectGone(batch);
  });
});

describe('the default policy on its own', () => {
  it.each([
    ['GET lookup-self', 'GET', 'auth/token/lookup-self', undefined, 200],
    ['renew-self', 'POST', 'auth/token/renew-self', {}, 200],
    ['revoke-self', 'POST', 'auth/token/revoke-self', undefined, 204],
    ['capabilities-self', 'POST', 'sys/capabilities-self', { paths: ['cubbyhole/x'] }, 200],
    ['sys/wrapping/wrap', 'POST', 'sys/wrapping/wrap', { k: 'v' }, 200, { 'X-Vault-Wrap-TTL': '60' }],
    ['cubbyhole write', 'POST', 'cubbyhole/note', { k: 'v' }, 204],
    ['cubbyhole read (nothing there)', 'GET', 'cubbyhole/nothing', undefined, 404],
    ['cubbyhole list (nothing there)', 'LIST', 'cubbyhole/', undefined, 404],
    ['cubbyhole delete', 'DELETE', 'cubbyhole/note', undefined, 204],
    ['sys/leases/lookup (unknown lease)', 'POST', 'sys/leases/lookup', { lease_id: 'nope/x' }, 400],
    ['sys/leases/renew (unknown lease)', 'POST', 'sys/leases/renew', { lease_id: 'nope/x' }, 400],
    ['sys/renew (unknown lease)', 'POST', 'sys/renew', { lease_id: 'nope/x' }, 400],
    ['sys/tools/hash', 'POST', 'sys/tools/hash', { input: Buffer.from('x').toString('base64') }, 200],
  ])('allows %s', async (_name, method, path, body, status, headers?: Record<string, string>) => {
    const token = await ctx.client.tokenWith(['default']);
    const r = await ctx.client.call(method, path, { token, body, ...(headers ? { headers } : {}) });
    expect(r.status, r.text).toBe(status);
  });

  it('allows sys/wrapping/lookup and sys/wrapping/unwrap of its own wrapping token', async () => {
    const token = await ctx.client.tokenWith(['default']);
    const wrapped = await ctx.client.post(
      'sys/wrapping/wrap',
      { k: 'v' },
      { token, headers: { 'X-Vault-Wrap-TTL': '60' } },
    );
    const wrappingToken = wrapped.body.wrap_info.token as string;
    expect((await ctx.client.post('sys/wrapping/lookup', { token: wrappingToken }, { token })).status).toBe(200);
    const unwrapped = await ctx.client.post('sys/wrapping/unwrap', { token: wrappingToken }, { token });
    expect(unwrapped.status).toBe(200);
    expect(unwrapped.body.data).toEqual({ k: 'v' });
  });

  it.each([
    ['GET sys/mounts', 'GET', 'sys/mounts', undefined],
    ['GET sys/auth', 'GET', 'sys/auth', undefined],
    ['POST lookup-self', 'POST', 'auth/token/lookup-self', {}],
    ['auth/token/create', 'POST', 'auth/token/create', {}],
    ['auth/token/lookup', 'POST', 'auth/token/lookup', { token: 'root' }],
    ['auth/token/renew', 'POST', 'auth/token/renew', { token: 'root' }],
    ['auth/token/revoke', 'POST', 'auth/token/revoke', { token: 'root' }],
    ['LIST auth/token/accessors', 'LIST', 'auth/token/accessors', undefined],
    ['LIST auth/token/roles', 'LIST', 'auth/token/roles', undefined],
    ['LIST sys/policies/acl', 'LIST', 'sys/policies/acl', undefined],
    ['GET sys/policies/acl/default', 'GET', 'sys/policies/acl/default', undefined],
    ['KV reads', 'GET', 'secret/data/anything', undefined],
    ['LIST sys/leases/lookup/<prefix>', 'LIST', 'sys/leases/lookup/auth/token/create', undefined],
    ['sys/leases/revoke', 'POST', 'sys/leases/revoke', { lease_id: 'x/y' }],
  ])('denies %s (403 permission denied)', async (_name, method, path, body) => {
    const token = await ctx.client.tokenWith(['default']);
    const r = await ctx.client.call(method, path, { token, body });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: [MULTI_PERMISSION_DENIED] });
  });

  it('a token without the default policy cannot even look itself up', async () => {
    const token = await mint({ policies: ['pol-a'], no_default_policy: true });
    const r = await lookupSelf(token);
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: [MULTI_PERMISSION_DENIED] });
  });
});
