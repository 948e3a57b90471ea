/**
 * §6 Leases (`sys/leases/*`) through real HTTP against a started vault-dev.
 * The only leases vault-dev hands out are token leases: a service token's
 * lease id is `<creation path>/h<salted id>`, found by listing
 * `sys/leases/lookup/<creation path>/` as root.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MULTI_INVALID_TOKEN, MULTI_PERMISSION_DENIED, useVaultDev } from './support/vault.js';

const ctx = useVaultDev();

beforeAll(async () => {
  await ctx.client.policy('pol-a', 'path "secret/data/a" { capabilities = ["read"] }');
  await ctx.client.policy(
    'creator',
    `path "auth/token/create" { capabilities = ["update"] }
     path "auth/token/create/*" { capabilities = ["update"] }`,
  );
  // Every root-protected lease endpoint, without sudo...
  await ctx.client.policy(
    'lease-admin',
    `path "sys/leases/lookup/*" { capabilities = ["list"] }
     path "sys/leases/revoke-prefix/*" { capabilities = ["update"] }
     path "sys/leases/revoke-force/*" { capabilities = ["update"] }`,
  );
  // ...and with it.
  await ctx.client.policy(
    'lease-admin-sudo',
    `path "sys/leases/lookup/*" { capabilities = ["list", "sudo"] }
     path "sys/leases/revoke-prefix/*" { capabilities = ["update", "sudo"] }
     path "sys/leases/revoke-force/*" { capabilities = ["update", "sudo"] }`,
  );
});

type Body = Record<string, unknown>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Lease id suffixes (and sub-folders) directly under `prefix/`, as root. */
async function leaseKeys(prefix: string): Promise<string[]> {
  const r = await ctx.client.list(`sys/leases/lookup/${prefix}`);
  return r.status === 200 ? (r.body.data.keys as string[]) : [];
}

/**
 * Creates a token at `path` (root as caller unless `token` is given) and finds
 * its lease id: the one new key under `sys/leases/lookup/<path>/`.
 */
async function tokenWithLease(
  body: Body = { policies: ['pol-a'] },
  path = 'auth/token/create',
  token?: string,
): Promise<{ token: string; leaseId: string }> {
  const before = await leaseKeys(path);
  const r = await ctx.client.post(path, body, { token });
  if (r.status !== 200) throw new Error(`token create failed: ${r.status} ${r.text}`);
  const added = (await leaseKeys(path)).filter((k) => !before.includes(k) && !k.endsWith('/'));
  expect(added).toHaveLength(1);
  return { token: r.body.auth.client_token as string, leaseId: `${path}/${added[0]}` };
}

const lookupLease = (leaseId: string, token?: string) =>
  ctx.client.post('sys/leases/lookup', { lease_id: leaseId }, { token });

async function expectGone(token: string): Promise<void> {
  const r = await ctx.client.get('auth/token/lookup-self', { token });
  expect(r.status).toBe(403);
  expect(r.body).toEqual({ errors: [MULTI_INVALID_TOKEN] });
}
async function expectAlive(token: string): Promise<void> {
  const r = await ctx.client.get('auth/token/lookup-self', { token });
  expect(r.status, r.text).toBe(200);
}

describe('finding token leases', () => {
  it('a service token’s lease is <creation path>/h<64 hex>, listed under sys/leases/lookup/<path>/', async () => {
    const { leaseId } = await tokenWithLease();
    expect(leaseId).toMatch(/^auth\/token\/create\/h[0-9a-f]{64}$/);
  });

  it('listing a parent prefix shows sub-paths as folders', async () => {
    await tokenWithLease();
    await tokenWithLease({ policies: ['pol-a'] }, 'auth/token/create-orphan');
    const keys = await leaseKeys('auth/token');
    expect(keys).toEqual(expect.arrayContaining(['create/', 'create-orphan/']));
    // GET ?list=true is the same listing.
    const viaGet = await ctx.client.get('sys/leases/lookup/auth/token/?list=true');
    expect(viaGet.body.data.keys).toEqual(keys);
  });

  it('role tokens live under auth/token/create/<role>/', async () => {
    await ctx.client.post('auth/token/roles/lease-role', { allowed_policies: ['pol-a'] });
    const { leaseId } = await tokenWithLease({}, 'auth/token/create/lease-role');
    expect(leaseId).toMatch(/^auth\/token\/create\/lease-role\/h[0-9a-f]{64}$/);
    expect(await leaseKeys('auth/token/create')).toContain('lease-role/');
  });

  it('a batch token has no lease', async () => {
    const before = await leaseKeys('auth/token/create');
    const r = await ctx.client.post('auth/token/create', { policies: ['pol-a'], type: 'batch' });
    expect(r.status).toBe(200);
    expect(await leaseKeys('auth/token/create')).toEqual(before);
  });

  it('listing a prefix without leases is 404 with an empty errors list', async () => {
    const r = await ctx.client.list('sys/leases/lookup/nothing/here');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ errors: [] });
  });

  it('listing needs sudo: list alone is 403, list+sudo is 200', async () => {
    await tokenWithLease();
    const plain = (await ctx.client.post('auth/token/create', { policies: ['lease-admin'] })).body.auth.client_token;
    const denied = await ctx.client.list('sys/leases/lookup/auth/token/create', { token: plain });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ errors: [MULTI_PERMISSION_DENIED] });
    const sudo = (await ctx.client.post('auth/token/create', { policies: ['lease-admin-sudo'] })).body.auth
      .client_token;
    const ok = await ctx.client.list('sys/leases/lookup/auth/token/create', { token: sudo });
    expect(ok.status).toBe(200);
  });
});

describe('sys/leases/lookup', () => {
  it('a token lease: data has id, issue_time, expire_time, last_renewal null, renewable and ttl', async () => {
    const { leaseId } = await tokenWithLease({ policies: ['pol-a'], ttl: '1h' });
    const r = await lookupLease(leaseId);
    expect(r.status).toBe(200);
    const data = r.body.data;
    expect(Object.keys(data).sort()).toEqual(['expire_time', 'id', 'issue_time', 'last_renewal', 'renewable', 'ttl']);
    expect(data).toMatchObject({ id: leaseId, last_renewal: null, renewable: true });
    expect(data.ttl).toBeGreaterThan(3590);
    expect(data.ttl).toBeLessThanOrEqual(3600);
    expect(data.issue_time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(data.expire_time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(Date.parse(data.expire_time) - Date.parse(data.issue_time)).toBeGreaterThan(3599_000);
  });

  it('after the token renews, the lease shows last_renewal and the new TTL', async () => {
    const { token, leaseId } = await tokenWithLease({ policies: ['pol-a'], ttl: '1h' });
    expect((await ctx.client.post('auth/token/renew-self', { increment: '2h' }, { token })).status).toBe(200);
    const data = (await lookupLease(leaseId)).body.data;
    expect(data.last_renewal).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(data.ttl).toBeGreaterThan(7190);
  });

  it('a non-renewable token’s lease says renewable: false', async () => {
    const { leaseId } = await tokenWithLease({ policies: ['pol-a'], renewable: false });
    expect((await lookupLease(leaseId)).body.data.renewable).toBe(false);
  });

  it('a default-policy token may look up a lease whose id it knows', async () => {
    const { token, leaseId } = await tokenWithLease({ policies: ['default'] });
    const r = await lookupLease(leaseId, token);
    expect(r.status).toBe(200);
    expect(r.body.data.id).toBe(leaseId);
  });

  it('an unknown lease is a 400 "invalid lease"', async () => {
    const r = await lookupLease('auth/token/create/hnope');
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['invalid lease'] });
  });

  it('a missing lease_id is a 400 "lease_id must be specified"', async () => {
    const r = await ctx.client.post('sys/leases/lookup', {});
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['lease_id must be specified'] });
  });
});

describe('sys/leases/renew', () => {
  it.each([
    ['sys/leases/renew with lease_id in the body', (id: string) => ['sys/leases/renew', { lease_id: id }] as const],
    ['sys/leases/renew/<lease_id>', (id: string) => [`sys/leases/renew/${id}`, {}] as const],
    ['the legacy sys/renew', (id: string) => ['sys/renew', { lease_id: id }] as const],
  ])('a token lease via %s is 400 "tokens cannot be renewed through this endpoint"', async (_name, request) => {
    const { leaseId } = await tokenWithLease();
    const [path, body] = request(leaseId);
    const r = await ctx.client.post(path, { ...body, increment: 60 });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['tokens cannot be renewed through this endpoint'] });
  });

  it('an unknown lease is a 400 "lease not found"', async () => {
    const r = await ctx.client.post('sys/leases/renew', { lease_id: 'auth/token/create/hnope' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['lease not found'] });
  });

  it('a non-renewable lease is a 400 "lease is not renewable" (checked first)', async () => {
    const { leaseId } = await tokenWithLease({ policies: ['pol-a'], renewable: false });
    const r = await ctx.client.post('sys/leases/renew', { lease_id: leaseId });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['lease is not renewable'] });
  });
});

describe('sys/leases/revoke', () => {
  it('revoking a token lease is 204 and revokes the token, its children and the lease', async () => {
    const { token, leaseId } = await tokenWithLease({ policies: ['creator', 'pol-a'] });
    const child = (await ctx.client.post('auth/token/create', {}, { token })).body.auth.client_token;
    const r = await ctx.client.post('sys/leases/revoke', { lease_id: leaseId });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    await expectGone(token);
    await expectGone(child);
    expect((await lookupLease(leaseId)).body).toEqual({ errors: ['invalid lease'] });
  });

  it('the lease id may be given in the URL', async () => {
    const { token, leaseId } = await tokenWithLease();
    const r = await ctx.client.post(`sys/leases/revoke/${leaseId}`);
    expect(r.status).toBe(204);
    await expectGone(token);
  });

  it('sync=false answers 202 with no body, and the token goes', async () => {
    const { token, leaseId } = await tokenWithLease();
    const r = await ctx.client.post('sys/leases/revoke', { lease_id: leaseId, sync: false });
    expect(r.status).toBe(202);
    expect(r.text).toBe('');
    // Vault revokes lazily (expiration manager); wait for it.
    for (let i = 0; i < 20; i++) {
      if ((await ctx.client.get('auth/token/lookup-self', { token })).status === 403) break;
      await sleep(100);
    }
    await expectGone(token);
  });

  it('revoking an unknown lease is 204', async () => {
    const r = await ctx.client.post('sys/leases/revoke', { lease_id: 'auth/token/create/hnope' });
    expect(r.status).toBe(204);
  });

  it('revoking a token through auth/token/revoke removes its lease', async () => {
    const { token, leaseId } = await tokenWithLease();
    await ctx.client.post('auth/token/revoke', { token });
    expect((await lookupLease(leaseId)).body).toEqual({ errors: ['invalid lease'] });
  });

  it('an expired token’s lease is gone too', async () => {
    const { token, leaseId } = await tokenWithLease({ policies: ['pol-a'], ttl: '1s' });
    await sleep(1100);
    await expectGone(token);
    expect((await lookupLease(leaseId)).body).toEqual({ errors: ['invalid lease'] });
  });
});

describe('sys/leases/revoke-prefix and revoke-force', () => {
  it('revoke-prefix of a role path revokes only that role’s (and path_suffix’s) tokens', async () => {
    await ctx.client.post('auth/token/roles/versioned', { allowed_policies: ['pol-a'], path_suffix: 'ver1' });
    const old1 = await tokenWithLease({}, 'auth/token/create');
    const v1 = (await ctx.client.post('auth/token/create/versioned', {})).body.auth.client_token;
    await ctx.client.post('auth/token/roles/versioned', { path_suffix: 'ver2' });
    const v2 = (await ctx.client.post('auth/token/create/versioned', {})).body.auth.client_token;
    expect(await leaseKeys('auth/token/create/versioned')).toEqual(['ver1/', 'ver2/']);

    const r = await ctx.client.post('sys/leases/revoke-prefix/auth/token/create/versioned/ver1');
    expect(r.status).toBe(204);
    await expectGone(v1);
    await expectAlive(v2);
    await expectAlive(old1.token);
  });

  it('revoke-prefix with an exact lease id revokes that one lease', async () => {
    const a = await tokenWithLease();
    const b = await tokenWithLease();
    expect((await ctx.client.post(`sys/leases/revoke-prefix/${a.leaseId}`)).status).toBe(204);
    await expectGone(a.token);
    await expectAlive(b.token);
  });

  it.each(['revoke-prefix', 'revoke-force'])('%s needs sudo: update alone is 403', async (endpoint) => {
    const victim = await tokenWithLease();
    const plain = (await ctx.client.post('auth/token/create', { policies: ['lease-admin'] })).body.auth.client_token;
    const r = await ctx.client.post(`sys/leases/${endpoint}/${victim.leaseId}`, {}, { token: plain });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: [MULTI_PERMISSION_DENIED] });
    await expectAlive(victim.token);
  });

  it('revoke-prefix with sync=false answers 202', async () => {
    await ctx.client.post('auth/token/roles/async-role', { allowed_policies: ['pol-a'] });
    const { token } = await tokenWithLease({}, 'auth/token/create/async-role');
    const r = await ctx.client.post('sys/leases/revoke-prefix/auth/token/create/async-role', { sync: false });
    expect(r.status).toBe(202);
    expect(r.text).toBe('');
    for (let i = 0; i < 20; i++) {
      if ((await ctx.client.get('auth/token/lookup-self', { token })).status === 403) break;
      await sleep(100);
    }
    await expectGone(token);
  });

  it('revoke-force with sudo revokes everything under the prefix (204)', async () => {
    await ctx.client.post('auth/token/roles/forced', { allowed_policies: ['pol-a'] });
    const a = await tokenWithLease({}, 'auth/token/create/forced');
    const b = await tokenWithLease({}, 'auth/token/create/forced');
    const sudo = (await ctx.client.post('auth/token/create-orphan', { policies: ['lease-admin-sudo'] })).body.auth
      .client_token;
    const r = await ctx.client.post('sys/leases/revoke-force/auth/token/create/forced', {}, { token: sudo });
    expect(r.status).toBe(204);
    await expectGone(a.token);
    await expectGone(b.token);
  });

  // Kept last: in a real `vault server -dev -dev-root-token-id=…` the root token
  // itself was made by auth/token/create, so this prefix revokes it too. The
  // caller here is a create-orphan token, which lives under another path.
  it('revoke-prefix auth/token/create (sudo) revokes every token made there, role tokens included; create-orphan tokens survive', async () => {
    const sudo = (await ctx.client.post('auth/token/create-orphan', { policies: ['lease-admin-sudo'] })).body.auth
      .client_token as string;
    await ctx.client.post('auth/token/roles/prefix-role', { allowed_policies: ['pol-a'] });
    const plain = await tokenWithLease();
    const byRole = await tokenWithLease({}, 'auth/token/create/prefix-role');
    const orphan = await tokenWithLease({ policies: ['pol-a'] }, 'auth/token/create-orphan');

    const r = await ctx.client.post('sys/leases/revoke-prefix/auth/token/create', {}, { token: sudo });
    expect(r.status).toBe(204);
    await expectGone(plain.token);
    await expectGone(byRole.token);
    await expectAlive(orphan.token);
    await expectAlive(sudo);
    expect(await leaseKeys('auth/token/create')).toEqual([]);
  });
});
