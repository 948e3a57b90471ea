/**
 * §9 audit through real HTTP against a started vault-dev: a file device, the
 * sys/audit endpoints, and the log lines an operator greps to detect SecretID
 * misuse (replays, unwraps) without any secret showing in plaintext.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MULTI_PERMISSION_DENIED, useVaultDev, type VaultClient } from './support/vault.js';

// Lockout after 2 bad SecretIDs, so the lockout audit test needs only two failed logins.
const ctx = useVaultDev({ lockout: { threshold: 2 } });

const HMAC = /^hmac-sha256:[0-9a-f]{64}$/;
const INVALID = 'invalid role or secret ID';

let dir: string;
let logPath: string;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Entry = any;

/** Every line of the audit log, parsed (each must be one JSON object). */
function entries(): Entry[] {
  return readFileSync(logPath, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Entry);
}

function logText(): string {
  return readFileSync(logPath, 'utf8');
}

/** The request and response lines of one request, by its id (= the HTTP request_id). */
function linesOf(requestId: string): { request: Entry; response: Entry } {
  const all = entries().filter((e) => e.request?.id === requestId);
  const request = all.filter((e) => e.type === 'request');
  const response = all.filter((e) => e.type === 'response');
  expect(request).toHaveLength(1);
  expect(response).toHaveLength(1);
  return { request: request[0], response: response[0] };
}

async function auditHash(input: string, device = 'file'): Promise<string> {
  const r = await ctx.client.post(`sys/audit-hash/${device}`, { input });
  expect(r.status).toBe(200);
  return r.body.data.hash as string;
}

let seq = 0;
async function setupRole(client: VaultClient, body: Record<string, unknown> = {}) {
  const name = `audit-role-${++seq}`;
  const w = await client.post(`auth/approle/role/${name}`, body);
  expect([200, 204]).toContain(w.status);
  const roleId = (await client.get(`auth/approle/role/${name}/role-id`)).body.data.role_id as string;
  return { name, roleId };
}

async function mint(client: VaultClient, name: string, body: Record<string, unknown> = {}) {
  const r = await client.post(`auth/approle/role/${name}/secret-id`, body);
  expect(r.status).toBe(200);
  return {
    secretId: r.body.data.secret_id as string,
    accessor: r.body.data.secret_id_accessor as string,
    requestId: r.body.request_id as string,
  };
}

const login = (roleId: string, secretId: string) =>
  ctx.client.post('auth/approle/login', { role_id: roleId, secret_id: secretId }, { token: null });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vault-dev-audit-'));
  logPath = join(dir, 'audit.log');
  expect((await ctx.client.post('sys/auth/approle', { type: 'approle' })).status).toBe(204);
  const r = await ctx.client.put('sys/audit/file', { type: 'file', options: { file_path: logPath } });
  expect(r.status).toBe(204);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('enabling a file audit device', () => {
  it('the log file exists with mode 0600 and every line is one JSON object with a type', () => {
    expect(statSync(logPath).mode & 0o777).toBe(0o600);
    const all = entries();
    expect(all.length).toBeGreaterThan(0);
    for (const e of all) expect(['request', 'response']).toContain(e.type);
  });

  it('GET sys/audit lists the device by path, sys-injected at the top level', async () => {
    const r = await ctx.client.get('sys/audit');
    expect(r.status).toBe(200);
    const device = { type: 'file', description: '', options: { file_path: logPath }, local: false, path: 'file/' };
    expect(r.body.data).toEqual({ 'file/': device });
    expect(r.body['file/']).toEqual(device);
  });

  it('needs sudo: a token allowed everything on sys/audit* except sudo gets 403', async () => {
    await ctx.client.policy(
      'audit-no-sudo',
      'path "sys/audit*" { capabilities = ["create", "read", "update", "delete", "list"] }',
    );
    await ctx.client.policy(
      'audit-sudo',
      'path "sys/audit*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }',
    );
    const noSudo = await ctx.client.tokenWith(['audit-no-sudo']);
    const read = await ctx.client.get('sys/audit', { token: noSudo });
    expect(read.status).toBe(403);
    expect(read.body).toEqual({ errors: [MULTI_PERMISSION_DENIED] });
    const enable = await ctx.client.put(
      'sys/audit/nosudo',
      { type: 'file', options: { file_path: join(dir, 'nosudo.log') } },
      { token: noSudo },
    );
    expect(enable.status).toBe(403);
    expect((await ctx.client.get('sys/audit', { token: await ctx.client.tokenWith(['default']) })).status).toBe(403);

    const sudo = await ctx.client.tokenWith(['audit-sudo']);
    expect((await ctx.client.get('sys/audit', { token: sudo })).status).toBe(200);
  });

  it.each([
    ['an unknown type', { type: 'socketz', options: { file_path: '/tmp/x' } }],
    ['a file device without file_path', { type: 'file', options: {} }],
    ['a path already in use', { type: 'file', options: { file_path: '/tmp/x' } }, 'file'],
  ])('enabling %s is a 400', async (_case, body, path = 'bad') => {
    const r = await ctx.client.put(`sys/audit/${path}`, body);
    expect(r.status).toBe(400);
    expect((await ctx.client.get('sys/audit')).body.data).not.toHaveProperty('bad/');
  });
});

describe('sys/audit-hash', () => {
  it('returns hmac-sha256:<hex>, stable for an input and sys-injected', async () => {
    const r = await ctx.client.post('sys/audit-hash/file', { input: 'some-value' });
    expect(r.status).toBe(200);
    expect(r.body.data.hash).toMatch(HMAC);
    expect(r.body.hash).toBe(r.body.data.hash);
    expect(await auditHash('some-value')).toBe(r.body.data.hash);
    expect(await auditHash('other-value')).not.toBe(r.body.data.hash);
  });

  it('each device has its own salt, lost when it is disabled', async () => {
    const second = join(dir, 'second.log');
    expect((await ctx.client.put('sys/audit/second', { type: 'file', options: { file_path: second } })).status).toBe(
      204,
    );
    const before = await auditHash('v', 'second');
    expect(before).not.toBe(await auditHash('v', 'file'));
    expect((await ctx.client.delete('sys/audit/second')).status).toBe(204);
    expect((await ctx.client.put('sys/audit/second', { type: 'file', options: { file_path: second } })).status).toBe(
      204,
    );
    expect(await auditHash('v', 'second')).not.toBe(before);
    expect((await ctx.client.delete('sys/audit/second')).status).toBe(204);
  });

  it('needs update on sys/audit-hash/<device> but not sudo (it is not a root-protected path)', async () => {
    await ctx.client.policy('audit-hash-only', 'path "sys/audit-hash/*" { capabilities = ["update"] }');
    const token = await ctx.client.tokenWith(['audit-hash-only']);
    const r = await ctx.client.post('sys/audit-hash/file', { input: 'x' }, { token });
    expect(r.status).toBe(200);
    expect(r.body.data.hash).toBe(await auditHash('x'));
    expect(
      (await ctx.client.post('sys/audit-hash/file', { input: 'x' }, { token: await ctx.client.tokenWith(['default']) }))
        .status,
    ).toBe(403);
  });

  it('an unknown device is a 400', async () => {
    const r = await ctx.client.post('sys/audit-hash/nope', { input: 'x' });
    expect(r.status).toBe(400);
  });
});

describe('detecting a replayed SecretID', () => {
  let name: string;
  let roleId: string;
  let secretId: string;
  let first: Awaited<ReturnType<typeof login>>;
  let replay: Awaited<ReturnType<typeof login>>;

  beforeAll(async () => {
    ({ name, roleId } = await setupRole(ctx.client, { token_policies: 'default', token_ttl: '10m' }));
    ({ secretId } = await mint(ctx.client, name, { num_uses: 1, metadata: '{"pod":"web-0"}' }));
    first = await login(roleId, secretId);
    replay = await login(roleId, secretId);
  });

  it('the first login succeeds and the replay is a 400', () => {
    expect(first.status).toBe(200);
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({ errors: [INVALID] });
  });

  it('audit-hash of the SecretID equals request.data.secret_id in both login request lines', async () => {
    const h = await auditHash(secretId);
    const logins = entries().filter(
      (e) => e.type === 'request' && e.request.path === 'auth/approle/login' && e.request.data?.secret_id === h,
    );
    expect(logins).toHaveLength(2);
    for (const e of logins) {
      expect(e.request).toMatchObject({
        operation: 'update',
        mount_type: 'approle',
        mount_point: 'auth/approle/',
        remote_address: '127.0.0.1',
        data: { role_id: await auditHash(roleId), secret_id: h },
      });
    }
    // The HTTP request_id pairs the request line with its response line.
    const ok = linesOf(first.body.request_id);
    expect(ok.request.request.data.secret_id).toBe(h);
    expect(ok.response.request.data.secret_id).toBe(h);
  });

  it('the successful login response line has role_name in plaintext and the client token HMACed', async () => {
    const { response } = linesOf(first.body.request_id);
    expect(response).not.toHaveProperty('error');
    expect(response.response.auth.metadata).toEqual({ pod: 'web-0', role_name: name });
    expect(response.response.auth.client_token).toBe(await auditHash(first.body.auth.client_token));
    expect(response.response.auth.accessor).toBe(await auditHash(first.body.auth.accessor));
    expect(response.response.auth.policies).toEqual(['default']);
    expect(response.response.auth.token_ttl).toBe(600);
  });

  it('the replay response line has a top-level error and response.data.error = HMAC of the message, and no auth', async () => {
    const h = await auditHash(secretId);
    const responses = entries().filter(
      (e) => e.type === 'response' && e.request.path === 'auth/approle/login' && e.request.data?.secret_id === h,
    );
    expect(responses).toHaveLength(2);
    const failed = responses.filter((e) => e.error);
    expect(failed).toHaveLength(1);
    const line = failed[0];
    // Vault's outer error for a bad SecretID is ErrInvalidCredentials.
    expect(line.error).toBe('invalid credentials');
    expect(line.response.data.error).toBe(await auditHash(INVALID));
    expect(line.response).not.toHaveProperty('auth');
  });
});

describe('SecretID creation in the log', () => {
  it('an unwrapped SecretID response has the SecretID and its accessor HMACed, numbers plain', async () => {
    const { name } = await setupRole(ctx.client);
    const minted = await mint(ctx.client, name, { num_uses: 3, ttl: 600 });
    const { request, response } = linesOf(minted.requestId);
    expect(request.request.path).toBe(`auth/approle/role/${name}/secret-id`);
    expect(response.response.data).toEqual({
      secret_id: await auditHash(minted.secretId),
      secret_id_accessor: await auditHash(minted.accessor),
      secret_id_num_uses: 3,
      secret_id_ttl: 600,
    });
  });

  it('a wrapped SecretID response line has wrap_info.token, accessor and wrapped_accessor HMACed and no data', async () => {
    const { name } = await setupRole(ctx.client);
    const before = entries().length;
    const r = await ctx.client.post(
      `auth/approle/role/${name}/secret-id`,
      {},
      { headers: { 'X-Vault-Wrap-TTL': '120' } },
    );
    expect(r.status).toBe(200);
    const wrap = r.body.wrap_info;
    const lines = entries().slice(before);
    const response = lines.find(
      (e) => e.type === 'response' && e.request.path === `auth/approle/role/${name}/secret-id`,
    );
    expect(response).toBeDefined();
    expect(response.request.wrap_ttl).toBe(120);
    expect(response.response).not.toHaveProperty('data');
    expect(response.response.wrap_info).toMatchObject({
      token: await auditHash(wrap.token),
      accessor: await auditHash(wrap.accessor),
      wrapped_accessor: await auditHash(wrap.wrapped_accessor),
      creation_path: `auth/approle/role/${name}/secret-id`,
      ttl: 120,
    });

    // The unwrap is audited under the wrapping token's HMAC, with the unwrapped SecretID HMACed:
    // that is how an operator tells whether (and from where) a wrapping token was unwrapped.
    const unwrapped = await ctx.client.post('sys/wrapping/unwrap', undefined, { token: wrap.token });
    expect(unwrapped.status).toBe(200);
    const secretId = unwrapped.body.data.secret_id as string;
    // A second unwrap is refused before any audit entry is written: Vault's
    // handleCancelableRequest returns ErrInvalidWrappingToken ahead of both audit
    // calls (vault-api.md §9 says it leaves a response line; the code says it does not).
    const again = await ctx.client.post('sys/wrapping/unwrap', undefined, { token: wrap.token });
    expect(again.status).toBe(400);
    const unwraps = entries().filter(
      (e) => e.request?.path === 'sys/wrapping/unwrap' && e.request.client_token === response.response.wrap_info.token,
    );
    expect(unwraps.map((e) => e.type)).toEqual(['request', 'response']);
    expect(unwraps[1].response.data).toEqual({
      secret_id: await auditHash(secretId),
      secret_id_accessor: await auditHash(wrap.wrapped_accessor),
      // Numbers decoded from the wrapped JSON body are json.Number (a string kind), so Vault HMACs them too.
      secret_id_num_uses: await auditHash('0'),
      secret_id_ttl: await auditHash('0'),
    });
    expect(logText()).not.toContain(secretId);
  });
});

describe('no secret in plaintext anywhere', () => {
  it('SecretIDs, RoleIDs, tokens, accessors and KV values never appear in the log', async () => {
    await ctx.client.policy(
      'audit-admin',
      'path "*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }',
    );
    const admin = ctx.client.as(await ctx.client.tokenWith(['audit-admin']));
    await ctx.client.policy('audit-reader', 'path "secret/data/audit-app/*" { capabilities = ["read"] }');
    const kvValue = `kv-value-${Date.now()}-s3cr3t`;
    expect((await admin.post('secret/data/audit-app/db', { data: { password: kvValue } })).status).toBe(200);

    const { name, roleId } = await setupRole(admin, { token_policies: 'audit-reader' });
    const wrapped = await admin.post(
      `auth/approle/role/${name}/secret-id`,
      {},
      { headers: { 'X-Vault-Wrap-TTL': '60' } },
    );
    const wrapToken = wrapped.body.wrap_info.token as string;
    const wrapAccessor = wrapped.body.wrap_info.accessor as string;
    const unwrapped = await ctx.client.post('sys/wrapping/unwrap', undefined, { token: wrapToken });
    const secretId = unwrapped.body.data.secret_id as string;
    const secretIdAccessor = unwrapped.body.data.secret_id_accessor as string;
    const lookup = await admin.post(`auth/approle/role/${name}/secret-id/lookup`, { secret_id: secretId });
    expect(lookup.status).toBe(200);
    expect((await admin.list(`auth/approle/role/${name}/secret-id`)).body.data.keys).toEqual([secretIdAccessor]);
    // A wrapped login, unwrapped: the token travels inside the unwrap response.
    const second = (await admin.post(`auth/approle/role/${name}/secret-id`, {})).body.data;
    const wrappedLogin = await ctx.client.post(
      'auth/approle/login',
      { role_id: roleId, secret_id: second.secret_id },
      { token: null, headers: { 'X-Vault-Wrap-TTL': '60' } },
    );
    const unwrappedLogin = await ctx.client.post('sys/wrapping/unwrap', undefined, {
      token: wrappedLogin.body.wrap_info.token,
    });
    const wrappedClientToken = unwrappedLogin.body.auth.client_token as string;
    const l = await login(roleId, secretId);
    const clientToken = l.body.auth.client_token as string;
    const tokenAccessor = l.body.auth.accessor as string;
    const read = await ctx.client.get('secret/data/audit-app/db', { token: clientToken });
    expect(read.body.data.data.password).toBe(kvValue);
    expect((await ctx.client.get('auth/token/lookup-self', { token: clientToken })).status).toBe(200);
    expect((await ctx.client.post('auth/token/renew-self', {}, { token: clientToken })).status).toBe(200);

    const text = logText();
    const secrets = {
      secretId,
      secretIdAccessor,
      roleId,
      clientToken,
      tokenAccessor,
      wrapToken,
      wrapAccessor,
      kvValue,
      adminToken: admin.token,
      secondSecretId: second.secret_id as string,
      wrappedLoginToken: wrappedLogin.body.wrap_info.token as string,
      wrappedClientToken,
      wrappedClientAccessor: unwrappedLogin.body.auth.accessor as string,
    };
    for (const [label, value] of Object.entries(secrets)) {
      expect(text.includes(value), `${label} appears in plaintext`).toBe(false);
    }
    // …but each is findable by its HMAC.
    expect(text).toContain(await auditHash(secretId));
    expect(text).toContain(await auditHash(kvValue));
    expect(text).toContain(await auditHash(clientToken));
  });
});

describe('what is and is not audited', () => {
  it('a denied request is audited: request and response lines carry permission denied', async () => {
    const token = await ctx.client.tokenWith(['default']);
    const r = await ctx.client.get('secret/data/audit-denied', { token });
    expect(r.status).toBe(403);
    const lines = entries().filter((e) => e.request?.path === 'secret/data/audit-denied');
    const request = lines.find((e) => e.type === 'request');
    const response = lines.find((e) => e.type === 'response');
    expect(request).toBeDefined();
    expect(response).toBeDefined();
    expect(request.error).toContain('permission denied');
    expect(request.auth.policy_results.allowed).toBe(false);
    expect(request.request.client_token).toBe(await auditHash(token));
    expect(request.request.operation).toBe('read');
    expect(response.error).toContain('permission denied');
  });

  it('a locked-out login is audited with a permission denied error', async () => {
    const { name, roleId } = await setupRole(ctx.client);
    const { secretId } = await mint(ctx.client, name);
    // This server locks after 2 bad SecretIDs.
    expect((await login(roleId, 'bad-1')).status).toBe(400);
    expect((await login(roleId, 'bad-2')).status).toBe(400);
    const locked = await login(roleId, secretId);
    expect(locked.status).toBe(403);
    const h = await auditHash(secretId);
    const lines = entries().filter((e) => e.request?.path === 'auth/approle/login' && e.request.data?.secret_id === h);
    expect(lines.map((e) => e.type)).toEqual(['request', 'response']);
    expect(lines[1].error).toBe('permission denied');
    expect(lines[1].response?.auth).toBeUndefined();
  });

  it('a backend error response is audited with response.data.error HMACed and no top-level error', async () => {
    const { name } = await setupRole(ctx.client, { secret_id_ttl: 60 });
    const r = await ctx.client.post(`auth/approle/role/${name}/secret-id`, { ttl: 120 });
    expect(r.status).toBe(400);
    const response = entries().find(
      (e) => e.type === 'response' && e.request.path === `auth/approle/role/${name}/secret-id`,
    );
    expect(response).toBeDefined();
    expect(response).not.toHaveProperty('error');
    expect(response.response.data.error).toBe(await auditHash("ttl cannot be longer than the role's secret_id_ttl"));
  });

  it('a login with an unknown role_id has no top-level error (only ErrInvalidCredentials sets one)', async () => {
    const roleId = `unknown-role-id-${Date.now()}`;
    expect((await login(roleId, 'whatever')).status).toBe(400);
    const h = await auditHash(roleId);
    const response = entries().find((e) => e.type === 'response' && e.request.data?.role_id === h);
    expect(response).toBeDefined();
    expect(response).not.toHaveProperty('error');
    expect(response.response.data.error).toBe(await auditHash(INVALID));
  });

  it('sys/health and sys/seal-status are not audited', async () => {
    expect((await ctx.client.get('sys/health')).status).toBe(200);
    expect((await ctx.client.get('sys/seal-status')).status).toBe(200);
    const paths = entries().map((e) => e.request?.path);
    expect(paths).not.toContain('sys/health');
    expect(paths).not.toContain('sys/seal-status');
  });

  it('an ordinary read is audited with the request and response pair sharing the request_id', async () => {
    await ctx.client.post('secret/data/audit-plain', { data: { k: 'v' } });
    const r = await ctx.client.get('secret/data/audit-plain');
    const { request, response } = linesOf(r.body.request_id);
    expect(request.request).toMatchObject({ operation: 'read', path: 'secret/data/audit-plain', mount_type: 'kv' });
    expect(request.auth.policies).toEqual(['root']);
    expect(response.response.data.data).toEqual({ k: await auditHash('v') });
  });
});
