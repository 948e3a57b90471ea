import { describe, expect, it } from 'vitest';
import { DAY, TokenHarness } from './token-test-support.js';

describe('auth/token/renew*', () => {
  it('renew-self with an increment sets the TTL to it and answers with the auth block', async () => {
    const h = new TokenHarness();
    const token = await h.createToken({ policies: ['default'], ttl: '1h' });
    h.advance(600);
    const res = await h.call('update', 'auth/token/renew-self', { increment: '2h' }, token);
    expect(res.status).toBe(200);
    expect(res.json?.['data']).toBeNull();
    expect(res.json?.['auth']).toMatchObject({
      client_token: token,
      lease_duration: 7200,
      renewable: true,
      policies: ['default'],
    });
    expect(res.json?.['warnings']).toBeNull();
  });

  it('renewal without an increment reuses the previous TTL', async () => {
    const h = new TokenHarness();
    const token = await h.createToken({ policies: ['default'], ttl: '30m' });
    h.advance(1000);
    const res = await h.call('update', 'auth/token/renew', { token });
    expect(res.json?.['auth'].lease_duration).toBe(1800);
    const lookup = (await h.lookupSelf(token)).json?.['data'];
    expect(lookup.ttl).toBe(1800);
    expect(lookup.creation_ttl).toBe(1800);
  });

  it('renewal is capped by the explicit max TTL from issue time, then fails once it is reached', async () => {
    const h = new TokenHarness();
    const token = await h.createToken({ policies: ['default'], ttl: '1h', explicit_max_ttl: '2h' });
    h.advance(1800);
    const capped = await h.call('update', 'auth/token/renew', { token, increment: '2h' });
    expect(capped.json?.['auth'].lease_duration).toBe(5400);
    expect(capped.json?.['warnings']).toHaveLength(1);
    expect(capped.json?.['warnings'][0]).toContain('TTL value is capped accordingly');
    h.advance(5400);
    // Now the token has expired with its lease.
    const after = await h.call('update', 'auth/token/renew', { token });
    expect(after.json).toEqual({ errors: ['token not found'] });
  });

  it('a periodic token renews to its period forever, ignoring the increment and the mount max', async () => {
    const h = new TokenHarness();
    const token = await h.createToken({ policies: ['default'], period: '1h' });
    for (let i = 0; i < 40 * 24; i++) {
      h.advance(3500);
      const res = await h.call('update', 'auth/token/renew-self', { increment: '10h' }, token);
      expect(res.json?.['auth'].lease_duration).toBe(3600);
    }
    expect(h.alive(token)).toBe(true);
  });

  it('a role’s periodic token renews to the role’s current period', async () => {
    const h = new TokenHarness();
    await h.call('update', 'auth/token/roles/p', { token_period: '1h' });
    const token = await h.createToken({ policies: ['default'] }, undefined, 'auth/token/create/p');
    await h.call('update', 'auth/token/roles/p', { token_period: '30m' });
    const res = await h.call('update', 'auth/token/renew', { token });
    expect(res.json?.['auth'].lease_duration).toBe(1800);

    await h.call('delete', 'auth/token/roles/p');
    const gone = await h.call('update', 'auth/token/renew', { token });
    expect(gone.status).toBe(500);
    expect(gone.json?.['errors'][0]).toContain('original token role "p" could not be found, not renewing');
  });

  it('lookup after a renewal shows last_renewal_time and last_renewal', async () => {
    const h = new TokenHarness();
    const token = await h.createToken({ policies: ['default'], ttl: '1h' });
    const before = (await h.lookupSelf(token)).json?.['data'];
    expect(before).not.toHaveProperty('last_renewal_time');
    h.advance(60);
    await h.call('update', 'auth/token/renew-self', {}, token);
    const after = (await h.lookupSelf(token)).json?.['data'];
    expect(after.last_renewal_time).toBe(Math.floor(h.time / 1000));
    expect(after.last_renewal).toBe('2024-01-01T00:01:00.25Z');
  });

  it('a non-renewable token and a non-expiring root token refuse renewal; the dev root has no lease at all', async () => {
    const h = new TokenHarness();
    const fixed = await h.createToken({ policies: ['default'], renewable: false });
    const a = await h.call('update', 'auth/token/renew', { token: fixed });
    expect(a.status).toBe(400);
    expect(a.json).toEqual({ errors: ['lease is not renewable'] });

    const root = await h.createToken({});
    const b = await h.call('update', 'auth/token/renew', { token: root });
    expect(b.json).toEqual({ errors: ['lease is not renewable'] });

    const dev = await h.call('update', 'auth/token/renew-self', {});
    expect(dev.json).toEqual({ errors: ['invalid lease ID'] });
  });

  it('renewing an unknown or missing token is a 400', async () => {
    const h = new TokenHarness();
    expect((await h.call('update', 'auth/token/renew', { token: 'hvs.nope' })).json).toEqual({
      errors: ['token not found'],
    });
    expect((await h.call('update', 'auth/token/renew', {})).json).toEqual({ errors: ['missing token ID'] });
  });

  it('renew-accessor renews without revealing the token', async () => {
    const h = new TokenHarness();
    const created = await h.call('update', 'auth/token/create', { policies: ['default'], ttl: '1h' });
    h.advance(100);
    const res = await h.call('update', 'auth/token/renew-accessor', {
      accessor: created.json?.['auth'].accessor,
      increment: 900,
    });
    expect(res.status).toBe(200);
    expect(res.json?.['auth'].client_token).toBe('');
    expect(res.json?.['auth'].accessor).toBe(created.json?.['auth'].accessor);
    expect(res.json?.['auth'].lease_duration).toBe(900);
    const unknown = await h.call('update', 'auth/token/renew-accessor', { accessor: 'nope' });
    expect(unknown.json).toEqual({ errors: ['1 error occurred:\n\t* invalid accessor\n\n'] });
  });

  it('a login token from another auth mount is re-validated by that backend and gets its TTLs', async () => {
    const h = new TokenHarness();
    const prefix = h.mountAuth('approle', (auth) => ({ ...auth, ttl: 600, maxTTL: 1800, period: 0 }));
    const entry = h.tokens.create({
      parent: '',
      policies: ['default', 'svc'],
      path: 'auth/approle/login',
      mountPoint: prefix,
      displayName: 'approle',
      ttl: 600,
      maxTTL: 1800,
      renewable: true,
      auth: {
        policies: ['svc'],
        metadata: { role_name: 'svc' },
        displayName: '',
        ttl: 600,
        maxTTL: 1800,
        explicitMaxTTL: 0,
        period: 0,
        numUses: 0,
        renewable: true,
        noDefaultPolicy: false,
        boundCidrs: [],
        tokenType: 'default',
      },
    });
    h.advance(300);
    const first = await h.call('update', 'auth/token/renew-self', { increment: '1h' }, entry.id);
    expect(first.json?.['auth'].lease_duration).toBe(1500);
    expect(first.json?.['warnings'][0]).toContain('TTL value is capped accordingly');
    h.advance(1000);
    const second = await h.call('update', 'auth/token/renew-self', {}, entry.id);
    expect(second.json?.['auth'].lease_duration).toBe(500);
  });

  it('a login backend that refuses renewal fails the request', async () => {
    const h = new TokenHarness();
    const prefix = h.mountAuth('approle', () => {
      throw new Error('role "gone" does not exist during renewal');
    });
    const entry = h.tokens.create({
      parent: '',
      policies: ['default'],
      path: 'auth/approle/login',
      mountPoint: prefix,
      displayName: 'approle',
      ttl: 600,
      renewable: true,
    });
    const res = await h.call('update', 'auth/token/renew-self', {}, entry.id);
    expect(res.status).toBe(500);
    expect(res.json?.['errors'][0]).toContain('failed to renew entry: role "gone" does not exist during renewal');
  });

  it('the default TTL is the mount’s; renewals stop growing at the mount max', async () => {
    const h = new TokenHarness({ tokenMount: { defaultLeaseTTL: DAY, maxLeaseTTL: 2 * DAY } });
    const token = await h.createToken({ policies: ['default'] });
    expect((await h.lookupSelf(token)).json?.['data'].creation_ttl).toBe(DAY);
    h.advance(DAY - 3600);
    const first = await h.call('update', 'auth/token/renew-self', {}, token);
    expect(first.json?.['auth'].lease_duration).toBe(DAY);
    h.advance(DAY - 100);
    const second = await h.call('update', 'auth/token/renew-self', {}, token);
    expect(second.json?.['auth'].lease_duration).toBe(3700);
    expect(second.json?.['warnings'][0]).toContain('TTL value is capped accordingly');
  });
});
