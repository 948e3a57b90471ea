import { describe, expect, it } from 'vitest';
import { TokenHarness } from '../../builtin/credential/token/token-test-support.js';
import { LEASE_TIDY_WARNING } from './leases.js';

/** Creates a token as root and returns it with its lease id. */
async function tokenWithLease(h: TokenHarness, data: Record<string, unknown> = {}, path = 'auth/token/create') {
  const token = await h.createToken({ policies: ['default'], ...data }, undefined, path);
  const entry = h.tokens.lookup(token);
  if (!entry) throw new Error('token vanished');
  return { token, leaseId: h.tokens.leaseIdOf(entry) };
}

describe('sys/leases/lookup', () => {
  it('looks up a token lease: id, issue and expiry times, renewability and TTL', async () => {
    const h = new TokenHarness();
    const { leaseId } = await tokenWithLease(h, { ttl: '1h' });
    expect(leaseId).toMatch(/^auth\/token\/create\/h[0-9a-f]{64}$/);
    h.advance(60);
    const res = await h.call('update', 'sys/leases/lookup', { lease_id: leaseId });
    expect(res.status).toBe(200);
    expect(res.json?.['data']).toEqual({
      expire_time: '2024-01-01T01:00:00.25Z',
      id: leaseId,
      issue_time: '2024-01-01T00:00:00.25Z',
      last_renewal: null,
      renewable: true,
      ttl: 3540,
    });
  });

  it('a missing lease_id and an unknown lease are 400s', async () => {
    const h = new TokenHarness();
    const missing = await h.call('update', 'sys/leases/lookup', {});
    expect(missing).toMatchObject({ status: 400, json: { errors: ['lease_id must be specified'] } });
    const unknown = await h.call('update', 'sys/leases/lookup', { lease_id: 'auth/token/create/nope' });
    expect(unknown).toMatchObject({ status: 400, json: { errors: ['invalid lease'] } });
  });

  it('shows last_renewal after the token is renewed', async () => {
    const h = new TokenHarness();
    const { token, leaseId } = await tokenWithLease(h, { ttl: '1h' });
    h.advance(120);
    await h.call('update', 'auth/token/renew', { token });
    const data = (await h.call('update', 'sys/leases/lookup', { lease_id: leaseId })).json?.['data'];
    expect(data.last_renewal).toBe('2024-01-01T00:02:00.25Z');
    expect(data.ttl).toBe(3600);
  });

  it('LIST by prefix returns the lease id suffixes and sub-folders; it needs sudo; empty is 404', async () => {
    const h = new TokenHarness();
    await h.call('update', 'auth/token/roles/web', {});
    const a = await tokenWithLease(h);
    const b = await tokenWithLease(h, {}, 'auth/token/create/web');

    const top = await h.call('list', 'sys/leases/lookup/auth/token/');
    expect(top.json?.['data'].keys).toEqual(['create/']);
    const create = await h.call('list', 'sys/leases/lookup/auth/token/create/');
    expect(create.json?.['data'].keys).toEqual([a.leaseId.split('/').pop(), 'web/'].sort());
    const role = await h.call('list', 'sys/leases/lookup/auth/token/create/web/');
    expect(role.json?.['data'].keys).toEqual([b.leaseId.split('/').pop()]);

    const empty = await h.call('list', 'sys/leases/lookup/auth/approle/');
    expect(empty).toMatchObject({ status: 404, json: { errors: [] } });

    const caller = await h.createToken({ policies: ['app'] });
    expect((await h.call('list', 'sys/leases/lookup/auth/token/', null, caller)).status).toBe(403);
  });

  it('the dev root token has no lease to list', async () => {
    const h = new TokenHarness();
    const res = await h.call('list', 'sys/leases/lookup/auth/token/');
    expect(res.status).toBe(404);
  });
});

describe('sys/leases/renew', () => {
  it('refuses token leases: tokens renew through auth/token/renew*', async () => {
    const h = new TokenHarness();
    const { leaseId } = await tokenWithLease(h, { ttl: '1h' });
    const res = await h.call('update', 'sys/leases/renew', { lease_id: leaseId, increment: '1h' });
    expect(res).toMatchObject({ status: 400, json: { errors: ['tokens cannot be renewed through this endpoint'] } });
    const legacy = await h.call('update', `sys/renew/${leaseId}`, {});
    expect(legacy.json).toEqual({ errors: ['tokens cannot be renewed through this endpoint'] });
  });

  it('an unknown lease is "lease not found", a non-renewable one "lease is not renewable"', async () => {
    const h = new TokenHarness();
    const unknown = await h.call('update', 'sys/leases/renew', { lease_id: 'database/creds/x/abc' });
    expect(unknown.json).toEqual({ errors: ['lease not found'] });
    const { leaseId } = await tokenWithLease(h, { renewable: false });
    const fixed = await h.call('update', 'sys/leases/renew', { lease_id: leaseId });
    expect(fixed.json).toEqual({ errors: ['lease is not renewable'] });
    const none = await h.call('update', 'sys/leases/renew', {});
    expect(none.json).toEqual({ errors: ['lease_id must be specified'] });
  });
});

describe('sys/leases/revoke', () => {
  it('revoking a token lease revokes the token and its children; sync by default answers 204', async () => {
    const h = new TokenHarness();
    const { token, leaseId } = await tokenWithLease(h);
    const child = await h.createToken({}, token);
    const res = await h.call('update', 'sys/leases/revoke', { lease_id: leaseId });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expect(h.alive(token)).toBe(false);
    expect(h.alive(child)).toBe(false);
  });

  it('sync=false answers 202 with no body', async () => {
    const h = new TokenHarness();
    const { token, leaseId } = await tokenWithLease(h);
    const res = await h.call('update', 'sys/leases/revoke', { lease_id: leaseId, sync: false });
    expect(res.status).toBe(202);
    expect(res.body).toBeUndefined();
    expect(h.alive(token)).toBe(false);
  });

  it('takes the lease id from the URL (legacy sys/revoke too); unknown ids are a 204', async () => {
    const h = new TokenHarness();
    const a = await tokenWithLease(h);
    const b = await tokenWithLease(h);
    expect((await h.call('update', `sys/leases/revoke/${a.leaseId}`, {})).status).toBe(204);
    expect((await h.call('update', `sys/revoke/${b.leaseId}`, {})).status).toBe(204);
    expect(h.alive(a.token)).toBe(false);
    expect(h.alive(b.token)).toBe(false);
    expect((await h.call('update', 'sys/leases/revoke', { lease_id: 'nope/nope' })).status).toBe(204);
    expect((await h.call('update', 'sys/leases/revoke', {})).json).toEqual({ errors: ['lease_id must be specified'] });
  });
});

describe('sys/leases/revoke-prefix and revoke-force', () => {
  it('revoke-prefix of a role’s creation path revokes only that role’s tokens', async () => {
    const h = new TokenHarness();
    await h.call('update', 'auth/token/roles/web', {});
    await h.call('update', 'auth/token/roles/api', {});
    const web = await tokenWithLease(h, {}, 'auth/token/create/web');
    const api = await tokenWithLease(h, {}, 'auth/token/create/api');
    const plain = await tokenWithLease(h);
    const res = await h.call('update', 'sys/leases/revoke-prefix/auth/token/create/web', {});
    expect(res.status).toBe(204);
    expect(h.alive(web.token)).toBe(false);
    expect(h.alive(api.token)).toBe(true);
    expect(h.alive(plain.token)).toBe(true);
  });

  it('a prefix is a path segment: auth/token/create does not reach create-orphan tokens', async () => {
    const h = new TokenHarness();
    const created = await tokenWithLease(h);
    const orphan = await tokenWithLease(h, {}, 'auth/token/create-orphan');
    await h.call('update', 'sys/leases/revoke-prefix/auth/token/create', {});
    expect(h.alive(created.token)).toBe(false);
    expect(h.alive(orphan.token)).toBe(true);
  });

  it('revoke-prefix can name a single lease exactly, answers 202 with sync=false, and needs sudo', async () => {
    const h = new TokenHarness();
    const a = await tokenWithLease(h);
    const b = await tokenWithLease(h);
    const res = await h.call('update', `sys/leases/revoke-prefix/${a.leaseId}`, { sync: false });
    expect(res.status).toBe(202);
    expect(h.alive(a.token)).toBe(false);
    expect(h.alive(b.token)).toBe(true);

    const caller = await h.createToken({ policies: ['app'] });
    const denied = await h.call('update', 'sys/leases/revoke-prefix/auth/token/', {}, caller);
    expect(denied.status).toBe(403);
  });

  it('revoke-prefix auth/token/ leaves the lease-less dev root token alone', async () => {
    const h = new TokenHarness();
    const a = await tokenWithLease(h);
    await h.call('update', 'sys/leases/revoke-prefix/auth/token/', {});
    expect(h.alive(a.token)).toBe(false);
    expect(h.alive(h.rootToken.id)).toBe(true);
  });

  it('revoke-force (and the legacy sys/revoke-prefix) revoke by prefix', async () => {
    const h = new TokenHarness();
    const a = await tokenWithLease(h);
    expect((await h.call('update', 'sys/leases/revoke-force/auth/token/create', {})).status).toBe(204);
    expect(h.alive(a.token)).toBe(false);
    const b = await tokenWithLease(h);
    expect((await h.call('update', 'sys/revoke-prefix/auth/token/create', {})).status).toBe(204);
    expect(h.alive(b.token)).toBe(false);
  });
});

describe('sys/leases/tidy and irrevocable leases', () => {
  it('tidy answers 202 with a warning', async () => {
    const h = new TokenHarness();
    const res = await h.call('update', 'sys/leases/tidy', {});
    expect(res.status).toBe(202);
    expect(res.json?.['warnings']).toEqual([LEASE_TIDY_WARNING]);
  });

  it('counts no irrevocable leases', async () => {
    const h = new TokenHarness();
    const res = await h.call('read', 'sys/leases/count', { type: 'irrevocable' });
    expect(res.json?.['data']).toEqual({ counts: {}, lease_count: 0 });
    expect((await h.call('read', 'sys/leases/count', {})).status).toBe(404);
  });
});
