import { describe, expect, it } from 'vitest';
import { CUSTOM_ID_WARNING } from './path-create.js';
import { DEFAULT_TTL, TokenHarness } from './token-test-support.js';

describe('auth/token/create', () => {
  it('a root parent without policies creates a root token that never expires and is not renewable', async () => {
    const h = new TokenHarness();
    const res = await h.call('update', 'auth/token/create', {});
    expect(res.status).toBe(200);
    expect(res.json?.['data']).toBeNull();
    const auth = res.json?.['auth'];
    expect(auth.client_token).toMatch(/^hvs\.[A-Za-z0-9]{24}$/);
    expect(auth.accessor).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(auth.policies).toEqual(['root']);
    expect(auth.token_policies).toEqual(['root']);
    expect(auth.lease_duration).toBe(0);
    expect(auth.renewable).toBe(false);
    expect(auth.orphan).toBe(false);
    expect(auth.token_type).toBe('service');
    expect(auth.metadata).toBeNull();
    expect(res.json?.['warnings']).toBeNull();
  });

  it('requested policies get default added, the mount default TTL and a warning per unknown policy', async () => {
    const h = new TokenHarness();
    h.policyNames.add('known');
    const res = await h.call('update', 'auth/token/create', { policies: ['App', 'known'] });
    expect(res.status).toBe(200);
    expect(res.json?.['auth'].policies).toEqual(['app', 'default', 'known']);
    expect(res.json?.['auth'].lease_duration).toBe(DEFAULT_TTL);
    expect(res.json?.['auth'].renewable).toBe(true);
    expect(res.json?.['warnings']).toEqual(['Policy "app" does not exist']);
  });

  it('policies given as a string are one policy name, as Vault treats a non-array value', async () => {
    const h = new TokenHarness();
    const res = await h.call('update', 'auth/token/create', { policies: 'a,b' });
    expect(res.json?.['auth'].policies).toEqual(['a,b', 'default']);
  });

  it('a non-sudo caller may only request a subset of its own policies', async () => {
    const h = new TokenHarness();
    const parent = await h.createToken({ policies: ['app', 'other'] });
    const denied = await h.call('update', 'auth/token/create', { policies: ['admin'] }, parent);
    expect(denied.status).toBe(400);
    expect(denied.json).toEqual({ errors: ['child policies must be subset of parent'] });

    const ok = await h.call('update', 'auth/token/create', { policies: ['app'] }, parent);
    expect(ok.status).toBe(200);
    // The parent has default, so the child gets it too.
    expect(ok.json?.['auth'].policies).toEqual(['app', 'default']);
  });

  it('a child without requested policies inherits the parent’s, with default only if the parent has it', async () => {
    const h = new TokenHarness();
    const withDefault = await h.createToken({ policies: ['app'] });
    const noDefault = await h.createToken({ policies: ['app'], no_default_policy: true });
    const a = await h.call('update', 'auth/token/create', {}, withDefault);
    const b = await h.call('update', 'auth/token/create', {}, noDefault);
    expect(a.json?.['auth'].policies).toEqual(['app', 'default']);
    expect(b.json?.['auth'].policies).toEqual(['app']);
  });

  it('no_default_policy strips default even when asked for explicitly', async () => {
    const h = new TokenHarness();
    const res = await h.call('update', 'auth/token/create', { policies: ['app', 'default'], no_default_policy: true });
    expect(res.json?.['auth'].policies).toEqual(['app']);
  });

  it('a sudo caller may grant policies it does not hold, but only a root parent can grant root', async () => {
    const h = new TokenHarness();
    const sudoer = await h.createToken({ policies: ['ops'] });
    const ok = await h.call('update', 'auth/token/create', { policies: ['admin'] }, sudoer, { sudo: true });
    expect(ok.json?.['auth'].policies).toEqual(['admin', 'default']);

    const root = await h.call('update', 'auth/token/create', { policies: ['root'] }, sudoer, { sudo: true });
    expect(root.status).toBe(400);
    expect(root.json).toEqual({ errors: ['root tokens may not be created without parent token being root'] });
  });

  it('a non-sudo caller cannot create an orphan with no_parent, but can through create-orphan', async () => {
    const h = new TokenHarness();
    const parent = await h.createToken({ policies: ['app'] });
    const denied = await h.call('update', 'auth/token/create', { no_parent: true }, parent);
    expect(denied.status).toBe(400);
    expect(denied.json).toEqual({ errors: ['root or sudo privileges required to create orphan token'] });

    const orphan = await h.call('update', 'auth/token/create-orphan', {}, parent);
    expect(orphan.status).toBe(200);
    expect(orphan.json?.['auth'].orphan).toBe(true);

    const sudoOrphan = await h.call('update', 'auth/token/create', { no_parent: true });
    expect(sudoOrphan.json?.['auth'].orphan).toBe(true);
  });

  it('a non-sudo caller cannot create a periodic token or choose the token id', async () => {
    const h = new TokenHarness();
    const parent = await h.createToken({ policies: ['app'] });
    const periodic = await h.call('update', 'auth/token/create', { period: '1h' }, parent);
    expect(periodic.status).toBe(400);
    expect(periodic.json).toEqual({ errors: ['root or sudo privileges required to create periodic token'] });
    const custom = await h.call('update', 'auth/token/create', { id: 'mytoken' }, parent);
    expect(custom.status).toBe(400);
    expect(custom.json).toEqual({ errors: ['root or sudo privileges required to specify token id'] });
  });

  it('a custom id is used as is, warns about SHA1, and may not contain a dot or repeat an existing token', async () => {
    const h = new TokenHarness();
    const res = await h.call('update', 'auth/token/create', { id: 'my-custom-token', policies: ['app'] });
    expect(res.status).toBe(200);
    expect(res.json?.['auth'].client_token).toBe('my-custom-token');
    expect(res.json?.['warnings']).toEqual([CUSTOM_ID_WARNING, 'Policy "app" does not exist']);

    const dup = await h.call('update', 'auth/token/create', { id: 'my-custom-token' });
    expect(dup.json).toEqual({ errors: ['cannot create a token with a duplicate ID'] });
    const dotted = await h.call('update', 'auth/token/create', { id: 'a.b' });
    expect(dotted.json).toEqual({ errors: ["custom token ID cannot have a '.' in the value"] });
    const prefixed = await h.call('update', 'auth/token/create', { id: 'hvs.abc' });
    expect(prefixed.json).toEqual({ errors: ["custom token ID cannot have the 'hvs.' prefix"] });
  });

  it('a use-limited parent cannot create children', async () => {
    const h = new TokenHarness();
    const limited = await h.createToken({ policies: ['app'], num_uses: 5 });
    const res = await h.call('update', 'auth/token/create', {}, limited);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ errors: ['restricted use token cannot generate child tokens'] });
  });

  it('explicit_max_ttl caps the TTL with a warning', async () => {
    const h = new TokenHarness();
    const res = await h.call('update', 'auth/token/create', {
      ttl: '2h',
      explicit_max_ttl: '1h',
      policies: ['default'],
    });
    expect(res.json?.['auth'].lease_duration).toBe(3600);
    expect(res.json?.['warnings']).toHaveLength(1);
    expect(res.json?.['warnings'][0]).toMatch(
      /^TTL of ".*" exceeded the effective max_ttl of ".*"; TTL value is capped accordingly$/,
    );
  });

  it('ttl accepts seconds, numeric strings and Go durations, and the legacy lease field', async () => {
    const h = new TokenHarness();
    for (const [ttl, expected] of [
      [300, 300],
      ['300', 300],
      ['5m', 300],
      ['1h30m', 5400],
      ['2d', 2 * 86400],
    ] as const) {
      const res = await h.call('update', 'auth/token/create', { ttl, policies: ['default'] });
      expect(res.json?.['auth'].lease_duration).toBe(expected);
    }
    const legacy = await h.call('update', 'auth/token/create', { lease: '10m', policies: ['default'] });
    expect(legacy.json?.['auth'].lease_duration).toBe(600);
    const bad = await h.call('update', 'auth/token/create', { ttl: 'soon', policies: ['default'] });
    expect(bad.status).toBe(400);
    const negative = await h.call('update', 'auth/token/create', { ttl: '-5', policies: ['default'] });
    expect(negative.json).toEqual({ errors: ['ttl must be positive'] });
  });

  it('a TTL above the mount max is capped to the mount max', async () => {
    const h = new TokenHarness({ tokenMount: { maxLeaseTTL: 7200 } });
    const res = await h.call('update', 'auth/token/create', { ttl: '5h', policies: ['default'] });
    expect(res.json?.['auth'].lease_duration).toBe(7200);
    expect(res.json?.['warnings'][0]).toContain('TTL value is capped accordingly');
  });

  it('a root token with a TTL expires, and an expiring root token cannot make a non-expiring one', async () => {
    const h = new TokenHarness();
    const expiringRoot = await h.call('update', 'auth/token/create', { ttl: '1h' });
    expect(expiringRoot.json?.['auth'].policies).toEqual(['root']);
    expect(expiringRoot.json?.['auth'].lease_duration).toBe(3600);
    expect(expiringRoot.json?.['auth'].renewable).toBe(true);
    const child = await h.call('update', 'auth/token/create', {}, expiringRoot.json?.['auth'].client_token);
    expect(child.status).toBe(400);
    expect(child.json).toEqual({ errors: ['expiring root tokens cannot create non-expiring root tokens'] });
  });

  it('display_name becomes token-<sanitized name>; the default is token', async () => {
    const h = new TokenHarness();
    const named = await h.createToken({ display_name: 'my app!', policies: ['default'] });
    const plain = await h.createToken({ policies: ['default'] });
    expect((await h.lookupSelf(named)).json?.['data'].display_name).toBe('token-my-app');
    expect((await h.lookupSelf(plain)).json?.['data'].display_name).toBe('token');
  });

  it('meta is kept as given; absent meta is null and an empty map stays empty', async () => {
    const h = new TokenHarness();
    const res = await h.call('update', 'auth/token/create', { meta: { team: 'core', n: 5 }, policies: ['default'] });
    expect(res.json?.['auth'].metadata).toEqual({ team: 'core', n: '5' });
    const none = await h.createToken({ policies: ['default'] });
    expect((await h.lookupSelf(none)).json?.['data'].meta).toBeNull();
    const empty = await h.createToken({ policies: ['default'], meta: {} });
    expect((await h.lookupSelf(empty)).json?.['data'].meta).toEqual({});
  });

  it('renewable=false is honoured and negative num_uses refused', async () => {
    const h = new TokenHarness();
    const res = await h.call('update', 'auth/token/create', { renewable: false, policies: ['default'] });
    expect(res.json?.['auth'].renewable).toBe(false);
    const neg = await h.call('update', 'auth/token/create', { num_uses: -1, policies: ['default'] });
    expect(neg.json).toEqual({ errors: ['number of uses cannot be negative'] });
  });

  it('internal policies cannot be assigned', async () => {
    const h = new TokenHarness();
    const res = await h.call('update', 'auth/token/create', { policies: ['response-wrapping'] });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ errors: ['cannot assign policy "response-wrapping"'] });
  });

  it('an invalid type is refused and entity_alias needs a role', async () => {
    const h = new TokenHarness();
    const badType = await h.call('update', 'auth/token/create', { type: 'weird' });
    expect(badType.json).toEqual({ errors: ["invalid 'token_type' value"] });
    const alias = await h.call('update', 'auth/token/create', { entity_alias: 'bob' });
    expect(alias.json).toEqual({ errors: ["'entity_alias' is only allowed in combination with token role"] });
  });

  it('unknown parameters are ignored with a warning', async () => {
    const h = new TokenHarness();
    const res = await h.call('update', 'auth/token/create', { policies: ['default'], bogus: 1 });
    expect(res.status).toBe(200);
    expect(res.json?.['warnings']).toEqual(['Endpoint ignored these unrecognized parameters: [bogus]']);
  });

  describe('batch tokens', () => {
    it('are hvb.-prefixed, have no accessor and are not renewable', async () => {
      const h = new TokenHarness();
      const res = await h.call('update', 'auth/token/create', { type: 'batch', policies: ['default'], ttl: '10m' });
      expect(res.status).toBe(200);
      const auth = res.json?.['auth'];
      expect(auth.client_token).toMatch(/^hvb\./);
      expect(auth.accessor).toBe('');
      expect(auth.renewable).toBe(false);
      expect(auth.token_type).toBe('batch');
      expect(auth.lease_duration).toBe(600);
    });

    it('cannot carry num_uses, a period or an explicit max TTL, and cannot be root', async () => {
      const h = new TokenHarness();
      const uses = await h.call('update', 'auth/token/create', { type: 'batch', num_uses: 3 });
      expect(uses.json).toEqual({ errors: ['batch tokens cannot have "num_uses" set'] });
      const period = await h.call('update', 'auth/token/create', { type: 'batch', period: '1h' });
      expect(period.json).toEqual({ errors: ['batch tokens cannot have "period" set'] });
      const max = await h.call('update', 'auth/token/create', { type: 'batch', explicit_max_ttl: '1h' });
      expect(max.json).toEqual({ errors: ['batch tokens cannot have "explicit_max_ttl" set'] });
      const root = await h.call('update', 'auth/token/create', { type: 'batch' });
      expect(root.json).toEqual({ errors: ['batch tokens cannot be root tokens'] });
    });

    it('cannot create tokens, be renewed or be revoked, and die with their parent', async () => {
      const h = new TokenHarness();
      const parent = await h.createToken({ policies: ['app'] });
      const batch = await h.createToken({ type: 'batch', policies: ['app'] }, parent);
      const child = await h.call('update', 'auth/token/create', {}, batch);
      expect(child.json).toEqual({ errors: ['batch tokens cannot create more tokens'] });
      const renew = await h.call('update', 'auth/token/renew', { token: batch });
      expect(renew.json).toEqual({ errors: ['batch tokens cannot be renewed'] });
      const revoke = await h.call('update', 'auth/token/revoke', { token: batch });
      expect(revoke.json).toEqual({ errors: ['batch tokens cannot be revoked'] });

      expect(h.alive(batch)).toBe(true);
      await h.call('update', 'auth/token/revoke', { token: parent });
      expect(h.alive(batch)).toBe(false);
    });
  });
});
