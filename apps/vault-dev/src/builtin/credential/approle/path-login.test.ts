import { describe, expect, it } from 'vitest';
import { VaultError } from '../../../sdk/errors.js';
import type { Auth } from '../../../sdk/logical.js';
import { makeRequest } from '../../../testing/backend-harness.js';
import { createRole, generateSecretId, login, MOUNT, newTestBackend, send } from './test-kit.js';

const INVALID = ['invalid role or secret ID'];

describe('login', () => {
  it("a SecretID logs in; the auth block carries the role's token settings", async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'MyRole', {
      token_policies: 'Prod-Read, dev,dev',
      token_ttl: '1h',
      token_max_ttl: '4h',
      token_explicit_max_ttl: '8h',
      token_num_uses: 10,
      token_no_default_policy: true,
      token_bound_cidrs: '10.0.0.0/8',
      token_type: 'service',
    });
    const { secret_id } = await generateSecretId(backend, 'myrole', { metadata: '{"pod":"web-1"}' });
    const w = await login(backend, { role_id: roleId, secret_id });
    expect(w.status).toBe(200);
    expect(w.resp?.error).toBeUndefined();
    expect(w.resp?.auth).toEqual({
      policies: ['dev', 'prod-read'],
      metadata: { pod: 'web-1', role_name: 'myrole' },
      displayName: '',
      ttl: 3600,
      maxTTL: 14400,
      explicitMaxTTL: 28800,
      period: 0,
      numUses: 10,
      renewable: true,
      noDefaultPolicy: true,
      boundCidrs: ['10.0.0.0/8'],
      tokenType: 'service',
      aliasName: roleId,
      internalData: { role_name: 'myrole' },
    } satisfies Auth);
  });

  it('a role with defaults gives a default-type token with no TTLs of its own', async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app');
    const { secret_id } = await generateSecretId(backend, 'app');
    expect((await login(backend, { role_id: roleId, secret_id })).resp?.auth).toMatchObject({
      policies: [],
      metadata: { role_name: 'app' },
      ttl: 0,
      maxTTL: 0,
      period: 0,
      tokenType: 'default',
      noDefaultPolicy: false,
    });
  });

  it('a periodic role hands its period to the token', async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app', { period: '30m' });
    const { secret_id } = await generateSecretId(backend, 'app');
    expect((await login(backend, { role_id: roleId, secret_id })).resp?.auth?.period).toBe(1800);
  });

  it('role_id and secret_id are trimmed', async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app');
    const { secret_id } = await generateSecretId(backend, 'app');
    expect((await login(backend, { role_id: ` ${roleId} `, secret_id: `${secret_id}\n` })).status).toBe(200);
  });

  it('a used SecretID cannot log in again', async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app');
    const { secret_id, secret_id_accessor } = await generateSecretId(backend, 'app', { num_uses: 1 });
    expect((await login(backend, { role_id: roleId, secret_id })).status).toBe(200);
    const again = await login(backend, { role_id: roleId, secret_id });
    expect(again).toMatchObject({ status: 400, errors: INVALID });
    expect(again.resp?.error?.invalidCredentials).toBe(true);
    // The last use deleted the SecretID and its accessor.
    expect((await send(backend, 'update', 'role/app/secret-id/lookup', { secret_id })).status).toBe(204);
    expect((await send(backend, 'update', 'role/app/secret-id-accessor/lookup', { secret_id_accessor })).status).toBe(
      404,
    );
    expect((await send(backend, 'list', 'role/app/secret-id/')).status).toBe(404);
  });

  it('a SecretID with num_uses 2 logs in twice', async () => {
    const { backend, advance } = newTestBackend();
    const roleId = await createRole(backend, 'app', { secret_id_num_uses: 2 });
    const { secret_id } = await generateSecretId(backend, 'app');
    const before = await send(backend, 'update', 'role/app/secret-id/lookup', { secret_id });
    advance(5);
    expect((await login(backend, { role_id: roleId, secret_id })).status).toBe(200);
    const after = await send(backend, 'update', 'role/app/secret-id/lookup', { secret_id });
    expect(after.data?.secret_id_num_uses).toBe(1);
    expect(after.data?.last_updated_time).not.toBe(before.data?.last_updated_time);
    expect(after.data?.creation_time).toBe(before.data?.creation_time);
    expect((await login(backend, { role_id: roleId, secret_id })).status).toBe(200);
    expect((await login(backend, { role_id: roleId, secret_id })).errors).toEqual(INVALID);
  });

  it('an unlimited SecretID logs in again and again', async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app');
    const { secret_id } = await generateSecretId(backend, 'app');
    for (let i = 0; i < 5; i++) expect((await login(backend, { role_id: roleId, secret_id })).status).toBe(200);
  });

  it('a wrong SecretID for a known role is an invalid-credentials failure (counts toward lockout)', async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app');
    const w = await login(backend, { role_id: roleId, secret_id: 'wrong' });
    expect(w).toMatchObject({ status: 400, errors: INVALID });
    expect(w.resp?.error?.invalidCredentials).toBe(true);
  });

  it('an unknown role_id fails with the same text but is not an invalid-credentials failure', async () => {
    const { backend } = newTestBackend();
    const w = await login(backend, { role_id: 'nope', secret_id: 'x' });
    expect(w).toMatchObject({ status: 400, errors: INVALID });
    expect(w.resp?.error?.invalidCredentials).toBeUndefined();
  });

  it.each([
    [{ secret_id: 'x' }, 'missing role_id'],
    [{ role_id: '  ' }, 'missing role_id'],
  ])('%j is refused: %s', async (body, message) => {
    const { backend } = newTestBackend();
    expect(await login(backend, body)).toMatchObject({ status: 400, errors: [message] });
  });

  it('a bind_secret_id role without secret_id answers "missing secret_id"', async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app');
    expect(await login(backend, { role_id: roleId })).toMatchObject({ status: 400, errors: ['missing secret_id'] });
  });

  it('a SecretID longer than 4096 bytes is a plain 500', async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app');
    const w = await login(backend, { role_id: roleId, secret_id: 'a'.repeat(4097) });
    expect(w.status).toBe(500);
    expect(w.errors?.[0]).toContain('failed to create HMAC of secret_id: value is longer than maximum of 4096 bytes');
  });

  it('a SecretID only works for its own role', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'a');
    const roleB = await createRole(backend, 'b');
    const { secret_id } = await generateSecretId(backend, 'a');
    expect((await login(backend, { role_id: roleB, secret_id })).errors).toEqual(INVALID);
  });

  it('a bind_secret_id=false role logs in with the role_id alone, from an allowed address', async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app', { bind_secret_id: false, secret_id_bound_cidrs: '10.0.0.0/8' });
    const ok = await login(backend, { role_id: roleId }, '10.1.2.3');
    expect(ok.status).toBe(200);
    expect(ok.resp?.auth?.metadata).toEqual({ role_name: 'app' });
    expect((await login(backend, { role_id: roleId }, '127.0.0.1')).status).toBe(400);
  });
});

describe('login CIDR restrictions', () => {
  it('a SecretID bound to 10.0.0.0/8 cannot log in from 127.0.0.1', async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app');
    const { secret_id } = await generateSecretId(backend, 'app', { cidr_list: '10.0.0.0/8' });
    expect(await login(backend, { role_id: roleId, secret_id }, '127.0.0.1')).toMatchObject({
      status: 400,
      errors: ['source address "127.0.0.1" unauthorized through CIDR restrictions on the secret ID'],
    });
    expect((await login(backend, { role_id: roleId, secret_id }, '10.9.8.7')).status).toBe(200);
  });

  it('a use-limited SecretID refused by its CIDRs still spends a use (as in Vault)', async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app');
    const { secret_id } = await generateSecretId(backend, 'app', { cidr_list: '10.0.0.0/8', num_uses: 2 });
    expect(await login(backend, { role_id: roleId, secret_id }, '127.0.0.1')).toMatchObject({
      status: 400,
      errors: ['source address "127.0.0.1" unauthorized by CIDR restrictions on the secret ID: %!w(<nil>)'],
    });
    const lookup = await send(backend, 'update', 'role/app/secret-id/lookup', { secret_id });
    expect(lookup.data?.secret_id_num_uses).toBe(1);
  });

  it('a role bound to 10.0.0.0/8 refuses 127.0.0.1 and admits 10.1.2.3', async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app', { secret_id_bound_cidrs: '10.0.0.0/8' });
    const { secret_id } = await generateSecretId(backend, 'app');
    expect(await login(backend, { role_id: roleId, secret_id }, '127.0.0.1')).toMatchObject({
      status: 400,
      errors: ['source address "127.0.0.1" unauthorized by CIDR restrictions on the role: %!w(<nil>)'],
    });
    expect((await login(backend, { role_id: roleId, secret_id }, '10.1.2.3')).status).toBe(200);
  });

  it.each([
    ['::1', '::1/128', 200],
    ['2001:db8::5', '2001:db8::/32', 200],
    ['2001:db9::5', '2001:db8::/32', 400],
    ['::ffff:10.0.0.5', '10.0.0.0/8', 200],
    ['127.0.0.1', '::/0', 400],
  ])('source %s against %s answers %i', async (source, cidr, status) => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app', { secret_id_bound_cidrs: cidr });
    const { secret_id } = await generateSecretId(backend, 'app');
    expect((await login(backend, { role_id: roleId, secret_id }, source)).status).toBe(status);
  });

  it('an unparsable source address is reported', async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app', { secret_id_bound_cidrs: '10.0.0.0/8' });
    const { secret_id } = await generateSecretId(backend, 'app');
    expect((await login(backend, { role_id: roleId, secret_id }, 'garbage')).errors).toEqual([
      'source address "garbage" unauthorized by CIDR restrictions on the role: invalid IP address',
    ]);
  });

  it("a SecretID's token_bound_cidrs replace the role's on the token", async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app', { token_bound_cidrs: '10.0.0.0/8' });
    const plain = await generateSecretId(backend, 'app');
    const narrowed = await generateSecretId(backend, 'app', { token_bound_cidrs: '10.0.0.0/24' });
    expect((await login(backend, { role_id: roleId, secret_id: plain.secret_id })).resp?.auth?.boundCidrs).toEqual([
      '10.0.0.0/8',
    ]);
    expect((await login(backend, { role_id: roleId, secret_id: narrowed.secret_id })).resp?.auth?.boundCidrs).toEqual([
      '10.0.0.0/24',
    ]);
  });
});

describe('SecretID expiry at login', () => {
  it('an expired SecretID is refused at login at once (stricter than Vault, which waits for the tidy)', async () => {
    const { backend, advance } = newTestBackend();
    const roleId = await createRole(backend, 'app', { secret_id_ttl: 60 });
    const { secret_id } = await generateSecretId(backend, 'app');
    advance(59);
    expect((await login(backend, { role_id: roleId, secret_id })).status).toBe(200);
    advance(2);
    const w = await login(backend, { role_id: roleId, secret_id });
    expect(w).toMatchObject({ status: 400, errors: INVALID });
    expect(w.resp?.error?.invalidCredentials).toBe(true);
    // Until the tidy runs, the entry is still visible to lookups, as in Vault.
    expect((await send(backend, 'update', 'role/app/secret-id/lookup', { secret_id })).status).toBe(200);
  });

  it('a SecretID with ttl capped by the mount max expires at the cap', async () => {
    const { backend, advance } = newTestBackend({ maxLeaseTTL: 100 });
    const roleId = await createRole(backend, 'app', { secret_id_ttl: 1000 });
    const { secret_id } = await generateSecretId(backend, 'app');
    advance(101);
    expect((await login(backend, { role_id: roleId, secret_id })).errors).toEqual(INVALID);
  });
});

describe('renewal and alias lookahead', () => {
  it('renewal picks up the role’s current TTLs and period', async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app', { token_ttl: 60, token_max_ttl: 600 });
    const { secret_id } = await generateSecretId(backend, 'app');
    const auth = (await login(backend, { role_id: roleId, secret_id })).resp?.auth as Auth;
    await send(backend, 'update', 'role/app', { token_ttl: 120, token_max_ttl: 1200, token_period: 300 });
    const renewed = await backend.renewAuth(makeRequest(MOUNT, 'renew', 'login'), auth);
    expect(renewed).toMatchObject({ ttl: 120, maxTTL: 1200, period: 300, policies: auth.policies });
  });

  it('renewal fails once the role is deleted', async () => {
    const { backend } = newTestBackend();
    const roleId = await createRole(backend, 'app');
    const { secret_id } = await generateSecretId(backend, 'app');
    const auth = (await login(backend, { role_id: roleId, secret_id })).resp?.auth as Auth;
    await send(backend, 'delete', 'role/app');
    const renewal = backend.renewAuth(makeRequest(MOUNT, 'renew', 'login'), auth);
    await expect(renewal).rejects.toBeInstanceOf(VaultError);
    await expect(renewal).rejects.toThrow('role "app" does not exist during renewal');
  });

  it('the alias lookahead answers the trimmed role_id of a login, and nothing elsewhere', () => {
    const { backend } = newTestBackend();
    expect(backend.aliasLookahead(makeRequest(MOUNT, 'update', 'login', { role_id: ' rid ' }))).toBe('rid');
    expect(backend.aliasLookahead(makeRequest(MOUNT, 'update', 'login', {}))).toBeUndefined();
    expect(backend.aliasLookahead(makeRequest(MOUNT, 'update', 'login', null))).toBeUndefined();
    expect(backend.aliasLookahead(makeRequest(MOUNT, 'update', 'role/x', { role_id: 'rid' }))).toBeUndefined();
  });
});
