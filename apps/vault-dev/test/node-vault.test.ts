/**
 * node-vault 0.12 against a started vault-dev: every call the Secret API's
 * Vault client makes, sent by the real library, so that what works here works
 * against Vault and the workarounds are written down where they are needed.
 *
 * node-vault facts these tests rely on (read from node_modules/node-vault/src):
 * - `write` = POST with a JSON body, `read` = GET, `delete` = DELETE, `list`
 *   = the LIST verb (GET ?list=1 with `noCustomHTTPVerbs`), `update` = PATCH
 *   with application/merge-patch+json. A 204 resolves to "" (axios' empty body).
 * - The third argument of write/read/list/delete is merged over
 *   `requestOptions`, so `{ headers: {...} }` sends per-request headers; a
 *   header object you pass is mutated (X-Vault-Token is written into it), so
 *   pass a fresh one each call.
 * - Any status other than 200/204 rejects with an `ApiResponseError` (not
 *   exported by the package: recognise it by `name`/`constructor.name`) whose
 *   `response` is `{statusCode, body}` and whose message is `errors[0]` or
 *   "Status <code>" when `errors` is empty. sys/health never rejects.
 * - Generated helpers with a request schema send ONLY the schema's properties
 *   (unknown ones are silently dropped) and tv4-validate them first; helpers
 *   marked `tokenSource` (tokenCreate, tokenCreateRole, approleLogin,
 *   tokenRenewSelf) replace `client.token` with the token they return.
 */
import vault from 'node-vault';
import { describe, expect, it } from 'vitest';
import { useVaultDev } from './support/vault.js';

const ctx = useVaultDev();

type NodeVaultClient = ReturnType<typeof vault>;

function client(token = 'root', extra: Record<string, unknown> = {}): NodeVaultClient {
  return vault({ apiVersion: 'v1', endpoint: ctx.vault.address, token, ...extra });
}

interface ApiError {
  name: string;
  message: string;
  statusCode: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Awaits a call that must fail with node-vault's ApiResponseError and returns what a client can map. */
async function apiError(call: Promise<unknown>): Promise<ApiError> {
  const outcome = await call.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected an ApiResponseError, got ${JSON.stringify(outcome.value)}`);
  const err = outcome.error as Error & { response?: { statusCode: number; body: unknown } };
  expect(err).toBeInstanceOf(Error);
  expect(err.constructor.name).toBe('ApiResponseError');
  expect(err.response).toBeDefined();
  return {
    name: err.constructor.name,
    message: err.message,
    statusCode: err.response!.statusCode,
    body: err.response!.body,
  };
}

const ROLE_POLICIES = ['secret-api/read-aws.stg.app', 'secret-api/read-aws.stg.other'];

// ---------------------------------------------------------------------------

describe('health', () => {
  it('health() resolves with the sys/health body', async () => {
    const health = await client().health();
    expect(health).toMatchObject({ initialized: true, sealed: false, standby: false });
    expect(typeof health.version).toBe('string');
    expect(typeof health.server_time_utc).toBe('number');
  });

  it('health() works without a token and passes its query options through', async () => {
    const anonymous = vault({ apiVersion: 'v1', endpoint: ctx.vault.address });
    expect((await anonymous.health({ standbyok: true, activecode: 200 })).initialized).toBe(true);
  });
});

describe('ACL policies', () => {
  const hcl = 'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n';

  it('write/read/delete on sys/policies/acl/<name> (names with slashes and dots)', async () => {
    const c = client();
    const name = 'secret-api/read-aws.stg.app';
    expect(await c.write(`sys/policies/acl/${name}`, { policy: hcl })).toBe('');
    const read = await c.read(`sys/policies/acl/${name}`);
    expect(read.data).toEqual({ name, policy: hcl });
    expect(await c.delete(`sys/policies/acl/${name}`)).toBe('');
    const gone = await apiError(c.read(`sys/policies/acl/${name}`));
    expect(gone.statusCode).toBe(404);
    expect(gone.body).toEqual({ errors: [] });
  });

  it("an invalid policy rejects with 400 and Vault's message", async () => {
    const err = await apiError(
      client().write('sys/policies/acl/broken', { policy: 'path "x" { capabilities = ["fly"] }' }),
    );
    expect(err.statusCode).toBe(400);
    expect(err.message).toContain('failed to parse policy');
  });

  it('LIST sys/policies/acl through list() includes root', async () => {
    const c = client();
    await c.write('sys/policies/acl/listed', { policy: hcl });
    expect((await c.list('sys/policies/acl')).data.keys).toEqual(expect.arrayContaining(['default', 'listed', 'root']));
  });

  it('addPolicy/getPolicy/removePolicy use the legacy sys/policy/<name> (rules)', async () => {
    const c = client();
    // addPolicy sends its whole argument as the body ({name, rules}); legacy `rules` works with a deprecation warning.
    const added = await c.addPolicy({ name: 'legacy-helper', rules: hcl });
    expect(added === '' || Array.isArray(added.warnings)).toBe(true);
    const got = await c.getPolicy({ name: 'legacy-helper' });
    expect(got.rules).toBe(hcl); // sys-injected at the top level
    expect(got.data).toEqual({ name: 'legacy-helper', rules: hcl });
    expect((await c.read('sys/policies/acl/legacy-helper')).data.policy).toBe(hcl);
    expect(await c.removePolicy({ name: 'legacy-helper' })).toBe('');
    expect((await apiError(c.getPolicy({ name: 'legacy-helper' }))).statusCode).toBe(404);
  });
});

describe('mounting auth methods and engines', () => {
  it('write("sys/auth/approle", {type}) enables AppRole; enabling it again is 400 "path is already in use"', async () => {
    const c = client();
    expect(await c.write('sys/auth/approle', { type: 'approle' })).toBe('');
    expect((await c.read('sys/auth')).data['approle/']).toMatchObject({ type: 'approle' });
    const again = await apiError(c.write('sys/auth/approle', { type: 'approle' }));
    expect(again.statusCode).toBe(400);
    expect(again.message).toContain('path is already in use at approle/');
  });

  it('enableAuth({mount_point, type}) mounts at mount_point (mount_point also lands in the body and is ignored)', async () => {
    const c = client();
    await c.enableAuth({ mount_point: 'approle-helper', type: 'approle', description: 'via node-vault' });
    const auths = await c.auths();
    expect(auths.data['approle-helper/']).toMatchObject({ type: 'approle', description: 'via node-vault' });
  });

  it('mount({mount_point, type, options}) enables a KV v2 engine', async () => {
    const c = client();
    await c.mount({ mount_point: 'kv-helper', type: 'kv', options: { version: '2' } });
    expect((await c.mounts()).data['kv-helper/']).toMatchObject({ type: 'kv', options: { version: '2' } });
    expect((await c.write('kv-helper/data/x', { data: { a: 1 } })).data.version).toBe(1);
  });
});

describe('AppRole', () => {
  const roleBody = {
    token_policies: ROLE_POLICIES,
    token_period: 300,
    secret_id_num_uses: 1,
    secret_id_ttl: 300,
    token_ttl: 300,
    token_max_ttl: 300,
    token_num_uses: 0,
  };

  async function ensureApprole(c: NodeVaultClient): Promise<void> {
    const auths = await c.auths();
    if (!auths.data['approle/']) await c.write('sys/auth/approle', { type: 'approle' });
  }

  it('write/read auth/approle/role/<r> with token_* fields (the generic calls the Secret API uses)', async () => {
    const c = client();
    await ensureApprole(c);
    expect(await c.write('auth/approle/role/aws.stg.app', roleBody)).toBe('');
    const role = (await c.read('auth/approle/role/aws.stg.app')).data;
    expect(role).toMatchObject({ ...roleBody, bind_secret_id: true, token_type: 'default' });
    // Only token_* keys were sent, so the legacy aliases are absent, and the RoleID is never in this response.
    expect(role).not.toHaveProperty('policies');
    expect(role).not.toHaveProperty('period');
    expect(role).not.toHaveProperty('role_id');
  });

  it('the helpers: getApproleRoleId, getApproleRoleSecret and approleLogin (which switches client.token)', async () => {
    const c = client();
    await ensureApprole(c);
    await c.write('auth/approle/role/login-role', roleBody);

    const roleId = (await c.getApproleRoleId({ role_name: 'login-role' })).data.role_id as string;
    expect(roleId).toMatch(/^[0-9a-f-]{36}$/);

    // getApproleRoleSecret's schema only knows `metadata` (a JSON-encoded STRING) and `cidr_list`;
    // num_uses/ttl overrides would be dropped, so the role's limits apply.
    const secret = await c.getApproleRoleSecret({
      role_name: 'login-role',
      metadata: JSON.stringify({ requested_by: 'secret-api' }),
    });
    expect(secret.data).toMatchObject({ secret_id_ttl: 300, secret_id_num_uses: 1 });
    expect(secret.data.secret_id).toMatch(/^[0-9a-f-]{36}$/);

    const login = client('');
    const auth = (await login.approleLogin({ role_id: roleId, secret_id: secret.data.secret_id })).auth;
    expect(auth).toMatchObject({
      policies: ['default', ...ROLE_POLICIES],
      token_policies: ['default', ...ROLE_POLICIES],
      metadata: { role_name: 'login-role', requested_by: 'secret-api' },
      lease_duration: 300,
      renewable: true,
      orphan: true,
      token_type: 'service',
    });
    expect(login.token).toBe(auth.client_token);

    // secret_id_num_uses = 1: the SecretID is gone after one login.
    const reused = await apiError(client('').approleLogin({ role_id: roleId, secret_id: secret.data.secret_id }));
    expect(reused.statusCode).toBe(400);
    expect(reused.message).toBe('invalid role or secret ID');
  });

  it('getApproleRoleSecret without arguments sends no body at all and still works', async () => {
    const c = client();
    await ensureApprole(c);
    await c.write('auth/approle/role/nobody-role', roleBody);
    expect((await c.getApproleRoleSecret({ role_name: 'nobody-role' })).data.secret_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('addApproleRole only sends its schema fields: legacy policies (comma string) and period work, token_* are dropped', async () => {
    const c = client();
    await ensureApprole(c);
    await c.addApproleRole({
      role_name: 'helper-role',
      policies: 'b-policy,a-policy',
      period: 300,
      secret_id_num_uses: 1,
      secret_id_ttl: 300,
      token_policies: ['silently-dropped'],
    });
    const role = (await c.getApproleRole({ role_name: 'helper-role' })).data;
    // The legacy keys are sorted and echoed back next to the token_* ones.
    expect(role).toMatchObject({
      policies: ['a-policy', 'b-policy'],
      token_policies: ['a-policy', 'b-policy'],
      period: 300,
      token_period: 300,
    });

    // token_ttl/token_max_ttl/token_num_uses are in the schema; token_policies/token_period are not.
    await c.addApproleRole({
      role_name: 'dropped-role',
      token_policies: ['never-sent'],
      token_period: 300,
      token_ttl: 300,
    });
    expect((await c.getApproleRole({ role_name: 'dropped-role' })).data).toMatchObject({
      token_policies: [],
      token_period: 0,
      token_ttl: 300,
    });
  });

  it('a missing role: read is 404, secret-id generation is 404 "role does not exist"', async () => {
    const c = client();
    await ensureApprole(c);
    expect((await apiError(c.read('auth/approle/role/no-such-role'))).statusCode).toBe(404);
    const err = await apiError(c.getApproleRoleSecret({ role_name: 'no-such-role' }));
    expect(err.statusCode).toBe(404);
    expect(err.message).toContain('role "no-such-role" does not exist');
  });
});

describe('token roles and token creation', () => {
  const tokenRole = { allowed_policies: ROLE_POLICIES, disallowed_policies: ['root'], renewable: true, orphan: false };

  it('write/read auth/token/roles/<r> with arrays', async () => {
    const c = client();
    expect(await c.write('auth/token/roles/secret-api-app', tokenRole)).toBe('');
    const role = (await c.read('auth/token/roles/secret-api-app')).data;
    expect(role).toMatchObject({ ...tokenRole, name: 'secret-api-app' });
  });

  it('addTokenRole refuses arrays client-side (tv4), accepts comma strings', async () => {
    const c = client();
    const refused = await c.addTokenRole({ role_name: 'helper-token-role', allowed_policies: ['p1'] }).then(
      () => null,
      (e: unknown) => e as Error & { response?: unknown },
    );
    expect(refused).not.toBeNull();
    // A schema error from tv4, not an HTTP answer: nothing was sent.
    expect(refused?.response).toBeUndefined();
    expect((await apiError(c.read('auth/token/roles/helper-token-role'))).statusCode).toBe(404);

    await c.addTokenRole({
      role_name: 'helper-token-role',
      allowed_policies: 'p1,p2',
      disallowed_policies: 'root',
      orphan: false,
    });
    expect((await c.getTokenRole({ role_name: 'helper-token-role' })).data).toMatchObject({
      allowed_policies: ['p1', 'p2'],
      disallowed_policies: ['root'],
    });
  });

  it('write("auth/token/create/<role>", {ttl, num_uses}) issues a role token and leaves client.token alone', async () => {
    const c = client();
    await c.write('auth/token/roles/secret-api-app', tokenRole);
    const auth = (await c.write('auth/token/create/secret-api-app', { ttl: '60s', num_uses: 2 })).auth;
    expect(auth).toMatchObject({
      policies: ['default', ...ROLE_POLICIES],
      lease_duration: 60,
      renewable: true,
      orphan: false,
      num_uses: 2,
    });
    expect(auth.client_token).toMatch(/^hvs\./);
    expect(c.token).toBe('root');

    // num_uses 2: two requests succeed, then the token is gone.
    const user = client(auth.client_token);
    const first = await user.tokenLookupSelf();
    expect(first.data).toMatchObject({ num_uses: 1, role: 'secret-api-app', path: 'auth/token/create/secret-api-app' });
    expect(first.data.ttl).toBeLessThanOrEqual(60);
    await user.tokenLookupSelf();
    expect((await apiError(user.tokenLookupSelf())).statusCode).toBe(403);
  });

  it('tokenCreateRole / tokenCreate issue tokens but SWITCH client.token to the new one', async () => {
    const c = client();
    await c.write('auth/token/roles/secret-api-app', tokenRole);
    const viaRole = (await c.tokenCreateRole({ role_name: 'secret-api-app', ttl: '60s', num_uses: 2 })).auth;
    expect(viaRole).toMatchObject({ policies: ['default', ...ROLE_POLICIES], lease_duration: 60, num_uses: 2 });
    expect(c.token).toBe(viaRole.client_token);

    const admin = client();
    const plain = (await admin.tokenCreate({ policies: ['default'], ttl: '60s', num_uses: 2 })).auth;
    expect(plain).toMatchObject({ policies: ['default'], lease_duration: 60, num_uses: 2 });
    expect(admin.token).toBe(plain.client_token);
  });

  it("a policy outside the role's allowed list is 400 with Vault's message", async () => {
    const c = client();
    await c.write('auth/token/roles/secret-api-app', tokenRole);
    const err = await apiError(c.write('auth/token/create/secret-api-app', { policies: ['other'], ttl: '60s' }));
    expect(err.statusCode).toBe(400);
    expect(err.message).toContain("must be subset of the role's allowed policies");
  });
});

describe('KV v2 through the generic calls', () => {
  it('write with options.cas, read data and metadata, LIST metadata, delete metadata', async () => {
    const c = client();
    const first = await c.write('secret/data/app/DB_PASSWORD', { data: { value: 'one' }, options: { cas: 0 } });
    expect(first.data).toMatchObject({ version: 1, deletion_time: '', destroyed: false });
    const second = await c.write('secret/data/app/DB_PASSWORD', { data: { value: 'two' }, options: { cas: 1 } });
    expect(second.data.version).toBe(2);

    const read = await c.read('secret/data/app/DB_PASSWORD');
    expect(read.data.data).toEqual({ value: 'two' });
    expect(read.data.metadata.version).toBe(2);
    expect((await c.read('secret/data/app/DB_PASSWORD?version=1')).data.data).toEqual({ value: 'one' });

    const meta = await c.read('secret/metadata/app/DB_PASSWORD');
    expect(meta.data).toMatchObject({ current_version: 2, oldest_version: 0 });
    expect(Object.keys(meta.data.versions)).toEqual(['1', '2']);

    await c.write('secret/data/app/API_KEY', { data: { value: 'k' }, options: { cas: 0 } });
    await c.write('secret/data/app/nested/X', { data: { value: 'x' } });
    expect((await c.list('secret/metadata/app')).data.keys).toEqual(['API_KEY', 'DB_PASSWORD', 'nested/']);

    expect(await c.delete('secret/metadata/app/DB_PASSWORD')).toBe('');
    const gone = await apiError(c.read('secret/data/app/DB_PASSWORD'));
    expect(gone).toMatchObject({ statusCode: 404, message: 'Status 404', body: { errors: [] } });
    expect((await apiError(c.read('secret/metadata/app/DB_PASSWORD'))).statusCode).toBe(404);
    expect((await c.list('secret/metadata/app')).data.keys).toEqual(['API_KEY', 'nested/']);
  });

  it('a cas mismatch rejects with 400 and the check-and-set message', async () => {
    const c = client();
    await c.write('secret/data/app/CAS', { data: { value: 'v' }, options: { cas: 0 } });
    const err = await apiError(c.write('secret/data/app/CAS', { data: { value: 'w' }, options: { cas: 0 } }));
    expect(err.statusCode).toBe(400);
    expect(err.message).toBe('check-and-set parameter did not match the current version');
  });

  it('a soft-deleted secret rejects with 404 but its body carries the metadata (deleted vs missing)', async () => {
    const c = client();
    await c.write('secret/data/app/SOFT', { data: { value: 'v' } });
    expect(await c.delete('secret/data/app/SOFT')).toBe('');
    const err = await apiError(c.read('secret/data/app/SOFT'));
    expect(err.statusCode).toBe(404);
    expect(err.message).toBe('Status 404');
    expect(err.body.data.data).toBeNull();
    expect(err.body.data.metadata.deletion_time).not.toBe('');
  });

  it('list() of an empty folder rejects with 404; noCustomHTTPVerbs lists with GET ?list=1', async () => {
    expect((await apiError(client().list('secret/metadata/nothing-here'))).statusCode).toBe(404);
    await client().write('secret/data/verbs/a', { data: { v: 1 } });
    const getList = client('root', { noCustomHTTPVerbs: true });
    expect((await getList.list('secret/metadata/verbs')).data.keys).toEqual(['a']);
  });

  it('update() sends a JSON merge patch (PATCH data/)', async () => {
    const c = client();
    await c.write('secret/data/app/PATCHED', { data: { a: '1', b: '2' } });
    const r = await c.update('secret/data/app/PATCHED', { data: { b: null, c: '3' } });
    expect(r.data.version).toBe(2);
    expect((await c.read('secret/data/app/PATCHED')).data.data).toEqual({ a: '1', c: '3' });
  });

  it('writing the value at the top level (no `data`) rejects with 400 "no data provided"', async () => {
    const err = await apiError(client().write('secret/data/app/FLAT', { value: 'x' }));
    expect(err).toMatchObject({ statusCode: 400, message: 'no data provided' });
  });
});

describe('response wrapping', () => {
  async function approleForWrapping(c: NodeVaultClient): Promise<void> {
    if (!(await c.auths()).data['approle/']) await c.write('sys/auth/approle', { type: 'approle' });
    await c.write('auth/approle/role/wrapped-role', {
      token_policies: ['default'],
      secret_id_ttl: 300,
      secret_id_num_uses: 1,
    });
  }

  it('write(path, body, {headers: {"X-Vault-Wrap-TTL"}}) wraps; unwrap({token}) returns the original once', async () => {
    const c = client();
    await approleForWrapping(c);
    const wrapped = await c.write(
      'auth/approle/role/wrapped-role/secret-id',
      {},
      { headers: { 'X-Vault-Wrap-TTL': '60' } },
    );
    expect(wrapped.request_id).toBe('');
    expect(wrapped.data).toBeNull();
    expect(wrapped.wrap_info).toMatchObject({ ttl: 60, creation_path: 'auth/approle/role/wrapped-role/secret-id' });
    expect(wrapped.wrap_info.wrapped_accessor).toMatch(/^[0-9a-f-]{36}$/);

    const unwrapped = await c.unwrap({ token: wrapped.wrap_info.token });
    expect(unwrapped.data.secret_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(unwrapped.data.secret_id_accessor).toBe(wrapped.wrap_info.wrapped_accessor);
    expect(unwrapped.request_id).toMatch(/^[0-9a-f-]{36}$/);

    const again = await apiError(c.unwrap({ token: wrapped.wrap_info.token }));
    expect(again).toMatchObject({ statusCode: 400, message: 'wrapping token is not valid or does not exist' });
  });

  it('unwrap can also send the wrapping token as X-Vault-Token with no body (args.requestOptions.headers)', async () => {
    const c = client();
    await approleForWrapping(c);
    const wrapped = await c.write(
      'auth/approle/role/wrapped-role/secret-id',
      {},
      { headers: { 'X-Vault-Wrap-TTL': '5m' } },
    );
    expect(wrapped.wrap_info.ttl).toBe(300);
    const unwrapped = await c.unwrap({ requestOptions: { headers: { 'X-Vault-Token': wrapped.wrap_info.token } } });
    expect(unwrapped.data.secret_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(c.token).toBe('root');
  });

  it('read(path, {headers}) wraps a KV read too', async () => {
    const c = client();
    await c.write('secret/data/app/WRAPPED', { data: { value: 'inside' } });
    const wrapped = await c.read('secret/data/app/WRAPPED', { headers: { 'X-Vault-Wrap-TTL': '60' } });
    expect(JSON.stringify(wrapped)).not.toContain('inside');
    expect((await c.unwrap({ token: wrapped.wrap_info.token })).data.data).toEqual({ value: 'inside' });
  });
});

describe("the token's own lifecycle", () => {
  it('tokenLookupSelf, tokenRenewSelf({increment}) and tokenRevokeSelf with a default-policy token', async () => {
    const created = (await client().write('auth/token/create', { policies: ['default'], ttl: '1h' })).auth;
    const c = client(created.client_token);

    const self = await c.tokenLookupSelf();
    expect(self.data).toMatchObject({
      id: created.client_token,
      policies: ['default'],
      renewable: true,
      path: 'auth/token/create',
    });
    expect(self.data.ttl).toBeGreaterThan(3500);
    expect(self.data.ttl).toBeLessThanOrEqual(3600);

    const renewed = await c.tokenRenewSelf({ increment: '2h' });
    expect(renewed.auth).toMatchObject({ client_token: created.client_token, lease_duration: 7200, renewable: true });
    expect(c.token).toBe(created.client_token);

    expect(await c.tokenRevokeSelf()).toBe('');
    const after = await apiError(c.tokenLookupSelf());
    expect(after.statusCode).toBe(403);
    expect(after.message).toContain('permission denied');
  });

  it('the dev root token looks itself up', async () => {
    const self = await client().tokenLookupSelf();
    expect(self.data).toMatchObject({ id: 'root', policies: ['root'], ttl: 0 });
  });
});

describe('errors our client maps', () => {
  it.each([
    ['400 for a bad request', async () => client().write('auth/token/create', { ttl: 'not-a-duration' }), 400],
    [
      '403 for a token without the capability',
      async () =>
        client((await client().write('auth/token/create', { policies: ['default'] })).auth.client_token).read(
          'secret/data/app/API_KEY',
        ),
      403,
    ],
    ['403 for an unknown token', async () => client('hvs.unknown').read('secret/data/app/API_KEY'), 403],
    ['404 for a missing secret', async () => client().read('secret/data/app/never-written'), 404],
    ['405 for an unsupported operation', async () => client().delete('auth/token/lookup-self'), 405],
  ])('%s rejects with ApiResponseError and response.statusCode', async (_name, call, status) => {
    const err = await apiError(call());
    expect(err.statusCode).toBe(status);
    expect(err.name).toBe('ApiResponseError');
    expect(Array.isArray(err.body.errors)).toBe(true);
  });

  it("403 messages are Vault's multierror texts", async () => {
    const unknown = await apiError(client('hvs.unknown').read('secret/data/x'));
    expect(unknown.message).toBe('2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n');
    const token = (await client().write('auth/token/create', { policies: ['default'] })).auth.client_token;
    const denied = await apiError(client(token).read('secret/data/x'));
    expect(denied.message).toBe('1 error occurred:\n\t* permission denied\n\n');
  });
});
