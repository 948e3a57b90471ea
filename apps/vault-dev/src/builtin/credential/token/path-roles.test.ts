import { describe, expect, it } from 'vitest';
import { TokenHarness } from './token-test-support.js';

describe('auth/token/roles', () => {
  it('a role is created through the existence check, read back with every field, listed and deleted', async () => {
    const h = new TokenHarness();
    const write = await h.call('update', 'auth/token/roles/web', { allowed_policies: 'Web, db' });
    expect(write.status).toBe(204);

    const read = await h.call('read', 'auth/token/roles/web');
    expect(read.status).toBe(200);
    expect(read.json?.['data']).toEqual({
      allowed_entity_aliases: null,
      allowed_policies: ['db', 'web'],
      allowed_policies_glob: [],
      disallowed_policies: [],
      disallowed_policies_glob: [],
      explicit_max_ttl: 0,
      name: 'web',
      orphan: false,
      path_suffix: '',
      period: 0,
      renewable: true,
      token_explicit_max_ttl: 0,
      token_no_default_policy: false,
      token_period: 0,
      token_type: 'default-service',
    });
    expect(Object.keys(read.json?.['data'])).toEqual(Object.keys(read.json?.['data']).sort());

    await h.call('update', 'auth/token/roles/api', {});
    const list = await h.call('list', 'auth/token/roles/');
    expect(list.json?.['data']).toEqual({ keys: ['api', 'web'] });

    expect((await h.call('delete', 'auth/token/roles/web')).status).toBe(204);
    expect((await h.call('read', 'auth/token/roles/web')).status).toBe(404);
    await h.call('delete', 'auth/token/roles/api');
    const empty = await h.call('list', 'auth/token/roles/');
    expect(empty).toMatchObject({ status: 404, json: { errors: [] } });
  });

  it('an update keeps fields it is not given; renewable defaults to true only on create', async () => {
    const h = new TokenHarness();
    await h.call('update', 'auth/token/roles/r', { renewable: false, orphan: true, allowed_policies: ['a'] });
    await h.call('update', 'auth/token/roles/r', { path_suffix: 'v1.0' });
    const data = (await h.call('read', 'auth/token/roles/r')).json?.['data'];
    expect(data).toMatchObject({ renewable: false, orphan: true, allowed_policies: ['a'], path_suffix: 'v1.0' });
  });

  it('legacy period/explicit_max_ttl fill the token_ fields; both given warns and keeps token_', async () => {
    const h = new TokenHarness();
    await h.call('update', 'auth/token/roles/legacy', { period: '1h', explicit_max_ttl: 7200 });
    expect((await h.call('read', 'auth/token/roles/legacy')).json?.['data']).toMatchObject({
      period: 3600,
      token_period: 3600,
      explicit_max_ttl: 7200,
      token_explicit_max_ttl: 7200,
    });
    const both = await h.call('update', 'auth/token/roles/both', { period: '1h', token_period: '2h' });
    expect(both.status).toBe(200);
    expect(both.json?.['warnings']).toEqual([
      "Both 'token_period' and deprecated 'period' value supplied, ignoring the deprecated value",
    ]);
    expect((await h.call('read', 'auth/token/roles/both')).json?.['data']).toMatchObject({
      period: 0,
      token_period: 7200,
    });
  });

  it('token_num_uses and bound CIDRs are shown only when set', async () => {
    const h = new TokenHarness();
    await h.call('update', 'auth/token/roles/r', { token_num_uses: 3, token_bound_cidrs: '10.0.0.0/8,127.0.0.1' });
    const data = (await h.call('read', 'auth/token/roles/r')).json?.['data'];
    expect(data.token_num_uses).toBe(3);
    expect(data.token_bound_cidrs).toEqual(['10.0.0.0/8', '127.0.0.1']);
    const bad = await h.call('update', 'auth/token/roles/r', { token_bound_cidrs: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.json?.['errors'][0]).toContain('error parsing role fields: error parsing address "nope"');
  });

  it('rejects bad path suffixes and token types, and batch roles that are not orphan and non-renewable', async () => {
    const h = new TokenHarness();
    const parentRef = await h.call('update', 'auth/token/roles/r', { path_suffix: 'a..b' });
    expect(parentRef.json).toEqual({
      errors: ['error registering path suffix: path cannot contain parent references'],
    });
    const badSuffix = await h.call('update', 'auth/token/roles/r', { path_suffix: '!!' });
    expect(badSuffix.json?.['errors'][0]).toContain('given role path suffix contains invalid characters');
    const badType = await h.call('update', 'auth/token/roles/r', { token_type: 'weird' });
    expect(badType.json).toEqual({ errors: ['invalid \'token_type\' value "weird"'] });
    const notOrphan = await h.call('update', 'auth/token/roles/r', { token_type: 'batch', renewable: false });
    expect(notOrphan.json).toEqual({
      errors: ["'token_type' cannot be 'batch' when role is set to generate non-orphan tokens"],
    });
    const renewable = await h.call('update', 'auth/token/roles/r', { token_type: 'batch', orphan: true });
    expect(renewable.json).toEqual({
      errors: ["'token_type' cannot be 'batch' when role is set to generate renewable tokens"],
    });
    const ok = await h.call('update', 'auth/token/roles/r', { token_type: 'batch', orphan: true, renewable: false });
    expect(ok.status).toBe(204);
  });

  it('an explicit max above the mount max is accepted with a warning', async () => {
    const h = new TokenHarness({ tokenMount: { maxLeaseTTL: 3600 } });
    const res = await h.call('update', 'auth/token/roles/r', { token_explicit_max_ttl: 7200 });
    expect(res.status).toBe(200);
    expect(res.json?.['warnings'][0]).toContain(
      'Given explicit max TTL of 7200 is greater than system/mount allowed value of 3600 seconds',
    );
  });
});

describe('auth/token/create/<role>', () => {
  it('an unknown role is refused', async () => {
    const h = new TokenHarness();
    const res = await h.call('update', 'auth/token/create/nope', {});
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ errors: ['unknown role nope'] });
  });

  it('with no policies requested the token gets the allowed policies plus default, ignoring the parent’s', async () => {
    const h = new TokenHarness();
    await h.call('update', 'auth/token/roles/web', { allowed_policies: ['web', 'db'] });
    const parent = await h.createToken({ policies: ['other'] });
    const res = await h.call('update', 'auth/token/create/web', {}, parent);
    expect(res.status).toBe(200);
    expect(res.json?.['auth'].policies).toEqual(['db', 'default', 'web']);
  });

  it('requested policies must be within the allowed ones or their globs', async () => {
    const h = new TokenHarness();
    await h.call('update', 'auth/token/roles/web', { allowed_policies: ['web'], allowed_policies_glob: ['team-*'] });
    const ok = await h.call('update', 'auth/token/create/web', { policies: ['team-a'] });
    expect(ok.json?.['auth'].policies).toEqual(['default', 'team-a']);
    const denied = await h.call('update', 'auth/token/create/web', { policies: ['admin'] });
    expect(denied.status).toBe(400);
    expect(denied.json).toEqual({
      errors: [
        'token policies (["admin" "default"]) must be subset of the role\'s allowed policies (["default" "web"]) or glob policies (["team-*"])',
      ],
    });
  });

  it('disallowed policies are refused, and a disallowed default is not added', async () => {
    const h = new TokenHarness();
    await h.call('update', 'auth/token/roles/r', { disallowed_policies: ['admin', 'default'] });
    const parent = await h.createToken({ policies: ['admin', 'app'] });
    const denied = await h.call('update', 'auth/token/create/r', { policies: ['admin'] }, parent);
    expect(denied.json).toEqual({ errors: ['token policy "admin" is disallowed by this role'] });
    const ok = await h.call('update', 'auth/token/create/r', { policies: ['app'] }, parent);
    expect(ok.json?.['auth'].policies).toEqual(['app']);
  });

  it('a role without policy lists behaves like a plain create: the parent’s policies, default only if it has it', async () => {
    // Vault's handleCreateCommon falls through to the "inherit parent" case here (vault-api.md says "+ default").
    const h = new TokenHarness();
    await h.call('update', 'auth/token/roles/plain', {});
    const parent = await h.createToken({ policies: ['app'], no_default_policy: true });
    const res = await h.call('update', 'auth/token/create/plain', {}, parent);
    expect(res.json?.['auth'].policies).toEqual(['app']);
    const subset = await h.call('update', 'auth/token/create/plain', { policies: ['admin'] }, parent);
    expect(subset.json).toEqual({ errors: ['child policies must be subset of parent'] });
  });

  it('a path suffix needs at least three name characters, as Vault’s pattern demands', async () => {
    const h = new TokenHarness();
    const short = await h.call('update', 'auth/token/roles/r', { path_suffix: 'v2' });
    expect(short.json).toEqual({
      errors: ['given role path suffix contains invalid characters; must match \\w[\\w-.]+\\w'],
    });
  });

  it('an orphan role makes orphans without sudo; the path carries role and suffix; lookup shows the role', async () => {
    const h = new TokenHarness();
    await h.call('update', 'auth/token/roles/worker', {
      orphan: true,
      path_suffix: 'rev-2',
      allowed_policies: ['app'],
    });
    const parent = await h.createToken({ policies: ['app'] });
    const res = await h.call('update', 'auth/token/create/worker', {}, parent);
    expect(res.json?.['auth'].orphan).toBe(true);
    const data = (await h.lookupSelf(res.json?.['auth'].client_token)).json?.['data'];
    expect(data.path).toBe('auth/token/create/worker/rev-2');
    expect(data.role).toBe('worker');
    expect(data.orphan).toBe(true);
  });

  it('a non-renewable role makes non-renewable tokens; token_num_uses is a minimum-of', async () => {
    const h = new TokenHarness();
    await h.call('update', 'auth/token/roles/r', { renewable: false, token_num_uses: 3 });
    const a = await h.call('update', 'auth/token/create/r', { policies: ['default'] });
    expect(a.json?.['auth'].renewable).toBe(false);
    expect(a.json?.['auth'].num_uses).toBe(3);
    const b = await h.call('update', 'auth/token/create/r', { policies: ['default'], num_uses: 2 });
    expect(b.json?.['auth'].num_uses).toBe(2);
    const c = await h.call('update', 'auth/token/create/r', { policies: ['default'], num_uses: 10 });
    expect(c.json?.['auth'].num_uses).toBe(3);
  });

  it('the role’s period and explicit max win when smaller, with a warning when both set them', async () => {
    const h = new TokenHarness();
    await h.call('update', 'auth/token/roles/r', { token_period: '1h', token_explicit_max_ttl: '10h' });
    const fromRole = await h.call('update', 'auth/token/create/r', { policies: ['default'] });
    expect(fromRole.json?.['auth'].lease_duration).toBe(3600);
    expect(fromRole.json?.['warnings']).toBeNull();

    const both = await h.call('update', 'auth/token/create/r', {
      policies: ['default'],
      period: '2h',
      explicit_max_ttl: '5h',
    });
    expect(both.json?.['auth'].lease_duration).toBe(3600);
    expect(both.json?.['warnings']).toEqual([
      'Explicit max TTL specified both during creation call and in role; using the lesser value of 18000 seconds',
      'Period specified both during creation call and in role; using the lesser value of 3600 seconds',
    ]);
  });

  it('a batch role issues batch tokens', async () => {
    const h = new TokenHarness();
    await h.call('update', 'auth/token/roles/b', { token_type: 'batch', orphan: true, renewable: false });
    const res = await h.call('update', 'auth/token/create/b', { policies: ['default'] });
    expect(res.json?.['auth'].token_type).toBe('batch');
    expect(res.json?.['auth'].orphan).toBe(true);
  });

  it('entity_alias must be allowed by the role and gives the token an entity', async () => {
    const h = new TokenHarness();
    await h.call('update', 'auth/token/roles/r', { allowed_entity_aliases: ['Svc-*'] });
    const denied = await h.call('update', 'auth/token/create/r', { entity_alias: 'other', policies: ['default'] });
    expect(denied.json).toEqual({ errors: ["invalid 'entity_alias' value"] });
    const a = await h.call('update', 'auth/token/create/r', { entity_alias: 'svc-a', policies: ['default'] });
    const b = await h.call('update', 'auth/token/create/r', { entity_alias: 'svc-a', policies: ['default'] });
    expect(a.json?.['auth'].entity_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.json?.['auth'].entity_id).toBe(a.json?.['auth'].entity_id);
  });
});
