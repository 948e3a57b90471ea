import { describe, expect, it } from 'vitest';
import { START, TokenHarness } from './token-test-support.js';

describe('auth/token/lookup*', () => {
  it('lookup-self of a created token returns exactly Vault’s fields', async () => {
    const h = new TokenHarness();
    const created = await h.call('update', 'auth/token/create', { policies: ['app'], ttl: '1h', meta: { a: 'b' } });
    const token = created.json?.['auth'].client_token;
    h.advance(10);
    const res = await h.lookupSelf(token);
    expect(res.status).toBe(200);
    const data = res.json?.['data'];
    expect(Object.keys(data)).toEqual([
      'accessor',
      'creation_time',
      'creation_ttl',
      'display_name',
      'entity_id',
      'expire_time',
      'explicit_max_ttl',
      'id',
      'issue_time',
      'meta',
      'num_uses',
      'orphan',
      'path',
      'policies',
      'renewable',
      'ttl',
      'type',
    ]);
    expect(data).toEqual({
      accessor: created.json?.['auth'].accessor,
      creation_time: Math.floor(START / 1000),
      creation_ttl: 3600,
      display_name: 'token',
      entity_id: '',
      expire_time: '2024-01-01T01:00:00.25Z',
      explicit_max_ttl: 0,
      id: token,
      issue_time: '2024-01-01T00:00:00.25Z',
      meta: { a: 'b' },
      num_uses: 0,
      orphan: false,
      path: 'auth/token/create',
      policies: ['app', 'default'],
      renewable: true,
      ttl: 3590,
      type: 'service',
    });
  });

  it('the dev root token has no lease: no issue_time or renewable, expire_time null, ttl 0', async () => {
    const h = new TokenHarness();
    const data = (await h.lookupSelf(h.rootToken.id)).json?.['data'];
    expect(data).toMatchObject({
      creation_ttl: 0,
      display_name: 'root',
      expire_time: null,
      path: 'auth/token/root',
      policies: ['root'],
      ttl: 0,
      orphan: true,
      meta: null,
    });
    expect(data).not.toHaveProperty('issue_time');
    expect(data).not.toHaveProperty('renewable');
  });

  it('a non-expiring token created through the API has a lease that is not renewable', async () => {
    const h = new TokenHarness();
    const token = await h.createToken({});
    const data = (await h.lookupSelf(token)).json?.['data'];
    expect(data.expire_time).toBeNull();
    expect(data.renewable).toBe(false);
    expect(data.issue_time).toBeTypeOf('string');
  });

  it('a periodic token shows its period; a plain one does not', async () => {
    const h = new TokenHarness();
    const periodic = await h.createToken({ period: '2h', policies: ['default'] });
    const plain = await h.createToken({ policies: ['default'] });
    expect((await h.lookupSelf(periodic)).json?.['data'].period).toBe(7200);
    expect((await h.lookupSelf(plain)).json?.['data']).not.toHaveProperty('period');
  });

  it('lookup takes the token from the body or the query, and falls back to the caller', async () => {
    const h = new TokenHarness();
    const token = await h.createToken({ policies: ['default'] });
    const post = await h.call('update', 'auth/token/lookup', { token });
    const get = await h.call('read', 'auth/token/lookup', { token });
    const self = await h.call('update', 'auth/token/lookup', {}, token);
    expect(post.json?.['data'].id).toBe(token);
    expect(get.json?.['data'].id).toBe(token);
    expect(self.json?.['data'].id).toBe(token);
  });

  it('an unknown token is a 403 "bad token"', async () => {
    const h = new TokenHarness();
    const res = await h.call('update', 'auth/token/lookup', { token: 'hvs.nope' });
    expect(res.status).toBe(403);
    expect(res.json).toEqual({ errors: ['bad token'] });
  });

  it('lookup-accessor answers the same data with an empty id; an unknown accessor is a wrapped 400', async () => {
    const h = new TokenHarness();
    const created = await h.call('update', 'auth/token/create', { policies: ['default'] });
    const res = await h.call('update', 'auth/token/lookup-accessor', { accessor: created.json?.['auth'].accessor });
    expect(res.status).toBe(200);
    expect(res.json?.['data'].id).toBe('');
    expect(res.json?.['data'].accessor).toBe(created.json?.['auth'].accessor);
    expect(res.json?.['data'].policies).toEqual(['default']);

    const unknown = await h.call('update', 'auth/token/lookup-accessor', { accessor: 'nope' });
    expect(unknown.status).toBe(400);
    expect(unknown.json).toEqual({ errors: ['1 error occurred:\n\t* invalid accessor\n\n'] });
    const missing = await h.call('update', 'auth/token/lookup-accessor', {});
    expect(missing.json).toEqual({ errors: ['1 error occurred:\n\t* missing accessor\n\n'] });
  });

  it('a token with num_uses 1 works once: its only lookup succeeds, then it is gone', async () => {
    const h = new TokenHarness();
    const token = await h.createToken({ policies: ['default'], num_uses: 1 });
    const first = await h.lookupSelf(token);
    expect(first.status).toBe(200);
    expect(first.json?.['data'].id).toBe(token);
    const second = await h.lookupSelf(token);
    expect(second.status).toBe(403);
    expect(h.alive(token)).toBe(false);
  });

  it('num_uses shows the remaining count, the lookup itself included', async () => {
    const h = new TokenHarness();
    const token = await h.createToken({ policies: ['default'], num_uses: 3 });
    expect((await h.lookupSelf(token)).json?.['data'].num_uses).toBe(2);
    const byRoot = await h.call('update', 'auth/token/lookup', { token });
    expect(byRoot.json?.['data'].num_uses).toBe(2);
  });

  it('a batch token looks up with no accessor, its own lease times and renewable false', async () => {
    const h = new TokenHarness();
    const token = await h.createToken({ type: 'batch', policies: ['default'], ttl: 600 });
    const data = (await h.call('update', 'auth/token/lookup', { token })).json?.['data'];
    expect(data).toMatchObject({
      accessor: '',
      type: 'batch',
      renewable: false,
      issue_time: '2024-01-01T00:00:00Z',
      expire_time: '2024-01-01T00:10:00Z',
      creation_ttl: 600,
    });
  });
});
