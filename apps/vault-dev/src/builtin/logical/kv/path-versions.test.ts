import { describe, expect, it } from 'vitest';
import { dataOf, kvV2, type Harness } from './kv-test-support.js';

async function threeVersions(): Promise<Harness> {
  const kv = kvV2();
  for (let v = 1; v <= 3; v++) await kv.send('update', 'data/app', { data: { v } });
  return kv;
}

const status = async (kv: Harness, version: number): Promise<number> => {
  const resp = await kv.send('read', 'data/app', { version });
  if (resp === null) return 404;
  return resp.raw?.status ?? 200;
};

describe('KV v2 delete/, undelete/, destroy/', () => {
  it.each([
    ['delete/app', 'No version number provided'],
    ['undelete/app', 'No version number provided'],
    ['destroy/app', 'no version number provided'],
  ])('%s without versions is refused with "%s"', async (path, message) => {
    const kv = await threeVersions();
    for (const body of [{}, { versions: [] }, { versions: '' }]) {
      expect((await kv.send('update', path, body))?.error).toEqual({ message, status: 400 });
    }
  });

  it.each([
    ['an array', [1, 2]],
    ['a comma string', '1,2'],
    ['strings in an array', ['1', '2']],
  ])('delete/ soft-deletes the listed versions (versions as %s)', async (_name, versions) => {
    const kv = await threeVersions();
    expect(await kv.send('update', 'delete/app', { versions })).toBeNull();
    expect([await status(kv, 1), await status(kv, 2), await status(kv, 3)]).toEqual([404, 404, 200]);
  });

  it('delete/ skips unknown versions and keys', async () => {
    const kv = await threeVersions();
    expect(await kv.send('update', 'delete/app', { versions: [9, 3] })).toBeNull();
    expect(await status(kv, 3)).toBe(404);
    expect(await kv.send('update', 'delete/nope', { versions: [1] })).toBeNull();
    expect(await kv.send('read', 'metadata/nope')).toBeNull();
  });

  it('undelete/ restores soft-deleted versions', async () => {
    const kv = await threeVersions();
    await kv.send('update', 'delete/app', { versions: [1, 2] });
    expect(await kv.send('update', 'undelete/app', { versions: [1] })).toBeNull();
    expect([await status(kv, 1), await status(kv, 2)]).toEqual([200, 404]);
    const versions = dataOf(await kv.send('read', 'metadata/app'))['versions'] as Record<
      string,
      Record<string, unknown>
    >;
    expect(versions['1']?.['deletion_time']).toBe('');
  });

  it('undelete/ brings back a version removed by DELETE data/', async () => {
    const kv = await threeVersions();
    await kv.send('delete', 'data/app');
    await kv.send('update', 'undelete/app', { versions: [3] });
    expect(dataOf(await kv.send('read', 'data/app'))['data']).toEqual({ v: 3 });
  });

  it('destroy/ removes the data for good: 404 with destroyed=true, and undelete cannot bring it back', async () => {
    const kv = await threeVersions();
    expect(await kv.send('update', 'destroy/app', { versions: [2] })).toBeNull();
    const resp = await kv.send('read', 'data/app', { version: 2 });
    expect(resp?.raw?.status).toBe(404);
    const body = resp?.raw?.body as { data: { data: unknown; metadata: Record<string, unknown> } };
    expect(body.data.data).toBeNull();
    expect(body.data.metadata['destroyed']).toBe(true);

    await kv.send('update', 'undelete/app', { versions: [2] });
    expect(await status(kv, 2)).toBe(404);
    await kv.send('update', 'delete/app', { versions: [2] });
    const versions = dataOf(await kv.send('read', 'metadata/app'))['versions'] as Record<
      string,
      Record<string, unknown>
    >;
    expect(versions['2']).toEqual({ created_time: expect.any(String), deletion_time: '', destroyed: true });
  });

  it('destroying a soft-deleted version keeps its deletion_time and marks it destroyed', async () => {
    const kv = await threeVersions();
    await kv.send('update', 'delete/app', { versions: [1] });
    await kv.send('update', 'destroy/app', { versions: [1] });
    const versions = dataOf(await kv.send('read', 'metadata/app'))['versions'] as Record<
      string,
      Record<string, unknown>
    >;
    expect(versions['1']?.['destroyed']).toBe(true);
    expect(versions['1']?.['deletion_time']).not.toBe('');
  });

  it('DELETE data/ skips a destroyed latest version', async () => {
    const kv = await threeVersions();
    await kv.send('update', 'destroy/app', { versions: [3] });
    expect(await kv.send('delete', 'data/app')).toBeNull();
    const versions = dataOf(await kv.send('read', 'metadata/app'))['versions'] as Record<
      string,
      Record<string, unknown>
    >;
    expect(versions['3']?.['deletion_time']).toBe('');
  });

  it('these paths have no existence check, so writes need update', async () => {
    const kv = kvV2();
    for (const path of ['delete/app', 'undelete/app', 'destroy/app', 'config']) {
      expect(await kv.writeOperation(path)).toBe('update');
    }
  });
});

describe('KV v2 config', () => {
  it('reads the defaults on a fresh mount', async () => {
    const kv = kvV2();
    expect(dataOf(await kv.send('read', 'config'))).toEqual({
      cas_required: false,
      delete_version_after: '0s',
      max_versions: 0,
    });
  });

  it('a write sets the fields it is given and answers 204', async () => {
    const kv = kvV2();
    expect(
      await kv.send('update', 'config', { max_versions: 5, cas_required: false, delete_version_after: '3h25m19s' }),
    ).toBeNull();
    expect(await kv.send('update', 'config', { cas_required: true })).toBeNull();
    expect(dataOf(await kv.send('read', 'config'))).toEqual({
      cas_required: true,
      delete_version_after: '3h25m19s',
      max_versions: 5,
    });
  });

  it('delete_version_after 0 clears the setting', async () => {
    const kv = kvV2();
    await kv.send('update', 'config', { delete_version_after: '1h' });
    await kv.send('update', 'config', { delete_version_after: 0 });
    expect(dataOf(await kv.send('read', 'config'))['delete_version_after']).toBe('0s');
  });

  it('a bad field type fails validation', async () => {
    const kv = kvV2();
    const resp = await kv.send('update', 'config', { max_versions: 'many' });
    expect(resp?.error?.message).toContain('Field validation failed: error converting input for field "max_versions"');
  });
});

describe('KV v2 subkeys/', () => {
  it('returns the key tree with leaves nulled (the docs example)', async () => {
    const kv = kvV2();
    await kv.send('update', 'data/my-secret', { data: { foo: 'abc', bar: { baz: 'def' }, quux: {} } });
    const resp = dataOf(await kv.send('read', 'subkeys/my-secret', { version: 1 }));
    expect(resp).toEqual({
      metadata: {
        created_time: '2018-03-22T02:36:43.986212308Z',
        custom_metadata: null,
        deletion_time: '',
        destroyed: false,
        version: 1,
      },
      subkeys: { foo: null, bar: { baz: null }, quux: null },
    });
  });

  it.each([
    [0, { a: { b: { c: null } }, x: null }],
    [1, { a: null, x: null }],
    [2, { a: { b: null }, x: null }],
    [3, { a: { b: { c: null } }, x: null }],
  ])('depth=%i limits the nesting', async (depth, subkeys) => {
    const kv = kvV2();
    await kv.send('update', 'data/app', { data: { a: { b: { c: 1 } }, x: [1, 2] } });
    expect(dataOf(await kv.send('read', 'subkeys/app', { depth }))['subkeys']).toEqual(subkeys);
  });

  it('missing keys and versions are null; deleted versions are 404 with metadata', async () => {
    const kv = kvV2();
    expect(await kv.send('read', 'subkeys/nope')).toBeNull();
    await kv.send('update', 'data/app', { data: { a: 1 } });
    expect(await kv.send('read', 'subkeys/app', { version: 4 })).toBeNull();
    await kv.send('delete', 'data/app');
    const resp = await kv.send('read', 'subkeys/app');
    expect(resp?.raw?.status).toBe(404);
    const body = resp?.raw?.body as { data: Record<string, unknown> };
    expect(body.data['subkeys']).toBeNull();
    expect((body.data['metadata'] as Record<string, unknown>)['version']).toBe(1);
  });
});

describe('KV v2 paths outside the API', () => {
  const kvWarning = (sub: string) =>
    `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${sub}' for this operation.`;
  const rootWarning = 'Non-listing operations on the root of a K/V v2 mount are not supported.';

  it.each([
    ['read', 'foo', kvWarning('get')],
    ['update', 'foo', kvWarning('put')],
    ['create', 'foo/bar', kvWarning('put')],
    ['patch', 'foo', kvWarning('patch')],
    ['delete', 'foo', kvWarning('delete')],
    ['list', 'foo/', kvWarning('list')],
    ['list', 'data/foo/', kvWarning('list')],
    ['read', 'data/', kvWarning('get')],
    ['read', 'config/', kvWarning('get')],
    ['read', 'subkeys', kvWarning('get')],
    ['read', 'data', rootWarning],
    ['read', 'metadata', rootWarning],
    ['update', 'delete', rootWarning],
    ['update', 'undelete', rootWarning],
    ['update', 'destroy', rootWarning],
  ] as const)('%s %s answers 404 with a warning and data null', async (operation, path, warning) => {
    const kv = kvV2();
    const req = kv.request(operation, path, operation === 'update' ? { data: { a: 1 } } : null);
    const resp = await kv.backend.handleRequest(req);
    expect(resp?.raw).toEqual({
      status: 404,
      body: {
        request_id: req.id,
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data: null,
        wrap_info: null,
        warnings: [warning],
        auth: null,
        mount_type: '',
      },
    });
  });

  it('an operation a valid path does not support is "unsupported operation"', async () => {
    const kv = kvV2();
    await expect(kv.backend.handleRequest(kv.request('patch', 'config', {}))).rejects.toMatchObject({
      message: 'unsupported operation',
      status: 405,
    });
    await expect(kv.backend.handleRequest(kv.request('read', 'destroy/app'))).rejects.toMatchObject({ status: 405 });
  });
});
