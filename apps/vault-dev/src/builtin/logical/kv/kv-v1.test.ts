import { describe, expect, it } from 'vitest';
import { testBackendConfig } from '../../../testing/backend-harness.js';
import { kvBackendFactory } from './backend.js';
import { passthroughTTL } from './kv-v1.js';
import { dataOf, kvV1 } from './kv-test-support.js';

describe('KV v1 (pass-through)', () => {
  it('a write stores the whole body and a read returns it with the mount default lease duration', async () => {
    const kv = kvV1();
    expect(await kv.send('update', 'app/config', { user: 'admin', port: 5432, nested: { on: true } })).toBeNull();
    const resp = await kv.send('read', 'app/config');
    expect(dataOf(resp)).toEqual({ nested: { on: true }, port: 5432, user: 'admin' });
    expect(resp?.secret).toEqual({ ttl: 2764800, maxTTL: 0, renewable: false });
  });

  it.each([
    ['a ttl duration string', { v: 1, ttl: '1h' }, 3600],
    ['a ttl number of seconds', { v: 1, ttl: 90 }, 90],
    ['a ttl numeric string', { v: 1, ttl: '90' }, 90],
    ['the legacy lease field', { v: 1, lease: '10m' }, 600],
    ['ttl taking precedence over lease', { ttl: '1m', lease: '10m' }, 60],
    ['an unparsable ttl falling back to the default', { v: 1, ttl: 'soon' }, 2764800],
    ['no ttl at all', { v: 1 }, 2764800],
  ])('the lease duration comes from %s', async (_name, body, ttl) => {
    const kv = kvV1();
    await kv.send('update', 'app', body);
    const resp = await kv.send('read', 'app');
    expect(resp?.secret?.ttl).toBe(ttl);
    // The ttl field itself stays part of the data.
    expect(dataOf(resp)).toEqual(body);
  });

  it('passthroughTTL follows the mount default it is given', () => {
    expect(passthroughTTL({}, 42)).toBe(42);
    expect(passthroughTTL({ ttl: '2d' }, 42)).toBe(172800);
  });

  it('a write with an empty body is refused with "missing data fields"', async () => {
    const kv = kvV1();
    for (const body of [null, {}]) {
      expect((await kv.send('update', 'app', body))?.error).toEqual({ message: 'missing data fields', status: 400 });
    }
    expect(await kv.send('read', 'app')).toBeNull();
  });

  it('a second write replaces the secret entirely', async () => {
    const kv = kvV1();
    await kv.send('update', 'app', { a: 1, b: 2 });
    await kv.send('update', 'app', { c: 3 });
    expect(dataOf(await kv.send('read', 'app'))).toEqual({ c: 3 });
  });

  it('create vs update follows whether the secret exists', async () => {
    const kv = kvV1();
    expect(await kv.writeOperation('app')).toBe('create');
    await kv.send('update', 'app', { a: 1 });
    expect(await kv.writeOperation('app')).toBe('update');
  });

  it('a missing secret reads as null, delete answers 204 and removes it', async () => {
    const kv = kvV1();
    expect(await kv.send('read', 'app')).toBeNull();
    await kv.send('update', 'app', { a: 1 });
    expect(await kv.send('delete', 'app')).toBeNull();
    expect(await kv.send('read', 'app')).toBeNull();
    expect(await kv.send('delete', 'app')).toBeNull();
  });

  it.each([
    ['', ['app', 'app/', 'other/']],
    ['app/', ['db', 'deep/']],
    ['app', ['db', 'deep/']],
    ['app/deep/', ['x']],
  ])('listing %j shows leaves and folders', async (path, keys) => {
    const kv = kvV1();
    for (const key of ['app', 'app/db', 'app/deep/x', 'other/y']) await kv.send('update', key, { k: key });
    expect(dataOf(await kv.send('list', path))).toEqual({ keys });
  });

  it('an empty listing is null (404)', async () => {
    const kv = kvV1();
    expect(await kv.send('list', '')).toBeNull();
    await kv.send('update', 'a', { k: 1 });
    expect(await kv.send('list', 'nothing/')).toBeNull();
  });

  it('data/ and metadata/ are ordinary paths on a v1 mount', async () => {
    const kv = kvV1();
    await kv.send('update', 'data/foo', { a: 1 });
    expect(dataOf(await kv.send('read', 'data/foo'))).toEqual({ a: 1 });
  });
});

describe('kvBackendFactory', () => {
  it.each([
    [{ version: '2' }, 2],
    [{ version: '1' }, 1],
    [{}, 1],
  ])('options %j give a version %i backend', async (options, version) => {
    const backend = kvBackendFactory(testBackendConfig('secret/', options));
    expect(backend.type).toBe('kv');
    const { makeRequest } = await import('../../../testing/backend-harness.js');
    const resp = await backend.handleRequest(makeRequest('secret/', 'read', 'config'));
    if (version === 2) expect(dataOf(resp)['max_versions']).toBe(0);
    else expect(resp).toBeNull();
  });
});
