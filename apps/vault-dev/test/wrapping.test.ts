/**
 * §7 response wrapping through HTTP.
 */
import { describe, expect, it } from 'vitest';
import { useVaultDev } from './support/vault.js';

const ctx = useVaultDev();

async function wrappedSecret(ttl = '60'): Promise<{ token: string; original: unknown }> {
  await ctx.client.post('secret/data/wrapped', { data: { password: 'p4ss' } });
  const original = await ctx.client.get('secret/data/wrapped');
  const r = await ctx.client.get('secret/data/wrapped', { headers: { 'X-Vault-Wrap-TTL': ttl } });
  expect(r.status).toBe(200);
  return { token: r.body.wrap_info.token, original: original.body };
}

describe('wrapping any response', () => {
  it('a wrapped response carries only wrap_info, with an empty request_id and null data', async () => {
    await ctx.client.post('secret/data/wrapped', { data: { password: 'p4ss' } });
    const r = await ctx.client.get('secret/data/wrapped', { headers: { 'X-Vault-Wrap-TTL': '5m' } });
    expect(r.body.request_id).toBe('');
    expect(r.body.data).toBeNull();
    expect(r.body.auth).toBeNull();
    expect(r.body.wrap_info).toMatchObject({ ttl: 300, creation_path: 'secret/data/wrapped' });
    expect(r.body.wrap_info.token).toMatch(/^hvs\./);
    expect(new Date(r.body.wrap_info.creation_time).getTime()).not.toBeNaN();
    expect(JSON.stringify(r.body)).not.toContain('p4ss');
  });

  it('unwrapping with the wrapping token as X-Vault-Token returns the original body once', async () => {
    const { token } = await wrappedSecret();
    const first = await ctx.client.post('sys/wrapping/unwrap', undefined, { token });
    expect(first.status).toBe(200);
    expect(first.body.data.data).toEqual({ password: 'p4ss' });
    expect(first.body.request_id).toMatch(/^[0-9a-f-]{36}$/);
    const second = await ctx.client.post('sys/wrapping/unwrap', undefined, { token });
    expect(second.status).toBe(400);
    expect(second.body).toEqual({ errors: ['wrapping token is not valid or does not exist'] });
  });

  it('unwrapping with {"token"} under your own token works and is single-use too', async () => {
    const { token } = await wrappedSecret();
    const mine = await ctx.client.tokenWith(['default']);
    expect((await ctx.client.post('sys/wrapping/unwrap', { token }, { token: mine })).status).toBe(200);
    expect((await ctx.client.post('sys/wrapping/unwrap', { token }, { token: mine })).status).toBe(400);
  });

  it('an unknown wrapping token is a 400, never a 403', async () => {
    const r = await ctx.client.post('sys/wrapping/unwrap', undefined, { token: 'hvs.not-a-wrapping-token' });
    expect(r.status).toBe(400);
  });

  it('lookup is unauthenticated, does not consume the token, and reports creation data', async () => {
    const { token } = await wrappedSecret('90');
    const r = await ctx.client.post('sys/wrapping/lookup', { token }, { token: null });
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ creation_path: 'secret/data/wrapped', creation_ttl: 90 });
    expect((await ctx.client.post('sys/wrapping/unwrap', undefined, { token })).status).toBe(200);
  });

  it('rewrap gives a new token with the same TTL and path and kills the old one', async () => {
    const { token } = await wrappedSecret('120');
    const r = await ctx.client.post('sys/wrapping/rewrap', { token });
    expect(r.status).toBe(200);
    expect(r.body.wrap_info).toMatchObject({ ttl: 120, creation_path: 'secret/data/wrapped' });
    expect((await ctx.client.post('sys/wrapping/unwrap', undefined, { token })).status).toBe(400);
    expect(
      (await ctx.client.post('sys/wrapping/unwrap', undefined, { token: r.body.wrap_info.token })).body.data.data,
    ).toEqual({
      password: 'p4ss',
    });
  });

  it('sys/wrapping/wrap wraps arbitrary data and requires a wrap TTL', async () => {
    const missing = await ctx.client.post('sys/wrapping/wrap', { a: 1 });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual(['endpoint requires response wrapping to be used']);
    const r = await ctx.client.post(
      'sys/wrapping/wrap',
      { a: 1, b: 'two' },
      { headers: { 'X-Vault-Wrap-TTL': '60s' } },
    );
    const unwrapped = await ctx.client.post('sys/wrapping/unwrap', undefined, { token: r.body.wrap_info.token });
    expect(unwrapped.body.data).toEqual({ a: 1, b: 'two' });
  });

  it('a wrapping token is a single-use token with the response-wrapping policy and TTL = explicit max', async () => {
    const { token } = await wrappedSecret('60');
    const look = await ctx.client.post('auth/token/lookup', { token });
    expect(look.body.data).toMatchObject({ policies: ['response-wrapping'], num_uses: 1, explicit_max_ttl: 60 });
  });

  it('an expired wrapping token cannot be unwrapped', async () => {
    const { token } = await wrappedSecret('1');
    await new Promise((r) => setTimeout(r, 1100));
    expect((await ctx.client.post('sys/wrapping/unwrap', undefined, { token })).status).toBe(400);
  });
});
