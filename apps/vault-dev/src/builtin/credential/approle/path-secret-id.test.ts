import { describe, expect, it } from 'vitest';
import { createRole, generateSecretId, login, newTestBackend, send } from './test-kit.js';

const multi = (msg: string) => `1 error occurred:\n\t* ${msg}\n\n`;
const RFC3339_NANO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

describe('generating SecretIDs', () => {
  it('the response carries secret_id, accessor, ttl and num_uses (keys sorted)', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app');
    const w = await send(backend, 'update', 'role/app/secret-id');
    expect(w.status).toBe(200);
    expect(Object.keys(w.data ?? {})).toEqual([
      'secret_id',
      'secret_id_accessor',
      'secret_id_num_uses',
      'secret_id_ttl',
    ]);
    expect(w.data).toMatchObject({ secret_id_num_uses: 0, secret_id_ttl: 0 });
    expect(w.data?.secret_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(w.data?.secret_id_accessor).toMatch(/^[0-9a-f-]{36}$/);
    expect(w.data?.secret_id).not.toBe(w.data?.secret_id_accessor);
  });

  it('the response names the accessor for wrap_info.wrapped_accessor', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app');
    const w = await send(backend, 'update', 'role/app/secret-id', null, { wrap: { ttl: 120, format: '' } });
    expect(w.resp?.wrappedAccessor).toBe(w.data?.secret_id_accessor);
  });

  it("a SecretID inherits the role's secret_id_ttl and secret_id_num_uses", async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', { secret_id_ttl: '10m', secret_id_num_uses: 3 });
    expect(await generateSecretId(backend, 'app')).toMatchObject({ secret_id_ttl: 600, secret_id_num_uses: 3 });
  });

  it("a TTL above the mount's max is capped in the response but stored as requested", async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', { secret_id_ttl: '1000h' });
    const generated = await generateSecretId(backend, 'app');
    expect(generated.secret_id_ttl).toBe(2764800);
    const lookup = await send(backend, 'update', 'role/app/secret-id/lookup', { secret_id: generated.secret_id });
    expect(lookup.data?.secret_id_ttl).toBe(3600000);
  });

  it('the cap follows a tuned mount max', async () => {
    const { backend } = newTestBackend({ maxLeaseTTL: 3600 });
    await createRole(backend, 'app', { secret_id_ttl: '2h' });
    expect((await generateSecretId(backend, 'app')).secret_id_ttl).toBe(3600);
  });

  it.each([
    ['shorter than the role', { secret_id_ttl: 600 }, { ttl: 300 }, 200, 300],
    ['equal to the role', { secret_id_ttl: 600 }, { ttl: '10m' }, 200, 600],
    ['on a role without a TTL', {}, { ttl: 300 }, 200, 300],
    ['0 on a role without a TTL', {}, { ttl: 0 }, 200, 0],
  ])('a ttl override %s is accepted', async (_what, role, body, status, ttl) => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', role);
    const w = await send(backend, 'update', 'role/app/secret-id', body);
    expect(w.status).toBe(status);
    expect(w.data?.secret_id_ttl).toBe(ttl);
  });

  it.each([
    ['longer', { ttl: 601 }],
    ['0 (never expires)', { ttl: 0 }],
  ])("a ttl override %s than the role's secret_id_ttl is refused", async (_what, body) => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', { secret_id_ttl: 600 });
    expect(await send(backend, 'update', 'role/app/secret-id', body)).toMatchObject({
      status: 400,
      errors: ["ttl cannot be longer than the role's secret_id_ttl"],
    });
  });

  it.each([
    [{ secret_id_num_uses: 5 }, { num_uses: 6 }, "num_uses cannot be higher than the role's secret_id_num_uses"],
    [{ secret_id_num_uses: 5 }, { num_uses: 0 }, "num_uses cannot be higher than the role's secret_id_num_uses"],
    [{}, { num_uses: -1 }, 'num_uses cannot be negative'],
  ])('role %j refuses num_uses override %j', async (role, body, message) => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', role);
    expect(await send(backend, 'update', 'role/app/secret-id', body)).toMatchObject({ status: 400, errors: [message] });
  });

  it('a num_uses override within the role limit is used', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', { secret_id_num_uses: 5 });
    expect((await generateSecretId(backend, 'app', { num_uses: 2 })).secret_id_num_uses).toBe(2);
  });

  it('a missing role is a 404 naming it', async () => {
    const { backend } = newTestBackend();
    expect(await send(backend, 'update', 'role/ghost/secret-id')).toMatchObject({
      status: 404,
      errors: ['role "ghost" does not exist'],
    });
  });

  it('a role without bind_secret_id does not issue SecretIDs', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', { bind_secret_id: false, secret_id_bound_cidrs: '10.0.0.0/8' });
    expect(await send(backend, 'update', 'role/app/secret-id')).toMatchObject({
      status: 400,
      errors: ['bind_secret_id is not set on the role'],
    });
  });

  it.each([
    ['{"tag":"x","env":"prod"}', { env: 'prod', tag: 'x' }],
    [Buffer.from('{"tag":"x"}').toString('base64'), { tag: 'x' }],
    ['Tag=X, env=prod', { env: 'prod', tag: 'x' }],
    ['', {}],
  ])('metadata %j becomes %j', async (metadata, expected) => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app');
    const { secret_id } = await generateSecretId(backend, 'app', { metadata });
    const lookup = await send(backend, 'update', 'role/app/secret-id/lookup', { secret_id });
    expect(lookup.data?.metadata).toEqual(expected);
  });

  it.each([
    ['not json', 'failed to parse metadata: failed to parse the input: invalid <key,value> format'],
    ['{"a":1}', 'failed to parse metadata: failed to parse the input: invalid <key,value> format'],
    ['{"a":""}', 'failed to parse metadata: invalid value for key "a"'],
    ['a=', 'failed to parse metadata: failed to parse the input: invalid <key,value> pair: key: "a" value: ""'],
  ])('metadata %j is refused', async (metadata, message) => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app');
    expect(await send(backend, 'update', 'role/app/secret-id', { metadata })).toMatchObject({
      status: 400,
      errors: [message],
    });
  });

  it("cidr_list must lie inside the role's secret_id_bound_cidrs", async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', { secret_id_bound_cidrs: '10.0.0.0/8' });
    expect((await send(backend, 'update', 'role/app/secret-id', { cidr_list: '10.1.0.0/16' })).status).toBe(200);
    expect(await send(backend, 'update', 'role/app/secret-id', { cidr_list: '192.168.0.0/16' })).toMatchObject({
      status: 500,
      errors: [
        multi(
          'failed to verify subset relationship between CIDR blocks on the role ["10.0.0.0/8"] and CIDR blocks on the secret ID ["192.168.0.0/16"]: %!w(<nil>)',
        ),
      ],
    });
  });

  it('an invalid cidr_list is refused', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app');
    expect(await send(backend, 'update', 'role/app/secret-id', { cidr_list: '10.0.0.1' })).toMatchObject({
      status: 500,
      errors: [multi('failed to validate CIDR blocks: invalid CIDR address: 10.0.0.1')],
    });
  });

  it("token_bound_cidrs must lie inside the role's token_bound_cidrs", async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app', { token_bound_cidrs: '10.0.0.0/8' });
    expect((await send(backend, 'update', 'role/app/secret-id', { token_bound_cidrs: '10.0.0.0/24' })).status).toBe(
      200,
    );
    const w = await send(backend, 'update', 'role/app/secret-id', { token_bound_cidrs: '11.0.0.0/24' });
    expect(w.status).toBe(500);
    expect(w.errors?.[0]).toContain('failed to verify subset relationship');
    expect((await send(backend, 'update', 'role/app/secret-id', { token_bound_cidrs: 'x' })).errors).toEqual([
      multi('failed to validate token CIDR blocks: invalid CIDR address: x'),
    ]);
  });

  it('custom-secret-id registers the given SecretID, once', async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app');
    const w = await send(backend, 'update', 'role/app/custom-secret-id', { secret_id: 'my-secret' });
    expect(w.status).toBe(200);
    expect(w.data?.secret_id).toBe('my-secret');
    expect(w.resp?.wrappedAccessor).toBe(w.data?.secret_id_accessor);
    expect((await login(backend, { role_id: roleId, secret_id: 'my-secret' })).status).toBe(200);
    expect(await send(backend, 'update', 'role/app/custom-secret-id', { secret_id: 'my-secret' })).toMatchObject({
      status: 500,
      errors: [multi('failed to store secret_id: SecretID is already registered')],
    });
    expect(await send(backend, 'update', 'role/app/custom-secret-id', {})).toMatchObject({
      status: 400,
      errors: ['missing secret_id'],
    });
  });
});

describe('managing SecretIDs', () => {
  it('LIST secret-id returns the accessors; none is a 404; a missing role is a 400', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app');
    expect(await send(backend, 'list', 'role/app/secret-id/')).toMatchObject({ status: 404, errors: [] });
    const a = await generateSecretId(backend, 'app');
    const b = await generateSecretId(backend, 'app');
    const list = await send(backend, 'list', 'role/app/secret-id/');
    expect((list.data?.keys as string[]).slice().sort()).toEqual([a.secret_id_accessor, b.secret_id_accessor].sort());
    expect(await send(backend, 'list', 'role/ghost/secret-id/')).toMatchObject({
      status: 400,
      errors: ['role "ghost" does not exist'],
    });
  });

  it('lookup shows the properties with Go-formatted times', async () => {
    const { backend, advance } = newTestBackend();
    await createRole(backend, 'app');
    const gen = await generateSecretId(backend, 'app', {
      ttl: 600,
      num_uses: 2,
      cidr_list: '127.0.0.0/8',
      metadata: '{"team":"pay"}',
    });
    advance(1);
    const w = await send(backend, 'update', 'role/app/secret-id/lookup', { secret_id: gen.secret_id });
    expect(w.status).toBe(200);
    expect(Object.keys(w.data ?? {})).toEqual([
      'cidr_list',
      'creation_time',
      'expiration_time',
      'last_updated_time',
      'metadata',
      'secret_id_accessor',
      'secret_id_num_uses',
      'secret_id_ttl',
      'token_bound_cidrs',
    ]);
    expect(w.data).toMatchObject({
      cidr_list: ['127.0.0.0/8'],
      metadata: { team: 'pay' },
      secret_id_accessor: gen.secret_id_accessor,
      secret_id_num_uses: 2,
      secret_id_ttl: 600,
      token_bound_cidrs: [],
    });
    for (const key of ['creation_time', 'expiration_time', 'last_updated_time']) {
      expect(w.data?.[key]).toMatch(RFC3339_NANO);
    }
    const created = Date.parse(w.data?.creation_time as string);
    expect(Date.parse(w.data?.expiration_time as string) - created).toBe(600_000);
  });

  it('a SecretID without expiry shows the zero time and empty lists', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app');
    const { secret_id } = await generateSecretId(backend, 'app');
    const w = await send(backend, 'update', 'role/app/secret-id/lookup', { secret_id });
    expect(w.data).toMatchObject({
      expiration_time: '0001-01-01T00:00:00Z',
      cidr_list: [],
      token_bound_cidrs: [],
      metadata: {},
    });
  });

  it.each([
    ['an unknown SecretID is a 204 (a nil update response)', 'app', { secret_id: 'nope' }, 204, undefined],
    ['an empty secret_id is a 400', 'app', { secret_id: '' }, 400, ['missing secret_id']],
    ['a missing role is a plain 500', 'ghost', { secret_id: 'x' }, 500, [multi('role "ghost" does not exist')]],
  ])('lookup: %s', async (_what, role, body, status, errors) => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app');
    const w = await send(backend, 'update', `role/${role}/secret-id/lookup`, body);
    expect(w.status).toBe(status);
    expect(w.errors).toEqual(errors);
  });

  it.each(['update', 'delete'] as const)(
    'destroy (%s) removes the SecretID and its accessor; an unknown one is a 204',
    async (op) => {
      const { backend } = newTestBackend();
      const roleId = await createRole(backend, 'app');
      const { secret_id, secret_id_accessor } = await generateSecretId(backend, 'app');
      expect((await send(backend, op, 'role/app/secret-id/destroy', { secret_id })).status).toBe(204);
      expect((await send(backend, 'update', 'role/app/secret-id/lookup', { secret_id })).status).toBe(204);
      expect((await send(backend, 'update', 'role/app/secret-id-accessor/lookup', { secret_id_accessor })).status).toBe(
        404,
      );
      expect((await login(backend, { role_id: roleId, secret_id })).errors).toEqual(['invalid role or secret ID']);
      expect((await send(backend, op, 'role/app/secret-id/destroy', { secret_id })).status).toBe(204);
    },
  );

  it('accessor lookup shows the SecretID; an unknown accessor is a raw 404 carrying data.error', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app');
    const { secret_id_accessor } = await generateSecretId(backend, 'app', { num_uses: 4 });
    const found = await send(backend, 'update', 'role/app/secret-id-accessor/lookup', { secret_id_accessor });
    expect(found.data).toMatchObject({ secret_id_accessor, secret_id_num_uses: 4 });
    const missing = await send(backend, 'update', 'role/app/secret-id-accessor/lookup', { secret_id_accessor: 'nope' });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      request_id: expect.any(String),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: { error: 'failed to find accessor entry for secret_id_accessor: "nope"' },
      wrap_info: null,
      warnings: null,
      auth: null,
      mount_type: '',
    });
  });

  it.each(['update', 'delete'] as const)(
    'accessor destroy (%s) removes the SecretID; an unknown accessor is a plain 500',
    async (op) => {
      const { backend } = newTestBackend();
      await createRole(backend, 'app');
      const { secret_id, secret_id_accessor } = await generateSecretId(backend, 'app');
      expect((await send(backend, op, 'role/app/secret-id-accessor/destroy', { secret_id_accessor })).status).toBe(204);
      expect((await send(backend, 'update', 'role/app/secret-id/lookup', { secret_id })).status).toBe(204);
      expect(await send(backend, op, 'role/app/secret-id-accessor/destroy', { secret_id_accessor })).toMatchObject({
        status: 500,
        errors: [multi(`failed to find accessor entry for secret_id_accessor: "${secret_id_accessor}"`)],
      });
    },
  );

  it("another role's accessor: lookup finds nothing (204), destroy is refused (403)", async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'a');
    await createRole(backend, 'b');
    const { secret_id_accessor } = await generateSecretId(backend, 'a');
    expect((await send(backend, 'update', 'role/b/secret-id-accessor/lookup', { secret_id_accessor })).status).toBe(
      204,
    );
    expect(await send(backend, 'update', 'role/b/secret-id-accessor/destroy', { secret_id_accessor })).toMatchObject({
      status: 403,
      errors: ['invalid secret id accessor'],
    });
  });

  it.each([
    ['secret-id-accessor/lookup', {}, 'missing secret_id_accessor'],
    ['secret-id-accessor/destroy', {}, 'missing secret_id_accessor'],
    ['secret-id/destroy', {}, 'missing secret_id'],
  ])('%s without its parameter is a 400', async (path, body, message) => {
    const { backend } = newTestBackend();
    await createRole(backend, 'app');
    expect(await send(backend, 'update', `role/app/${path}`, body)).toMatchObject({ status: 400, errors: [message] });
  });

  it('SecretIDs of one role are invisible to another', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'a');
    await createRole(backend, 'b');
    const { secret_id } = await generateSecretId(backend, 'a');
    expect((await send(backend, 'update', 'role/b/secret-id/lookup', { secret_id })).status).toBe(204);
    expect((await send(backend, 'list', 'role/b/secret-id/')).status).toBe(404);
  });
});
