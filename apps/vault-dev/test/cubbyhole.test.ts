/**
 * The `cubbyhole/` mount through real HTTP against a started vault-dev: every
 * token has its own private key/value space, which no other token (root
 * included) can see and which is destroyed with the token.
 */
import { describe, expect, it } from 'vitest';
import { MULTI_INVALID_TOKEN, MULTI_PERMISSION_DENIED, useVaultDev } from './support/vault.js';

const ctx = useVaultDev();

/** A token with only the default policy (which grants cubbyhole/*). */
const defaultToken = () => ctx.client.tokenWith(['default']);

describe('reading and writing', () => {
  it('a write is 204; a read returns exactly the data written, in a plain envelope', async () => {
    const token = await defaultToken();
    const w = await ctx.client.post('cubbyhole/app', { user: 'svc', port: 5432, nested: { a: [1, 'x'] } }, { token });
    expect(w.status).toBe(204);
    expect(w.text).toBe('');
    const r = await ctx.client.get('cubbyhole/app', { token });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: { user: 'svc', port: 5432, nested: { a: [1, 'x'] } },
      wrap_info: null,
      warnings: null,
      auth: null,
      mount_type: 'cubbyhole',
    });
  });

  it('a second write replaces the whole entry (no merge)', async () => {
    const token = await defaultToken();
    await ctx.client.post('cubbyhole/replace', { a: '1', b: '2' }, { token });
    expect((await ctx.client.put('cubbyhole/replace', { c: '3' }, { token })).status).toBe(204);
    expect((await ctx.client.get('cubbyhole/replace', { token })).body.data).toEqual({ c: '3' });
  });

  it('reading a missing key is 404 with an empty errors list', async () => {
    const token = await defaultToken();
    const r = await ctx.client.get('cubbyhole/missing', { token });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ errors: [] });
  });

  it('DELETE is 204 and the key is gone; deleting a missing key is 204 too', async () => {
    const token = await defaultToken();
    await ctx.client.post('cubbyhole/temp', { v: '1' }, { token });
    expect((await ctx.client.delete('cubbyhole/temp', { token })).status).toBe(204);
    expect((await ctx.client.get('cubbyhole/temp', { token })).status).toBe(404);
    expect((await ctx.client.delete('cubbyhole/never', { token })).status).toBe(204);
  });

  // Vault's cubbyhole handlers fail with plain errors: 500, multierror-wrapped.
  it('a write without data is a 500 "missing data fields"', async () => {
    const token = await defaultToken();
    for (const body of [{}, undefined]) {
      const r = await ctx.client.post('cubbyhole/empty', body, { token });
      expect(r.status).toBe(500);
      expect(r.body).toEqual({ errors: ['1 error occurred:\n\t* missing data fields\n\n'] });
    }
  });

  it('reading or writing the mount root itself is a 500 "missing path"', async () => {
    const token = await defaultToken();
    const w = await ctx.client.post('cubbyhole/', { a: '1' }, { token });
    expect(w.status).toBe(500);
    expect(w.body).toEqual({ errors: ['1 error occurred:\n\t* missing path\n\n'] });
    const r = await ctx.client.get('cubbyhole/', { token });
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ errors: ['1 error occurred:\n\t* missing path\n\n'] });
  });

  it('writes go through the existence check: create-only may add a key but not overwrite it', async () => {
    await ctx.client.policy('cubby-create-only', 'path "cubbyhole/*" { capabilities = ["create", "read"] }');
    const token = await ctx.client.tokenWith(['cubby-create-only'], { no_default_policy: true });
    expect((await ctx.client.post('cubbyhole/once', { v: '1' }, { token })).status).toBe(204);
    const again = await ctx.client.post('cubbyhole/once', { v: '2' }, { token });
    expect(again.status).toBe(403);
    expect(again.body).toEqual({ errors: [MULTI_PERMISSION_DENIED] });
    expect((await ctx.client.get('cubbyhole/once', { token })).body.data).toEqual({ v: '1' });
  });

  it('a token without a cubbyhole grant (no default policy) gets 403', async () => {
    const token = await ctx.client.tokenWith(['nothing-here'], { no_default_policy: true });
    const r = await ctx.client.post('cubbyhole/x', { a: '1' }, { token });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: [MULTI_PERMISSION_DENIED] });
  });

  it('no token at all is 403 "permission denied"', async () => {
    const r = await ctx.client.post('cubbyhole/x', { a: '1' }, { token: null });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: ['permission denied'] });
  });
});

describe('LIST', () => {
  it('lists keys directly under a folder, folders suffixed with /, sorted', async () => {
    const token = await defaultToken();
    for (const key of ['zeta', 'alpha', 'db/primary', 'db/replica', 'db/deep/x']) {
      await ctx.client.post(`cubbyhole/${key}`, { v: key }, { token });
    }
    const top = await ctx.client.list('cubbyhole/', { token });
    expect(top.status).toBe(200);
    expect(top.body.data.keys).toEqual(['alpha', 'db/', 'zeta']);
    expect((await ctx.client.list('cubbyhole/db', { token })).body.data.keys).toEqual(['deep/', 'primary', 'replica']);
    expect((await ctx.client.get('cubbyhole/db/?list=true', { token })).body.data.keys).toEqual([
      'deep/',
      'primary',
      'replica',
    ]);
  });

  it('an empty cubbyhole lists as 404 with an empty errors list', async () => {
    const token = await defaultToken();
    const r = await ctx.client.list('cubbyhole/', { token });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ errors: [] });
  });
});

describe('per-token isolation', () => {
  it('another token cannot see it, not even root', async () => {
    const owner = await defaultToken();
    const other = await defaultToken();
    await ctx.client.post('cubbyhole/private', { secret: 's3cr3t' }, { token: owner });
    expect((await ctx.client.get('cubbyhole/private', { token: other })).status).toBe(404);
    expect((await ctx.client.list('cubbyhole/', { token: other })).status).toBe(404);
    expect((await ctx.client.get('cubbyhole/private')).status).toBe(404);
    expect((await ctx.client.get('cubbyhole/private', { token: owner })).body.data).toEqual({ secret: 's3cr3t' });
  });

  it('the same path holds a different value for each token', async () => {
    const a = await defaultToken();
    const b = await defaultToken();
    await ctx.client.post('cubbyhole/same', { who: 'a' }, { token: a });
    await ctx.client.post('cubbyhole/same', { who: 'b' }, { token: b });
    expect((await ctx.client.get('cubbyhole/same', { token: a })).body.data).toEqual({ who: 'a' });
    expect((await ctx.client.get('cubbyhole/same', { token: b })).body.data).toEqual({ who: 'b' });
  });

  it('a child token does not share its parent’s cubbyhole', async () => {
    await ctx.client.policy('cubby-parent', 'path "auth/token/create" { capabilities = ["update"] }');
    const parent = await ctx.client.tokenWith(['cubby-parent', 'default']);
    await ctx.client.post('cubbyhole/family', { v: 'parent' }, { token: parent });
    const child = await ctx.client.as(parent).tokenWith(['default']);
    expect((await ctx.client.get('cubbyhole/family', { token: child })).status).toBe(404);
  });
});

describe('dies with its token', () => {
  // A custom id (root may set one) lets the test bring a token "back" and look
  // into the cubbyhole the old token had.
  it('revoking the token destroys its cubbyhole', async () => {
    const id = 'cubby-owner-revoked';
    await ctx.client.tokenWith(['default'], { id });
    await ctx.client.post('cubbyhole/kept', { v: '1' }, { token: id });
    expect((await ctx.client.get('cubbyhole/kept', { token: id })).status).toBe(200);

    expect((await ctx.client.post('auth/token/revoke', { token: id })).status).toBe(204);
    const gone = await ctx.client.get('cubbyhole/kept', { token: id });
    expect(gone.status).toBe(403);
    expect(gone.body).toEqual({ errors: [MULTI_INVALID_TOKEN] });

    await ctx.client.tokenWith(['default'], { id });
    expect((await ctx.client.get('cubbyhole/kept', { token: id })).status).toBe(404);
  });

  it('revoking a parent destroys its children’s cubbyholes too', async () => {
    // sudo on create lets the parent give its child a custom id.
    await ctx.client.policy('cubby-parent-sudo', 'path "auth/token/create" { capabilities = ["update", "sudo"] }');
    const parent = await ctx.client.tokenWith(['cubby-parent-sudo', 'default']);
    const childId = 'cubby-child-of-revoked';
    await ctx.client.as(parent).tokenWith(['default'], { id: childId });
    await ctx.client.post('cubbyhole/c', { v: '1' }, { token: childId });

    await ctx.client.post('auth/token/revoke', { token: parent });
    expect((await ctx.client.get('cubbyhole/c', { token: childId })).status).toBe(403);
    await ctx.client.tokenWith(['default'], { id: childId });
    expect((await ctx.client.get('cubbyhole/c', { token: childId })).status).toBe(404);
  });

  it('a use-limited token’s cubbyhole goes with its last use', async () => {
    const id = 'cubby-owner-limited';
    await ctx.client.tokenWith(['default'], { id, num_uses: 2 });
    expect((await ctx.client.post('cubbyhole/once', { v: '1' }, { token: id })).status).toBe(204);
    expect((await ctx.client.get('cubbyhole/once', { token: id })).body.data).toEqual({ v: '1' });
    await ctx.client.tokenWith(['default'], { id });
    expect((await ctx.client.get('cubbyhole/once', { token: id })).status).toBe(404);
  });
});
