import { describe, expect, it } from 'vitest';
import { approleBackendFactory } from './backend.js';
import { createRole, generateSecretId, login, newTestBackend, send } from './test-kit.js';
import { testBackendConfig } from '../../../testing/backend-harness.js';

const multi = (msg: string) => `1 error occurred:\n\t* ${msg}\n\n`;

describe('role CRUD', () => {
  it('the factory builds an approle backend with login as its only unauthenticated path', () => {
    const backend = approleBackendFactory(testBackendConfig('auth/approle/'));
    expect(backend.type).toBe('approle');
    expect(backend.specialPaths).toEqual({ unauthenticated: ['login'] });
  });

  it("a new role answers 204 and GET shows Vault's defaults, keys sorted", async () => {
    const { backend } = newTestBackend();
    expect((await send(backend, 'update', 'role/app')).status).toBe(204);
    const read = await send(backend, 'read', 'role/app');
    expect(read.status).toBe(200);
    expect(read.data).toEqual({
      bind_secret_id: true,
      local_secret_ids: false,
      secret_id_bound_cidrs: null,
      secret_id_num_uses: 0,
      secret_id_ttl: 0,
      token_bound_cidrs: [],
      token_explicit_max_ttl: 0,
      token_max_ttl: 0,
      token_no_default_policy: false,
      token_num_uses: 0,
      token_period: 0,
      token_policies: [],
      token_ttl: 0,
      token_type: 'default',
    });
    expect(Object.keys(read.data ?? {})).toEqual(Object.keys(read.data ?? {}).sort());
    expect(read.warnings).toBeUndefined();
  });

  it('the role GET does not include the role_id', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app');
    expect((await send(backend, 'read', 'role/app')).data).not.toHaveProperty('role_id');
  });

  it('role names are case-insensitive and listed lower-cased', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'MyApp');
    await createRole(backend, 'alpha');
    expect((await send(backend, 'read', 'role/myapp')).status).toBe(200);
    expect((await send(backend, 'read', 'role/MYAPP')).status).toBe(200);
    expect((await send(backend, 'list', 'role/')).data).toEqual({ keys: ['alpha', 'myapp'] });
  });

  it('an empty role list is a 404', async () => {
    const { backend } = newTestBackend();
    expect(await send(backend, 'list', 'role/')).toMatchObject({ status: 404, errors: [] });
  });

  it('reading a missing role is a 404; deleting one is a 204', async () => {
    const { backend } = newTestBackend();
    expect((await send(backend, 'read', 'role/nope')).status).toBe(404);
    expect((await send(backend, 'delete', 'role/nope')).status).toBe(204);
  });

  it('an update keeps the fields it does not mention', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', { secret_id_ttl: '10m', token_ttl: '1h', token_policies: 'a' });
    await send(backend, 'update', 'role/app', { token_ttl: '2h' });
    expect((await send(backend, 'read', 'role/app')).data).toMatchObject({
      secret_id_ttl: 600,
      token_ttl: 7200,
      token_policies: ['a'],
    });
  });

  it.each([
    [300, 300],
    ['300', 300],
    ['5m', 300],
    ['1h30m', 5400],
    ['7d', 604800],
    ['', 0],
  ])('durations: token_ttl %j is %i seconds', async (input, seconds) => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', { token_ttl: input });
    expect((await send(backend, 'read', 'role/app')).data?.token_ttl).toBe(seconds);
  });

  it('a malformed duration is a field validation error', async () => {
    const { backend } = newTestBackend();
    const w = await send(backend, 'update', 'role/app', { token_ttl: 'soon' });
    expect(w.status).toBe(400);
    expect(w.errors?.[0]).toContain('Field validation failed: error converting input for field "token_ttl"');
  });

  it('comma strings and arrays both work for list fields', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'a', { token_policies: 'p1, p2', secret_id_bound_cidrs: '10.0.0.0/8,192.168.0.0/16' });
    await createRole(backend, 'b', { token_policies: ['p1', 'p2'], secret_id_bound_cidrs: ['10.0.0.0/8'] });
    expect((await send(backend, 'read', 'role/a')).data).toMatchObject({
      token_policies: ['p1', 'p2'],
      secret_id_bound_cidrs: ['10.0.0.0/8', '192.168.0.0/16'],
    });
    expect((await send(backend, 'read', 'role/b')).data).toMatchObject({ token_policies: ['p1', 'p2'] });
  });

  it('a role name longer than 4096 bytes is refused', async () => {
    const { backend } = newTestBackend();
    const w = await send(backend, 'update', `role/${'a'.repeat(4097)}`);
    expect(w).toMatchObject({ status: 400, errors: ['role_name is longer than maximum of 4096 bytes'] });
  });
});

describe('legacy aliasing (period / policies)', () => {
  it('period alone sets token_period and GET shows both', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', { period: '1h' });
    expect((await send(backend, 'read', 'role/app')).data).toMatchObject({ period: 3600, token_period: 3600 });
  });

  it('token_period alone clears the legacy period, so GET shows only token_period', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', { period: '1h' });
    await send(backend, 'update', 'role/app', { token_period: '2h' });
    const data = (await send(backend, 'read', 'role/app')).data;
    expect(data?.token_period).toBe(7200);
    expect(data).not.toHaveProperty('period');
  });

  it('with both keys the new one wins and the legacy one mirrors it', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', { period: '1h', token_period: '2h' });
    expect((await send(backend, 'read', 'role/app')).data).toMatchObject({ period: 7200, token_period: 7200 });
  });

  it('policies alone are parsed (lower-cased, de-duplicated, sorted) into both keys', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', { policies: 'Zeta, alpha,alpha' });
    expect((await send(backend, 'read', 'role/app')).data).toMatchObject({
      policies: ['alpha', 'zeta'],
      token_policies: ['alpha', 'zeta'],
    });
  });

  it('token_policies are stored as given and no policies key is shown', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', { token_policies: 'Zeta,alpha' });
    const data = (await send(backend, 'read', 'role/app')).data;
    expect(data?.token_policies).toEqual(['Zeta', 'alpha']);
    expect(data).not.toHaveProperty('policies');
  });

  it("a legacy period above the mount's max lease TTL is refused", async () => {
    const { backend } = newTestBackend();
    const w = await send(backend, 'update', 'role/app', { period: '800h' });
    expect(w).toMatchObject({
      status: 400,
      errors: ['period of "800h0m0s" is greater than the backend\'s maximum lease TTL of "768h0m0s"'],
    });
  });

  it('token_period alone is not checked against the mount max (as in Vault)', async () => {
    const { backend } = newTestBackend();
    expect((await send(backend, 'update', 'role/app', { token_period: '800h' })).status).toBe(204);
  });

  it("token_max_ttl above the mount max is accepted with Vault's warning", async () => {
    const { backend } = newTestBackend();
    const w = await send(backend, 'update', 'role/app', { token_max_ttl: '1000h' });
    expect(w.status).toBe(200);
    expect(w.warnings).toEqual([
      "token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
    ]);
  });
});

describe('role parameter validation', () => {
  it.each([
    [{ secret_id_num_uses: -1 }, 'secret_id_num_uses cannot be negative'],
    [{ token_ttl: '2h', token_max_ttl: '1h' }, "'token_ttl' cannot be greater than 'token_max_ttl'"],
    [{ token_ttl: -5 }, "'token_ttl' cannot be negative"],
    [{ token_max_ttl: -5 }, "'token_max_ttl' cannot be negative"],
    [{ token_period: -5 }, "'token_period' cannot be negative"],
    [{ token_num_uses: -1 }, "'token_num_uses' cannot be negative"],
    [{ token_type: 'bogus' }, 'invalid \'token_type\' value "bogus"'],
    [
      { token_type: 'batch', token_period: 60 },
      "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens",
    ],
    [
      { token_type: 'batch', token_num_uses: 3 },
      "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count",
    ],
    [
      { token_bound_cidrs: 'not-an-ip' },
      'error parsing address "not-an-ip": Unable to convert "not-an-ip" to an IPv4 or IPv6 address, or a UNIX Socket',
    ],
  ])('%j is refused with 400 %j', async (body, message) => {
    const { backend } = newTestBackend();
    expect(await send(backend, 'update', 'role/app', body)).toMatchObject({ status: 400, errors: [message] });
    expect((await send(backend, 'read', 'role/app')).status).toBe(404);
  });

  it('a failed update leaves the role unchanged', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', { token_ttl: 60 });
    await send(backend, 'update', 'role/app', { token_ttl: 120, secret_id_num_uses: -1 });
    expect((await send(backend, 'read', 'role/app')).data?.token_ttl).toBe(60);
  });

  it('an invalid secret_id_bound_cidrs is a plain (500) error, as in Vault', async () => {
    const { backend } = newTestBackend();
    const w = await send(backend, 'update', 'role/app', { secret_id_bound_cidrs: '10.0.0.1' });
    expect(w).toMatchObject({
      status: 500,
      errors: [multi('failed to validate CIDR blocks: invalid CIDR address: 10.0.0.1')],
    });
  });

  it('local_secret_ids can only be set when the role is created', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', { local_secret_ids: true });
    expect((await send(backend, 'read', 'role/app')).data?.local_secret_ids).toBe(true);
    expect((await send(backend, 'read', 'role/app/local-secret-ids')).data).toEqual({ local_secret_ids: true });
    expect(await send(backend, 'update', 'role/app', { local_secret_ids: false })).toMatchObject({
      status: 400,
      errors: ['local_secret_ids can only be modified during role creation'],
    });
  });

  it.each([
    ['default-service', 'service'],
    ['default-batch', 'batch'],
  ])('token_type %s is adjusted to %s with a warning', async (input, stored) => {
    const { backend } = newTestBackend();
    const w = await send(backend, 'update', 'role/app', { token_type: input });
    expect(w.status).toBe(200);
    expect(w.warnings).toEqual([`${input} has no useful meaning; adjusting to ${stored}`]);
    expect((await send(backend, 'read', 'role/app')).data?.token_type).toBe(stored);
  });

  it('a role without any constraint is refused (plain 500)', async () => {
    const { backend } = newTestBackend();
    expect(await send(backend, 'update', 'role/app', { bind_secret_id: false })).toMatchObject({
      status: 500,
      errors: [multi('at least one constraint should be enabled on the role')],
    });
  });

  it('bind_secret_id=false is fine with CIDRs on the SecretID side or on the token', async () => {
    const { backend } = newTestBackend();
    expect(
      (await send(backend, 'update', 'role/a', { bind_secret_id: false, secret_id_bound_cidrs: '10.0.0.0/8' })).status,
    ).toBe(204);
    expect(
      (await send(backend, 'update', 'role/b', { bind_secret_id: false, token_bound_cidrs: '10.0.0.1' })).status,
    ).toBe(204);
  });

  it('secret_id_bound_cidrs is null until set, the list once set, and [] once emptied', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app');
    expect((await send(backend, 'read', 'role/app')).data?.secret_id_bound_cidrs).toBeNull();
    await send(backend, 'update', 'role/app', { secret_id_bound_cidrs: '10.0.0.0/8' });
    expect((await send(backend, 'read', 'role/app')).data?.secret_id_bound_cidrs).toEqual(['10.0.0.0/8']);
    await send(backend, 'update', 'role/app', { secret_id_bound_cidrs: '' });
    expect((await send(backend, 'read', 'role/app')).data?.secret_id_bound_cidrs).toEqual([]);
  });

  it('the legacy bound_cidr_list writes secret_id_bound_cidrs', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', { bound_cidr_list: '10.0.0.0/8' });
    expect((await send(backend, 'read', 'role/app')).data?.secret_id_bound_cidrs).toEqual(['10.0.0.0/8']);
  });

  it('token_bound_cidrs are shown the way go-sockaddr prints them', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', {
      token_bound_cidrs: ['10.0.0.1/32', '10.1.2.3/8', '2001:DB8:0:0::1', '2001:db8::/32'],
    });
    expect((await send(backend, 'read', 'role/app')).data?.token_bound_cidrs).toEqual([
      '10.0.0.1',
      '10.1.2.3/8',
      '2001:db8::1',
      '2001:db8::/32',
    ]);
  });
});

describe('role-id', () => {
  it('GET shows the generated RoleID; a missing role is a 404', async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app');
    expect(roleId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await send(backend, 'read', 'role/none/role-id')).status).toBe(404);
  });

  it('a custom role_id can be given at creation', async () => {
    const { backend } = newTestBackend();
    expect(await createRole(backend, 'app', { role_id: 'my-role-id' })).toBe('my-role-id');
  });

  it('POST role-id sets a custom RoleID (204) and the old one stops working', async () => {
    const { backend } = newTestBackend();
    const old = await createRole(backend, 'app');
    const { secret_id } = await generateSecretId(backend, 'app');
    expect((await send(backend, 'update', 'role/app/role-id', { role_id: 'custom' })).status).toBe(204);
    expect((await send(backend, 'read', 'role/app/role-id')).data).toEqual({ role_id: 'custom' });
    expect((await login(backend, { role_id: old, secret_id })).errors).toEqual(['invalid role or secret ID']);
    expect((await login(backend, { role_id: 'custom', secret_id })).status).toBe(200);
  });

  it.each([
    ['an empty role_id', 'role/app/role-id', { role_id: '' }, 400, 'missing role_id'],
    ['a missing role', 'role/none/role-id', { role_id: 'x' }, 404, multi('unsupported path')],
  ])('POST role-id with %s is refused', async (_what, path, body, status, message) => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app');
    expect(await send(backend, 'update', path, body)).toMatchObject({ status, errors: [message] });
  });

  it('a RoleID already used by another role is refused', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'a', { role_id: 'taken' });
    await createRole(backend, 'b');
    const expected = { status: 500, errors: [multi('role_id already in use')] };
    expect(await send(backend, 'update', 'role/b/role-id', { role_id: 'taken' })).toMatchObject(expected);
    expect(await send(backend, 'update', 'role/b', { role_id: 'taken' })).toMatchObject(expected);
    expect(await send(backend, 'update', 'role/c', { role_id: 'taken' })).toMatchObject(expected);
    expect((await send(backend, 'read', 'role/c')).status).toBe(404);
  });

  it('deleting a role destroys its SecretIDs and its RoleID; a new role of that name starts clean', async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app', { role_id: 'rid' });
    const { secret_id } = await generateSecretId(backend, 'app');
    expect((await send(backend, 'delete', 'role/app')).status).toBe(204);
    expect((await login(backend, { role_id: roleId, secret_id })).errors).toEqual(['invalid role or secret ID']);
    await createRole(backend, 'app', { role_id: 'rid' });
    expect((await login(backend, { role_id: 'rid', secret_id })).errors).toEqual(['invalid role or secret ID']);
    expect((await send(backend, 'list', 'role/app/secret-id/')).status).toBe(404);
  });
});

describe('per-field sub-endpoints', () => {
  it.each([
    ['secret-id-num-uses', { secret_id_num_uses: 5 }, { secret_id_num_uses: 5 }, { secret_id_num_uses: 0 }],
    ['secret-id-ttl', { secret_id_ttl: '10m' }, { secret_id_ttl: 600 }, { secret_id_ttl: 0 }],
    ['token-ttl', { token_ttl: '1h' }, { token_ttl: 3600 }, { token_ttl: 0 }],
    ['token-max-ttl', { token_max_ttl: '2h' }, { token_max_ttl: 7200 }, { token_max_ttl: 0 }],
    ['token-num-uses', { token_num_uses: 3 }, { token_num_uses: 3 }, { token_num_uses: 0 }],
    ['bind-secret-id', { bind_secret_id: true }, { bind_secret_id: true }, { bind_secret_id: true }],
    ['period', { period: 60 }, { period: 60, token_period: 60 }, { token_period: 0 }],
    ['period', { token_period: 60 }, { token_period: 60 }, { token_period: 0 }],
    ['policies', { policies: 'B,a' }, { policies: ['a', 'b'], token_policies: ['a', 'b'] }, { token_policies: [] }],
    ['policies', { token_policies: 'B,a' }, { token_policies: ['a', 'b'] }, { token_policies: [] }],
    [
      'secret-id-bound-cidrs',
      { secret_id_bound_cidrs: '10.0.0.0/8' },
      { secret_id_bound_cidrs: ['10.0.0.0/8'] },
      { secret_id_bound_cidrs: null },
    ],
    [
      'token-bound-cidrs',
      { token_bound_cidrs: '10.0.0.1/32' },
      { token_bound_cidrs: ['10.0.0.1'] },
      { token_bound_cidrs: null },
    ],
  ])('%s: POST %j, GET shows %j, DELETE resets to %j', async (suffix, body, shown, reset) => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app');
    expect((await send(backend, 'update', `role/app/${suffix}`, body)).status).toBe(204);
    expect((await send(backend, 'read', `role/app/${suffix}`)).data).toEqual(shown);
    expect((await send(backend, 'delete', `role/app/${suffix}`)).status).toBe(204);
    expect((await send(backend, 'read', `role/app/${suffix}`)).data).toEqual(reset);
  });

  it.each([
    ['secret-id-num-uses', 'secret_id_num_uses'],
    ['secret-id-ttl', 'secret_id_ttl'],
    ['token-ttl', 'token_ttl'],
    ['token-max-ttl', 'token_max_ttl'],
    ['token-num-uses', 'token_num_uses'],
    ['bind-secret-id', 'bind_secret_id'],
    ['period', 'period'],
    ['policies', 'token_policies'],
  ])('%s without its field answers 400 "missing %s"', async (suffix, field) => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app');
    expect(await send(backend, 'update', `role/app/${suffix}`, {})).toMatchObject({
      status: 400,
      errors: [`missing ${field}`],
    });
  });

  it.each([
    ['token-ttl', { token_max_ttl: 60 }, { token_ttl: 120 }, 'token_ttl should not be greater than token_max_ttl'],
    [
      'token-max-ttl',
      { token_ttl: 120 },
      { token_max_ttl: 60 },
      'token_max_ttl should be greater than or equal to token_ttl',
    ],
    ['secret-id-num-uses', {}, { secret_id_num_uses: -2 }, 'secret_id_num_uses cannot be negative'],
    ['secret-id-bound-cidrs', {}, { secret_id_bound_cidrs: '' }, 'missing bound_cidr_list'],
    [
      'secret-id-bound-cidrs',
      {},
      { secret_id_bound_cidrs: 'x' },
      'failed to validate CIDR blocks: invalid CIDR address: x',
    ],
    [
      'token-bound-cidrs',
      {},
      { token_bound_cidrs: 'x' },
      'failed to parse token_bound_cidrs: error parsing address "x": Unable to convert "x" to an IPv4 or IPv6 address, or a UNIX Socket',
    ],
    [
      'period',
      {},
      { period: '800h' },
      'period of "800h0m0s" is greater than the backend\'s maximum lease TTL of "768h0m0s"',
    ],
    [
      'period',
      {},
      { token_period: '800h' },
      'period of "0s" is greater than the backend\'s maximum lease TTL of "768h0m0s"',
    ],
  ])('%s refuses %j after %j', async (suffix, role, body, message) => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', role);
    expect(await send(backend, 'update', `role/app/${suffix}`, body)).toMatchObject({ status: 400, errors: [message] });
  });

  it('sub-endpoints on a missing role: update is 404 unsupported path, read 404, delete 204', async () => {
    const { backend } = newTestBackend();
    expect(await send(backend, 'update', 'role/none/token-ttl', { token_ttl: 5 })).toMatchObject({
      status: 404,
      errors: [multi('unsupported path')],
    });
    expect((await send(backend, 'read', 'role/none/token-ttl')).status).toBe(404);
    expect((await send(backend, 'delete', 'role/none/token-ttl')).status).toBe(204);
  });

  it('turning bind_secret_id off on a role with no CIDRs is refused by the constraint check', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app');
    expect(await send(backend, 'update', 'role/app/bind-secret-id', { bind_secret_id: false })).toMatchObject({
      status: 500,
      errors: [multi('at least one constraint should be enabled on the role')],
    });
  });

  it('the deprecated bound-cidr-list endpoint writes secret_id_bound_cidrs and reads with a warning', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app');
    expect((await send(backend, 'update', 'role/app/bound-cidr-list', { bound_cidr_list: '10.0.0.0/8' })).status).toBe(
      204,
    );
    expect((await send(backend, 'read', 'role/app/secret-id-bound-cidrs')).data).toEqual({
      secret_id_bound_cidrs: ['10.0.0.0/8'],
    });
    const legacy = await send(backend, 'read', 'role/app/bound-cidr-list');
    expect(legacy.data).toEqual({ bound_cidr_list: null });
    expect(legacy.warnings?.[0]).toContain('"bound_cidr_list" field is deprecated');
  });

  it('there is no token-policies sub-endpoint (Vault has none; /policies takes token_policies)', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app');
    expect(await send(backend, 'read', 'role/app/token-policies')).toMatchObject({
      status: 404,
      errors: [multi('unsupported path')],
    });
  });
});
