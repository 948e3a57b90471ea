import { describe, expect, it } from 'vitest';
import { dataOf, kvV2 } from './kv-test-support.js';

describe('KV v2 metadata/: reading', () => {
  it('reports every field with Vault names and types', async () => {
    const kv = kvV2();
    await kv.send('update', 'data/my-secret', { data: { a: 1 } });
    await kv.send('update', 'data/my-secret', { data: { a: 2 } });
    const meta = dataOf(await kv.send('read', 'metadata/my-secret'));
    expect(Object.keys(meta)).toEqual([
      'cas_required',
      'created_time',
      'current_version',
      'custom_metadata',
      'delete_version_after',
      'max_versions',
      'oldest_version',
      'updated_time',
      'versions',
    ]);
    expect(meta).toEqual({
      cas_required: false,
      created_time: '2018-03-22T02:36:43.986212308Z',
      current_version: 2,
      custom_metadata: null,
      delete_version_after: '0s',
      max_versions: 0,
      oldest_version: 0,
      updated_time: '2018-03-22T02:36:43.986213308Z',
      versions: {
        '1': { created_time: '2018-03-22T02:36:43.986212308Z', deletion_time: '', destroyed: false },
        '2': { created_time: '2018-03-22T02:36:43.986213308Z', deletion_time: '', destroyed: false },
      },
    });
  });

  it('a missing key reads as null (404 {"errors":[]})', async () => {
    const kv = kvV2();
    expect(await kv.send('read', 'metadata/nope')).toBeNull();
  });

  it.each([
    [0, '0s'],
    ['3h25m19s', '3h25m19s'],
    [90, '1m30s'],
    ['2d', '48h0m0s'],
  ])('delete_version_after %j reads back as the Go duration %s', async (input, output) => {
    const kv = kvV2();
    await kv.send('update', 'metadata/app', { delete_version_after: input });
    expect(dataOf(await kv.send('read', 'metadata/app'))['delete_version_after']).toBe(output);
  });

  it('soft-deleted and destroyed versions show in versions with their state', async () => {
    const kv = kvV2();
    for (let i = 0; i < 3; i++) await kv.send('update', 'data/app', { data: { i } });
    await kv.send('update', 'delete/app', { versions: [1] });
    await kv.send('update', 'destroy/app', { versions: [2] });
    const versions = dataOf(await kv.send('read', 'metadata/app'))['versions'] as Record<
      string,
      Record<string, unknown>
    >;
    expect(versions['1']?.['deletion_time']).not.toBe('');
    expect(versions['1']?.['destroyed']).toBe(false);
    expect(versions['2']?.['destroyed']).toBe(true);
    expect(versions['2']?.['deletion_time']).toBe('');
    expect(versions['3']).toEqual({ created_time: expect.any(String), deletion_time: '', destroyed: false });
  });
});

describe('KV v2 metadata/: writing', () => {
  it('a write with none of the settings is a no-op that creates nothing', async () => {
    const kv = kvV2();
    expect(await kv.send('update', 'metadata/app', {})).toBeNull();
    expect(await kv.send('read', 'metadata/app')).toBeNull();
    expect(await kv.writeOperation('metadata/app')).toBe('create');
  });

  it('a write to a new key creates empty metadata without a version', async () => {
    const kv = kvV2();
    expect(await kv.send('update', 'metadata/app', { max_versions: 5, cas_required: true })).toBeNull();
    const meta = dataOf(await kv.send('read', 'metadata/app'));
    expect(meta['current_version']).toBe(0);
    expect(meta['oldest_version']).toBe(0);
    expect(meta['max_versions']).toBe(5);
    expect(meta['cas_required']).toBe(true);
    expect(meta['versions']).toEqual({});
    expect(meta['created_time']).toBe(meta['updated_time']);
    expect(await kv.send('read', 'data/app')).toBeNull();
  });

  it('settings are weakly typed like Vault fields', async () => {
    const kv = kvV2();
    await kv.send('update', 'metadata/app', { max_versions: '7', cas_required: 'true', delete_version_after: '300' });
    const meta = dataOf(await kv.send('read', 'metadata/app'));
    expect([meta['max_versions'], meta['cas_required'], meta['delete_version_after']]).toEqual([7, true, '5m0s']);
  });

  it('updating one setting leaves the others alone', async () => {
    const kv = kvV2();
    await kv.send('update', 'metadata/app', { max_versions: 5, custom_metadata: { a: 'b' } });
    await kv.send('update', 'metadata/app', { cas_required: true });
    const meta = dataOf(await kv.send('read', 'metadata/app'));
    expect([meta['max_versions'], meta['cas_required'], meta['custom_metadata']]).toEqual([5, true, { a: 'b' }]);
  });

  it('custom_metadata replaces the whole map; values are weakly converted to strings', async () => {
    const kv = kvV2();
    await kv.send('update', 'metadata/app', { custom_metadata: { a: 'x', b: 'y' } });
    await kv.send('update', 'metadata/app', { custom_metadata: { c: 123, d: true } });
    expect(dataOf(await kv.send('read', 'metadata/app'))['custom_metadata']).toEqual({ c: '123', d: '1' });
  });

  it('an empty custom_metadata clears it to null', async () => {
    const kv = kvV2();
    await kv.send('update', 'metadata/app', { custom_metadata: { a: 'x' } });
    await kv.send('update', 'metadata/app', { custom_metadata: {} });
    expect(dataOf(await kv.send('read', 'metadata/app'))['custom_metadata']).toBeNull();
  });

  it('writing metadata does not add a version', async () => {
    const kv = kvV2();
    await kv.send('update', 'data/app', { data: { a: 1 } });
    await kv.send('update', 'metadata/app', { max_versions: 3 });
    expect(dataOf(await kv.send('read', 'metadata/app'))['current_version']).toBe(1);
  });

  it('a negative delete_version_after fails field validation', async () => {
    const kv = kvV2();
    const resp = await kv.send('update', 'metadata/app', { delete_version_after: '-5s' });
    expect(resp?.error).toEqual({
      message: `Field validation failed: error converting input for field "delete_version_after": cannot provide negative value '-5'`,
      status: 400,
    });
  });

  const tooMany = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
  it.each([
    [
      'more than 64 keys',
      tooMany,
      ['custom_metadata validation failed: payload must contain at most 64 keys, provided 65'],
    ],
    [
      'a key longer than 128 bytes',
      { ['k'.repeat(129)]: 'v' },
      [`custom_metadata validation failed: length of key "${'k'.repeat(129)}" is 129 but must be 0 < len(key) <= 128`],
    ],
    [
      'a value longer than 512 bytes',
      { k: 'v'.repeat(513) },
      ['custom_metadata validation failed: length of value for key "k" is 513 but must be 0 < len(value) <= 512'],
    ],
    [
      'an empty value',
      { k: '' },
      ['custom_metadata validation failed: length of value for key "k" is 0 but must be 0 < len(value) <= 512'],
    ],
    [
      'an empty key and an unprintable value',
      { '': 'v', k: 'a\u0007' },
      [
        'custom_metadata validation failed: length of key "" is 0 but must be 0 < len(key) <= 128',
        'custom_metadata validation failed: value for key "k" contains unprintable characters',
      ],
    ],
  ])("custom_metadata with %s is refused with Vault's message", async (_name, cm, errors) => {
    const kv = kvV2();
    const resp = await kv.send('update', 'metadata/app', { custom_metadata: cm });
    const noun = errors.length === 1 ? '1 error occurred' : `${errors.length} errors occurred`;
    expect(resp?.error).toEqual({
      message: `${noun}:\n${errors.map((e) => `\t* ${e}`).join('\n')}\n\n`,
      status: 400,
    });
    expect(await kv.send('read', 'metadata/app')).toBeNull();
  });

  it('exactly 64 keys of maximal length are accepted', async () => {
    const kv = kvV2();
    const cm = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`${i}`.padEnd(128, 'k'), 'v'.repeat(512)]));
    expect(await kv.send('update', 'metadata/app', { custom_metadata: cm })).toBeNull();
  });

  it('a nested custom_metadata value is refused', async () => {
    const kv = kvV2();
    const resp = await kv.send('update', 'metadata/app', { custom_metadata: { a: { b: 'c' } } });
    expect(resp?.error?.status).toBe(400);
    expect(resp?.error?.message).toMatch(/^custom_metadata validation failed: /);
  });

  it('metadata/ without a key is refused with "missing path"', async () => {
    const kv = kvV2();
    expect((await kv.send('update', 'metadata/', { max_versions: 1 }))?.error?.message).toBe('missing path');
  });
});

describe('KV v2 metadata/: PATCH', () => {
  it('merges custom_metadata: new keys added, null removes, others kept', async () => {
    const kv = kvV2();
    await kv.send('update', 'metadata/app', {
      max_versions: 4,
      custom_metadata: { keep: '1', drop: '2', change: '3' },
    });
    const resp = await kv.send('patch', 'metadata/app', { custom_metadata: { drop: null, change: 'x', add: 'y' } });
    expect(resp).toBeNull();
    const meta = dataOf(await kv.send('read', 'metadata/app'));
    expect(meta['custom_metadata']).toEqual({ add: 'y', change: 'x', keep: '1' });
    expect(meta['max_versions']).toBe(4);
  });

  it('patches the scalar settings it is given and leaves the rest', async () => {
    const kv = kvV2();
    await kv.send('update', 'metadata/app', { max_versions: 4, cas_required: true, delete_version_after: '1h' });
    await kv.send('patch', 'metadata/app', { max_versions: 9, delete_version_after: '0s' });
    const meta = dataOf(await kv.send('read', 'metadata/app'));
    expect([meta['max_versions'], meta['cas_required'], meta['delete_version_after']]).toEqual([9, true, '0s']);
  });

  it('a null custom_metadata clears it', async () => {
    const kv = kvV2();
    await kv.send('update', 'metadata/app', { custom_metadata: { a: 'b' } });
    await kv.send('patch', 'metadata/app', { custom_metadata: null });
    expect(dataOf(await kv.send('read', 'metadata/app'))['custom_metadata']).toBeNull();
  });

  it('PATCH on a missing key is 404 with no body', async () => {
    const kv = kvV2();
    expect(await kv.send('patch', 'metadata/nope', { max_versions: 1 })).toEqual({ raw: { status: 404 } });
  });

  it('an invalid custom_metadata patch is refused and changes nothing', async () => {
    const kv = kvV2();
    await kv.send('update', 'metadata/app', { custom_metadata: { a: 'b' } });
    const resp = await kv.send('patch', 'metadata/app', { custom_metadata: { c: '' }, max_versions: 3 });
    expect(resp?.error?.message).toContain('length of value for key "c" is 0');
    const meta = dataOf(await kv.send('read', 'metadata/app'));
    expect([meta['custom_metadata'], meta['max_versions']]).toEqual([{ a: 'b' }, 0]);
  });
});

describe('KV v2 metadata/: DELETE', () => {
  it('removes every version and the metadata for good', async () => {
    const kv = kvV2();
    await kv.send('update', 'data/app', { data: { a: 1 } });
    await kv.send('update', 'data/app', { data: { a: 2 } });
    expect(await kv.send('delete', 'metadata/app')).toBeNull();
    expect(await kv.send('read', 'metadata/app')).toBeNull();
    expect(await kv.send('read', 'data/app')).toBeNull();
    expect(await kv.send('read', 'data/app', { version: 1 })).toBeNull();
    expect(await kv.writeOperation('data/app')).toBe('create');
    expect(dataOf(await kv.send('update', 'data/app', { data: { a: 3 } }))['version']).toBe(1);
  });

  it('a missing key also answers 204', async () => {
    const kv = kvV2();
    expect(await kv.send('delete', 'metadata/nope')).toBeNull();
  });
});

describe('KV v2 metadata/: LIST', () => {
  async function seeded() {
    const kv = kvV2();
    for (const key of ['foo', 'foo/bar', 'foo/baz/qux', 'alpha', 'zeta/one']) {
      await kv.send('update', `data/${key}`, { data: { k: key } });
    }
    return kv;
  }

  it.each([
    ['metadata/', ['alpha', 'foo', 'foo/', 'zeta/']],
    ['metadata/foo/', ['bar', 'baz/']],
    ['metadata/foo/baz/', ['qux']],
    ['metadata/foo', ['bar', 'baz/']],
  ])('listing %s shows leaves and sub-folders (both `foo` and `foo/`)', async (path, keys) => {
    const kv = await seeded();
    expect(dataOf(await kv.send('list', path))).toEqual({ keys });
  });

  it.each(['metadata/nothing/', 'metadata/fo/'])('an empty listing (%s) is null, so 404', async (path) => {
    const kv = await seeded();
    expect(await kv.send('list', path)).toBeNull();
  });

  it('an empty mount lists as null', async () => {
    const kv = kvV2();
    expect(await kv.send('list', 'metadata/')).toBeNull();
  });

  it('listing includes soft-deleted, destroyed and metadata-only keys', async () => {
    const kv = kvV2();
    await kv.send('update', 'data/deleted', { data: { a: 1 } });
    await kv.send('delete', 'data/deleted');
    await kv.send('update', 'data/destroyed', { data: { a: 1 } });
    await kv.send('update', 'destroy/destroyed', { versions: '1' });
    await kv.send('update', 'metadata/meta-only', { max_versions: 2 });
    expect(dataOf(await kv.send('list', 'metadata/'))).toEqual({ keys: ['deleted', 'destroyed', 'meta-only'] });
  });

  it('exclude_deleted leaves out keys whose latest version is deleted or destroyed', async () => {
    const kv = kvV2();
    await kv.send('update', 'data/live', { data: { a: 1 } });
    await kv.send('update', 'data/gone', { data: { a: 1 } });
    await kv.send('delete', 'data/gone');
    await kv.send('update', 'data/dir/gone', { data: { a: 1 } });
    await kv.send('update', 'destroy/dir/gone', { versions: [1] });
    expect(dataOf(await kv.send('list', 'metadata/', { exclude_deleted: true }))).toEqual({ keys: ['live'] });
  });

  it('a deleted key disappears from the listing', async () => {
    const kv = await seeded();
    await kv.send('delete', 'metadata/alpha');
    expect(dataOf(await kv.send('list', 'metadata/'))).toEqual({ keys: ['foo', 'foo/', 'zeta/'] });
  });
});
