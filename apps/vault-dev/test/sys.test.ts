/**
 * §1 sys/health, sys/seal-status, sys/mounts, sys/auth, through real HTTP.
 */
import { describe, expect, it } from 'vitest';
import { useVaultDev } from './support/vault.js';

const ctx = useVaultDev();

describe('sys/health and sys/seal-status', () => {
  it('health is 200 without a token, initialised and unsealed', async () => {
    const r = await ctx.client.get('sys/health', { token: null });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ initialized: true, sealed: false, standby: false, replication_dr_mode: 'disabled' });
    expect(typeof r.body.server_time_utc).toBe('number');
    expect(r.body.cluster_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('health honours activecode (the Go client forces 299)', async () => {
    const r = await ctx.client.get('sys/health?activecode=299&standbycode=299', { token: null });
    expect(r.status).toBe(299);
  });

  it('a non-integer health code is a 400', async () => {
    const r = await ctx.client.get('sys/health?activecode=abc', { token: null });
    expect(r.status).toBe(400);
  });

  it('HEAD health answers the status with no body', async () => {
    const res = await fetch(`${ctx.vault.address}/v1/sys/health`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('POST health is a 405', async () => {
    const r = await ctx.client.post('sys/health', {});
    expect(r.status).toBe(405);
  });

  it('seal-status reports a dev server: shamir, t=1, n=1, inmem storage', async () => {
    const r = await ctx.client.get('sys/seal-status', { token: null });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      type: 'shamir',
      initialized: true,
      sealed: false,
      t: 1,
      n: 1,
      storage_type: 'inmem',
    });
  });
});

describe('sys/mounts', () => {
  it('dev mode has secret/ as KV v2 beside cubbyhole/, identity/ and sys/, sys-injected at the top level', async () => {
    const r = await ctx.client.get('sys/mounts');
    expect(r.status).toBe(200);
    expect(Object.keys(r.body.data).sort()).toEqual(['cubbyhole/', 'identity/', 'secret/', 'sys/']);
    expect(r.body.data['secret/']).toMatchObject({ type: 'kv', options: { version: '2' } });
    expect(r.body['secret/']).toEqual(r.body.data['secret/']);
    expect(r.body.data['secret/'].accessor).toMatch(/^kv_[0-9a-f]{8}$/);
    expect(r.body.data['secret/'].config).toMatchObject({
      default_lease_ttl: 0,
      max_lease_ttl: 0,
      force_no_cache: false,
    });
  });

  it('mounting KV again at secret/ is a 400 "path is already in use"', async () => {
    const r = await ctx.client.post('sys/mounts/secret', { type: 'kv', options: { version: '2' } });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual(['path is already in use at secret/']);
  });

  it('kv-v2 as a type mounts KV with version 2, and it serves data/ paths', async () => {
    expect((await ctx.client.post('sys/mounts/kv2', { type: 'kv-v2' })).status).toBe(204);
    const info = await ctx.client.get('sys/mounts/kv2');
    expect(info.body.data).toMatchObject({ type: 'kv', options: { version: '2' } });
    expect((await ctx.client.post('kv2/data/a', { data: { x: 1 } })).status).toBe(200);
  });

  it('a KV v1 mount stores plain key/values', async () => {
    expect((await ctx.client.post('sys/mounts/kv1', { type: 'kv', options: { version: '1' } })).status).toBe(204);
    expect((await ctx.client.post('kv1/app', { user: 'u' })).status).toBe(204);
    expect((await ctx.client.get('kv1/app')).body.data).toEqual({ user: 'u' });
  });

  it('a version option on a non-KV type is refused', async () => {
    const r = await ctx.client.post('sys/mounts/cub', { type: 'cubbyhole', options: { version: '2' } });
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toBe('secrets engine "cubbyhole" does not allow setting a version');
  });

  it('unmounting is 204, also when nothing is mounted there', async () => {
    await ctx.client.post('sys/mounts/tmp', { type: 'kv' });
    expect((await ctx.client.delete('sys/mounts/tmp')).status).toBe(204);
    expect((await ctx.client.delete('sys/mounts/never-was')).status).toBe(204);
    expect((await ctx.client.get('tmp/x')).status).toBe(404);
  });

  it('tuning a mount changes its TTLs and GET tune reports the effective values', async () => {
    await ctx.client.post('sys/mounts/tuned', { type: 'kv' });
    expect((await ctx.client.get('sys/mounts/tuned/tune')).body.data.default_lease_ttl).toBe(2764800);
    expect(
      (await ctx.client.post('sys/mounts/tuned/tune', { default_lease_ttl: '1h', max_lease_ttl: '2h' })).status,
    ).toBe(204);
    const tune = await ctx.client.get('sys/mounts/tuned/tune');
    expect(tune.body.data).toMatchObject({ default_lease_ttl: 3600, max_lease_ttl: 7200 });
  });

  it("a mount's max lease TTL may exceed the system's (a CA of ten years), its default may not without one", async () => {
    expect(
      (await ctx.client.post('sys/mounts/pki-long', { type: 'pki', config: { max_lease_ttl: '87600h' } })).status,
    ).toBe(204);
    expect((await ctx.client.get('sys/mounts/pki-long/tune')).body.data.max_lease_ttl).toBe(315360000);
    await ctx.client.post('sys/mounts/pki-tuned', { type: 'pki' });
    expect((await ctx.client.post('sys/mounts/pki-tuned/tune', { max_lease_ttl: '87600h' })).status).toBe(204);
    const root = await ctx.client.post('pki-tuned/root/generate/internal', {
      common_name: 'long.example',
      ttl: '43800h',
    });
    expect(root.status).toBe(200);
    const days = (root.body.data.expiration * 1000 - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(1825);

    const defaultOnly = await ctx.client.post('sys/mounts/too-long', {
      type: 'kv',
      config: { default_lease_ttl: '800h' },
    });
    expect(defaultOnly.status).toBe(400);
    expect(defaultOnly.body.errors).toEqual(['given default lease TTL greater than system max lease TTL of 2764800']);
    const inverted = await ctx.client.post('sys/mounts/pki-tuned/tune', {
      default_lease_ttl: '2h',
      max_lease_ttl: '1h',
    });
    expect(inverted.status).toBe(400);
    expect(inverted.body.errors).toEqual([
      'backend max lease TTL of 3600 would be less than backend default lease TTL of 7200',
    ]);
  });

  it('sys/internal/ui/mounts/<path> tells the CLI the KV version of a mount', async () => {
    const r = await ctx.client.get('sys/internal/ui/mounts/secret/foo');
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ type: 'kv', options: { version: '2' }, path: 'secret/' });
  });
});

describe('sys/auth', () => {
  it('the token method is mounted and approle can be enabled once', async () => {
    expect(Object.keys((await ctx.client.get('sys/auth')).body.data)).toEqual(['token/']);
    expect((await ctx.client.post('sys/auth/approle', { type: 'approle' })).status).toBe(204);
    const again = await ctx.client.post('sys/auth/approle', { type: 'approle' });
    expect(again.status).toBe(400);
    expect(again.body.errors).toEqual(['path is already in use at approle/']);
    const list = await ctx.client.get('sys/auth');
    expect(list.body['approle/']).toMatchObject({ type: 'approle', config: { token_type: 'default-service' } });
    expect(list.body.data['approle/'].accessor).toMatch(/^auth_approle_[0-9a-f]{8}$/);
  });

  it('sys/auth/<path> needs sudo: a token with only update is refused', async () => {
    await ctx.client.policy('auth-no-sudo', 'path "sys/auth/*" { capabilities = ["create", "update"] }');
    await ctx.client.policy('auth-sudo', 'path "sys/auth/*" { capabilities = ["create", "update", "sudo"] }');
    const noSudo = await ctx.client.tokenWith(['auth-no-sudo']);
    const sudo = await ctx.client.tokenWith(['auth-sudo']);
    expect((await ctx.client.post('sys/auth/other', { type: 'approle' }, { token: noSudo })).status).toBe(403);
    expect((await ctx.client.post('sys/auth/other', { type: 'approle' }, { token: sudo })).status).toBe(204);
  });
});
