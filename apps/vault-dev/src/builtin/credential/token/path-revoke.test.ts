import { describe, expect, it } from 'vitest';
import { TIDY_STARTED_WARNING } from './path-misc.js';
import { TokenHarness } from './token-test-support.js';

describe('auth/token/revoke*', () => {
  it('revoking a parent revokes its children and grandchildren but not its orphans', async () => {
    const h = new TokenHarness();
    const parent = await h.createToken({ policies: ['app'] });
    const child = await h.createToken({}, parent);
    const grandchild = await h.createToken({}, child);
    const orphan = await h.createToken({}, parent, 'auth/token/create-orphan');

    const res = await h.call('update', 'auth/token/revoke', { token: parent });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expect(h.alive(parent)).toBe(false);
    expect(h.alive(child)).toBe(false);
    expect(h.alive(grandchild)).toBe(false);
    expect(h.alive(orphan)).toBe(true);
  });

  it('revoke-self revokes the caller and its tree', async () => {
    const h = new TokenHarness();
    const parent = await h.createToken({ policies: ['app'] });
    const child = await h.createToken({}, parent);
    expect((await h.call('update', 'auth/token/revoke-self', null, parent)).status).toBe(204);
    expect(h.alive(parent)).toBe(false);
    expect(h.alive(child)).toBe(false);
  });

  it('revoking an unknown token is a silent 204; a missing token id is a 400', async () => {
    const h = new TokenHarness();
    expect((await h.call('update', 'auth/token/revoke', { token: 'hvs.nope' })).status).toBe(204);
    expect((await h.call('update', 'auth/token/revoke', {})).json).toEqual({ errors: ['missing token ID'] });
  });

  it('revoke-accessor revokes the tree; an unknown accessor is a 200 with a warning', async () => {
    const h = new TokenHarness();
    const created = await h.call('update', 'auth/token/create', { policies: ['app'] });
    const token = created.json?.['auth'].client_token;
    const child = await h.createToken({}, token);
    const res = await h.call('update', 'auth/token/revoke-accessor', { accessor: created.json?.['auth'].accessor });
    expect(res.status).toBe(204);
    expect(h.alive(token)).toBe(false);
    expect(h.alive(child)).toBe(false);

    const unknown = await h.call('update', 'auth/token/revoke-accessor', { accessor: 'nope' });
    expect(unknown.status).toBe(200);
    expect(unknown.json?.['warnings']).toEqual(['No token found with this accessor']);
    expect(unknown.json?.['data']).toBeNull();
  });

  it('revoke-orphan needs sudo, revokes only the token and leaves its children as orphans', async () => {
    const h = new TokenHarness();
    const parent = await h.createToken({ policies: ['app'] });
    const child = await h.createToken({}, parent);

    const denied = await h.call('update', 'auth/token/revoke-orphan', { token: parent }, parent);
    expect(denied.status).toBe(400);
    expect(denied.json).toEqual({ errors: ['root or sudo privileges required to revoke and orphan'] });

    const res = await h.call('update', 'auth/token/revoke-orphan', { token: parent });
    expect(res.status).toBe(204);
    expect(h.alive(parent)).toBe(false);
    expect(h.alive(child)).toBe(true);
    expect((await h.lookupSelf(child)).json?.['data'].orphan).toBe(true);

    const unknown = await h.call('update', 'auth/token/revoke-orphan', { token: 'hvs.nope' });
    expect(unknown.json).toEqual({ errors: ['token to revoke not found'] });
  });

  it('revoke-orphan/<x> is root-protected by the special paths', async () => {
    const h = new TokenHarness();
    const caller = await h.createToken({ policies: ['app'] });
    const res = await h.call('update', 'auth/token/revoke-orphan/whatever', {}, caller);
    expect(res.status).toBe(403);
  });
});

describe('auth/token/accessors and tidy', () => {
  it('LIST accessors needs sudo and lists live service tokens only', async () => {
    const h = new TokenHarness();
    const created = await h.call('update', 'auth/token/create', { policies: ['app'] });
    await h.call('update', 'auth/token/create', { type: 'batch', policies: ['app'] });

    const denied = await h.call('list', 'auth/token/accessors/', null, created.json?.['auth'].client_token);
    expect(denied.status).toBe(403);

    const res = await h.call('list', 'auth/token/accessors/');
    expect(res.status).toBe(200);
    expect(res.json?.['data'].keys).toHaveLength(2);
    expect(res.json?.['data'].keys).toContain(created.json?.['auth'].accessor);
    expect(res.json?.['data'].keys).toContain(h.rootToken.accessor);
  });

  it('tidy answers 202 with a warning', async () => {
    const h = new TokenHarness();
    const res = await h.call('update', 'auth/token/tidy', {});
    expect(res.status).toBe(202);
    expect(res.json?.['warnings']).toEqual([TIDY_STARTED_WARNING]);
  });
});
