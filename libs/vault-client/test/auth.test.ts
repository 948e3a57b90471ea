import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { VaultClient, VaultClientStateError, VaultPermissionError, VaultRequestError } from '../src/index.js';
import { client, ensureApprole, recordingLogger, rejection, useVaultDev } from './support.js';

const ctx = useVaultDev();

const readAppHcl = 'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n';

async function approle(name: string, role: Record<string, unknown> = {}): Promise<string> {
  await ensureApprole(ctx.root);
  await ctx.root.writePolicy('read-app', readAppHcl);
  await ctx.root.write(
    `auth/approle/role/${name}`,
    { token_policies: ['read-app'], secret_id_ttl: 300, secret_id_num_uses: 5, token_ttl: 300, ...role },
    { idempotent: true },
  );
  const roleId = (await ctx.root.read<{ role_id: string }>(`auth/approle/role/${name}/role-id`))?.role_id;
  if (!roleId) throw new Error('no role id');
  return roleId;
}

async function secretId(name: string): Promise<string> {
  const r = await ctx.root.write<{ secret_id: string }>(`auth/approle/role/${name}/secret-id`, {});
  return r.data!.secret_id;
}

async function childToken(policies: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const r = await ctx.root.write('auth/token/create', { policies, ...extra });
  return r.auth!.client_token;
}

describe('AppRole', () => {
  it('loginAppRole returns the auth block without touching the client token', async () => {
    const roleId = await approle('login-role');
    const sid = await secretId('login-role');
    const auth = await ctx.root.loginAppRole(roleId, sid);
    expect(auth).toMatchObject({ policies: ['default', 'read-app'], renewable: true, lease_duration: 300 });
    expect(auth.client_token).toMatch(/^hvs\./);
    expect((await ctx.root.lookupSelf()).id).toBe('root');
  });

  it('a wrapped SecretID is unwrapped once, then the wrapping token is invalid', async () => {
    const roleId = await approle('wrapped-role');
    const wrapped = await ctx.root.write('auth/approle/role/wrapped-role/secret-id', {}, { wrapTTL: '60s' });
    expect(wrapped.data).toBeNull();
    expect(wrapped.wrapInfo).toMatchObject({ ttl: 60, creation_path: 'auth/approle/role/wrapped-role/secret-id' });

    // Unwrapping needs no token of its own (the wrapping token is sent as X-Vault-Token).
    const anonymous = new VaultClient({ address: ctx.vault.address, auth: { token: '' } });
    const unwrapped = await anonymous.unwrap<{ secret_id: string; secret_id_accessor: string }>(
      wrapped.wrapInfo!.token,
    );
    expect(unwrapped.data?.secret_id_accessor).toBe(wrapped.wrapInfo!.wrapped_accessor);
    const auth = await anonymous.loginAppRole(roleId, unwrapped.data!.secret_id);
    expect(auth.token_policies).toEqual(['default', 'read-app']);

    const again = await rejection(anonymous.unwrap(wrapped.wrapInfo!.token));
    expect(again).toBeInstanceOf(VaultRequestError);
    expect(again.message).toContain('wrapping token is not valid or does not exist');
    expect(again.message).not.toContain(wrapped.wrapInfo!.token);
  });

  it('a client with AppRole auth logs in lazily and reads what its policy allows, nothing else', async () => {
    const roleId = await approle('app-client');
    await ctx.root.kvV2().put('app/VISIBLE', { value: 'x' });
    const c = client(ctx.vault.address, { auth: { roleId, secretId: await secretId('app-client') } });
    expect((await c.kvV2().get('app/VISIBLE'))?.data).toEqual({ value: 'x' });
    expect(c.tokenStatus()).toMatchObject({ mode: 'approle', logins: 1, hasToken: true });
    const denied = await rejection(c.kvV2().get('other/SECRET'));
    expect(denied).toBeInstanceOf(VaultPermissionError);
    c.close();
  });

  it('re-logs in when renewal fails because the token was revoked', async () => {
    const roleId = await approle('relogin-role');
    const log = recordingLogger();
    const c = client(ctx.vault.address, {
      auth: { roleId, secretId: await secretId('relogin-role') },
      logger: log.logger,
    });
    await c.start();
    const first = (await c.lookupSelf()).accessor;
    await ctx.root.write('auth/token/revoke-accessor', { accessor: first });

    await c.refreshToken(); // what the timer runs: renew-self is refused, so it logs in again
    expect(c.tokenStatus()).toMatchObject({ logins: 2, lastError: null });
    expect((await c.lookupSelf()).accessor).not.toBe(first);
    expect(log.lines.some((l) => l.message.includes('logging in again'))).toBe(true);
    c.close();
  });

  it('a request with a revoked AppRole token logs in again once and succeeds', async () => {
    const roleId = await approle('retry-login-role');
    const c = client(ctx.vault.address, { auth: { roleId, secretId: await secretId('retry-login-role') } });
    await c.start();
    await ctx.root.write('auth/token/revoke-accessor', { accessor: (await c.lookupSelf()).accessor });
    expect((await c.lookupSelf()).path).toBe('auth/approle/login');
    expect(c.tokenStatus().logins).toBe(2);
    c.close();
  });

  it('a bad SecretID is a VaultRequestError that does not echo the SecretID', async () => {
    const roleId = await approle('bad-secret-role');
    const bogus = '11111111-2222-3333-4444-555555555555';
    const c = client(ctx.vault.address, { auth: { roleId, secretId: bogus } });
    const err = await rejection(c.start());
    expect(err).toBeInstanceOf(VaultRequestError);
    expect(err.message).toContain('invalid role or secret ID');
    expect(err.message).not.toContain(bogus);
    expect(err.message).not.toContain(roleId);
    c.close();
  });
});

describe('permissions', () => {
  it('403 for a token without the capability becomes VaultPermissionError', async () => {
    const token = await childToken(['default']);
    const c = client(ctx.vault.address, { auth: { token } });
    const err = await rejection(c.kvV2().get('app/ANY'));
    expect(err).toBeInstanceOf(VaultPermissionError);
    expect((err as VaultPermissionError).status).toBe(403);
    expect(err.message).toBe(`Vault at ${ctx.vault.address} denied GET secret/data/app/ANY: permission denied`);
    expect(err.message).not.toContain(token);
    expect(inspect(err)).not.toContain(token);
  });

  it('an unknown token is a VaultPermissionError and is not in the error', async () => {
    const token = 'hvs.CAESIAbsolutelySecretTokenValue0123456789';
    const c = client(ctx.vault.address, { auth: { token } });
    const err = await rejection(c.lookupSelf());
    expect(err).toBeInstanceOf(VaultPermissionError);
    expect((err as VaultPermissionError).errors.join(' ')).toContain('invalid token');
    expect(JSON.stringify({ ...err, message: err.message })).not.toContain(token);
    expect(inspect(err, { depth: 10 })).not.toContain(token);
  });
});

describe('token lifecycle', () => {
  it('start() with a non-expiring root token schedules nothing', async () => {
    const c = client(ctx.vault.address);
    expect(await c.start()).toMatchObject({ mode: 'token', renewable: false, expiresAt: null });
    c.close();
  });

  it('a renewable 3 s token is renewed before it expires, and renewing stops on close()', async () => {
    const token = await childToken(['default'], { ttl: '3s', renewable: true });
    const control = client(ctx.vault.address, { auth: { token: await childToken(['default'], { ttl: '3s' }) } });
    const log = recordingLogger();
    const c = client(ctx.vault.address, { auth: { token }, logger: log.logger });
    const started = await c.start();
    expect(started).toMatchObject({ renewable: true, renewals: 0 });

    await new Promise((r) => setTimeout(r, 3500));
    expect(c.tokenStatus().renewals).toBeGreaterThanOrEqual(1);
    // Past the original 3 s TTL, the token still works because it was renewed.
    expect((await c.lookupSelf()).ttl).toBeGreaterThan(0);
    expect(log.lines.some((l) => l.message === 'vault token renewed')).toBe(true);
    expect(log.text()).not.toContain(token);
    // The same kind of token, never renewed, has expired by now.
    await expect(control.lookupSelf()).rejects.toBeInstanceOf(VaultPermissionError);

    c.close();
    await expect(c.lookupSelf()).rejects.toBeInstanceOf(VaultClientStateError);
  });
});
