import { describe, expect, it } from 'vitest';
import { dataOf, kvV2, rawBody } from './kv-test-support.js';

const RFC3339_NANO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

describe('KV v2 data/: writing and reading', () => {
  it('a written secret reads back with its version metadata', async () => {
    const kv = kvV2();
    const written = dataOf(await kv.send('update', 'data/my-secret', { data: { foo: 'bar', zip: 'zap' } }));
    expect(written).toEqual({
      created_time: '2018-03-22T02:36:43.986212308Z',
      custom_metadata: null,
      deletion_time: '',
      destroyed: false,
      version: 1,
    });
    // Keys come out in Go's sorted order.
    expect(Object.keys(written)).toEqual(['created_time', 'custom_metadata', 'deletion_time', 'destroyed', 'version']);

    const read = dataOf(await kv.send('read', 'data/my-secret'));
    expect(read['data']).toEqual({ foo: 'bar', zip: 'zap' });
    expect(read['metadata']).toEqual({
      created_time: '2018-03-22T02:36:43.986212308Z',
      custom_metadata: null,
      deletion_time: '',
      destroyed: false,
      version: 1,
    });
  });

  it('timestamps are RFC3339Nano in UTC with nanosecond digits', async () => {
    const kv = kvV2();
    kv.clock.ns += 7n;
    const written = dataOf(await kv.send('update', 'data/a', { data: { x: 1 } }));
    expect(written['created_time']).toMatch(RFC3339_NANO);
    expect(written['created_time']).toBe('2018-03-22T02:36:43.986212315Z');
  });

  it('a new key needs create, an existing one (even soft-deleted) needs update', async () => {
    const kv = kvV2();
    expect(await kv.writeOperation('data/app')).toBe('create');
    await kv.send('update', 'data/app', { data: { a: 1 } });
    expect(await kv.writeOperation('data/app')).toBe('update');
    await kv.send('delete', 'data/app');
    expect(await kv.writeOperation('data/app')).toBe('update');
    // Metadata alone makes the key exist.
    await kv.send('update', 'metadata/only-meta', { max_versions: 3 });
    expect(await kv.writeOperation('data/only-meta')).toBe('update');
  });

  it.each([
    ['no body at all', null],
    ['secret fields at the top level', { foo: 'bar' }],
    ['only options', { options: { cas: 0 } }],
  ])('a write without `data` is refused with "no data provided" (%s)', async (_name, body) => {
    const kv = kvV2();
    const resp = await kv.send('update', 'data/app', body);
    expect(resp?.error).toEqual({ message: 'no data provided', status: 400 });
    expect(await kv.send('read', 'metadata/app')).toBeNull();
  });

  it('unknown top-level parameters are reported in a warning', async () => {
    const kv = kvV2();
    const resp = await kv.send('update', 'data/app', { data: { a: 1 }, zeta: 1, alpha: 2 });
    expect(resp?.warnings).toEqual(['Endpoint ignored these unrecognized parameters: [alpha zeta]']);
  });

  it('a missing key and a missing version both read as null (404 {"errors":[]})', async () => {
    const kv = kvV2();
    expect(await kv.send('read', 'data/nope')).toBeNull();
    await kv.send('update', 'data/app', { data: { a: 1 } });
    expect(await kv.send('read', 'data/app', { version: 7 })).toBeNull();
  });

  it('?version=N reads that version; 0 or absent reads the latest', async () => {
    const kv = kvV2();
    await kv.send('update', 'data/app', { data: { n: 1 } });
    await kv.send('update', 'data/app', { data: { n: 2 } });
    const cases: [Record<string, unknown> | null, number][] = [
      [null, 2],
      [{ version: 0 }, 2],
      [{ version: 1 }, 1],
      [{ version: '1' }, 1],
      [{ version: 2 }, 2],
    ];
    for (const [query, n] of cases) {
      const read = dataOf(await kv.send('read', 'data/app', query));
      expect(read['data']).toEqual({ n });
      expect((read['metadata'] as Record<string, unknown>)['version']).toBe(n);
    }
  });

  it('a version parameter that is not a number fails field validation', async () => {
    const kv = kvV2();
    await kv.send('update', 'data/app', { data: { n: 1 } });
    const resp = await kv.send('read', 'data/app', { version: 'abc' });
    expect(resp?.error?.status).toBe(400);
    expect(resp?.error?.message).toContain('Field validation failed: error converting input for field "version"');
  });

  it('a write of data: null stores a version whose data reads as null', async () => {
    const kv = kvV2();
    dataOf(await kv.send('update', 'data/app', { data: null }));
    expect(dataOf(await kv.send('read', 'data/app'))['data']).toBeNull();
  });

  it('nested JSON values round-trip unchanged', async () => {
    const kv = kvV2();
    const secret = { s: 'x', n: 1.5, b: false, nil: null, list: [1, 'two', { three: 3 }], obj: { deep: { er: true } } };
    await kv.send('update', 'data/app', { data: secret });
    expect(dataOf(await kv.send('read', 'data/app'))['data']).toEqual(secret);
  });

  it('reads hand out copies: changing a read result does not change the stored secret', async () => {
    const kv = kvV2();
    const body = { data: { a: { b: 1 } } };
    await kv.send('update', 'data/app', body);
    body.data.a.b = 2;
    const first = dataOf(await kv.send('read', 'data/app'));
    (first['data'] as { a: { b: number } }).a.b = 3;
    expect(dataOf(await kv.send('read', 'data/app'))['data']).toEqual({ a: { b: 1 } });
  });

  it('a key with a trailing slash is not a data path (invalid-path 404)', async () => {
    const kv = kvV2();
    const resp = await kv.send('update', 'data/app/', { data: { a: 1 } });
    expect(resp?.raw?.status).toBe(404);
  });

  it('custom_metadata from the key metadata appears in data reads and writes', async () => {
    const kv = kvV2();
    await kv.send('update', 'metadata/app', { custom_metadata: { owner: 'jdoe', mission_critical: 'false' } });
    const written = dataOf(await kv.send('update', 'data/app', { data: { a: 1 } }));
    expect(written['custom_metadata']).toEqual({ mission_critical: 'false', owner: 'jdoe' });
    const read = dataOf(await kv.send('read', 'data/app'));
    expect((read['metadata'] as Record<string, unknown>)['custom_metadata']).toEqual({
      mission_critical: 'false',
      owner: 'jdoe',
    });
  });
});

describe('KV v2 data/: check-and-set', () => {
  it('a write with a stale cas is refused and leaves the key unchanged', async () => {
    const kv = kvV2();
    await kv.send('update', 'data/app', { data: { v: 1 } });
    await kv.send('update', 'data/app', { data: { v: 2 } });
    const resp = await kv.send('update', 'data/app', { data: { v: 3 }, options: { cas: 1 } });
    expect(resp?.error).toEqual({ message: 'check-and-set parameter did not match the current version', status: 400 });
    const read = dataOf(await kv.send('read', 'data/app'));
    expect(read['data']).toEqual({ v: 2 });
    expect(dataOf(await kv.send('read', 'metadata/app'))['current_version']).toBe(2);
  });

  it.each([
    ['cas 0 creates a new key', false, { cas: 0 }, null],
    ['cas 0 refuses an existing key', true, { cas: 0 }, 'check-and-set parameter did not match the current version'],
    ['the current version as cas succeeds', true, { cas: 1 }, null],
    ['cas is weakly decoded from a string', true, { cas: '1' }, null],
    ['cas null counts as 0', false, { cas: null }, null],
    ['a future cas is refused', true, { cas: 5 }, 'check-and-set parameter did not match the current version'],
    [
      'cas on a new key other than 0 is refused',
      false,
      { cas: 1 },
      'check-and-set parameter did not match the current version',
    ],
    ['an undecodable cas is refused', true, { cas: 'abc' }, 'error parsing check-and-set parameter'],
    ['a fractional cas is refused', true, { cas: 1.5 }, 'error parsing check-and-set parameter'],
    ['options without cas is a plain write', true, { other: 1 }, null],
  ])('%s', async (_name, existing, options, error) => {
    const kv = kvV2();
    if (existing) await kv.send('update', 'data/app', { data: { v: 1 } });
    const resp = await kv.send('update', 'data/app', { data: { v: 2 }, options });
    if (error === null) {
      expect(resp?.error).toBeUndefined();
      expect(dataOf(resp)['version']).toBe(existing ? 2 : 1);
    } else {
      expect(resp?.error).toEqual({ message: error, status: 400 });
    }
  });

  it.each([
    ['the mount config', 'config', { cas_required: true }],
    ['the key metadata', 'metadata/app', { cas_required: true }],
  ])('cas_required on %s refuses a write without cas and accepts one with it', async (_n, path, body) => {
    const kv = kvV2();
    await kv.send('update', path, body);
    const refused = await kv.send('update', 'data/app', { data: { v: 1 } });
    expect(refused?.error).toEqual({ message: 'check-and-set parameter required for this call', status: 400 });
    expect(dataOf(await kv.send('update', 'data/app', { data: { v: 1 }, options: { cas: 0 } }))['version']).toBe(1);
  });

  it('a key with cas_required=false still needs cas when the mount requires it', async () => {
    const kv = kvV2();
    await kv.send('update', 'config', { cas_required: true });
    const resp = await kv.send('update', 'metadata/app', { cas_required: false });
    expect(resp?.warnings).toEqual([
      '"cas_required" set to false, but is mandated by backend config. This value will be ignored.',
    ]);
    const refused = await kv.send('update', 'data/app', { data: { v: 1 } });
    expect(refused?.error?.message).toBe('check-and-set parameter required for this call');
  });
});

describe('KV v2 data/: version retention', () => {
  it('an 11th version prunes the oldest and advances oldest_version', async () => {
    const kv = kvV2();
    for (let i = 1; i <= 9; i++) await kv.send('update', 'data/app', { data: { i } });
    expect(dataOf(await kv.send('read', 'metadata/app'))['oldest_version']).toBe(0);

    await kv.send('update', 'data/app', { data: { i: 10 } });
    await kv.send('update', 'data/app', { data: { i: 11 } });
    const meta = dataOf(await kv.send('read', 'metadata/app'));
    expect(meta['current_version']).toBe(11);
    expect(meta['oldest_version']).toBe(2);
    expect(
      Object.keys(meta['versions'] as object)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(await kv.send('read', 'data/app', { version: 1 })).toBeNull();
    expect(dataOf(await kv.send('read', 'data/app', { version: 2 }))['data']).toEqual({ i: 2 });
  });

  it('the 10th version already moves oldest_version to 1, as Vault does', async () => {
    const kv = kvV2();
    for (let i = 1; i <= 10; i++) await kv.send('update', 'data/app', { data: { i } });
    const meta = dataOf(await kv.send('read', 'metadata/app'));
    expect(meta['oldest_version']).toBe(1);
    expect(Object.keys(meta['versions'] as object)).toHaveLength(10);
  });

  it.each([
    ['the default of 10', 0, 0, 10],
    ['the key setting when the config is 0', 3, 0, 3],
    ['the config setting when the key is 0', 0, 4, 4],
    ['the larger of key and config (config larger)', 2, 5, 5],
    ['the larger of key and config (key larger)', 6, 3, 6],
  ])('versions kept: %s', async (_name, keyMax, configMax, kept) => {
    const kv = kvV2();
    if (configMax) await kv.send('update', 'config', { max_versions: configMax });
    if (keyMax) await kv.send('update', 'metadata/app', { max_versions: keyMax });
    for (let i = 1; i <= 15; i++) await kv.send('update', 'data/app', { data: { i } });
    const meta = dataOf(await kv.send('read', 'metadata/app'));
    expect(Object.keys(meta['versions'] as object)).toHaveLength(kept);
    expect(meta['oldest_version']).toBe(15 - kept + 1);
    expect(await kv.send('read', 'data/app', { version: 15 - kept })).toBeNull();
    expect(dataOf(await kv.send('read', 'data/app', { version: 15 - kept + 1 }))['data']).toEqual({ i: 15 - kept + 1 });
  });

  it('lowering max_versions prunes several versions on the next write', async () => {
    const kv = kvV2();
    for (let i = 1; i <= 5; i++) await kv.send('update', 'data/app', { data: { i } });
    await kv.send('update', 'metadata/app', { max_versions: 2 });
    await kv.send('update', 'data/app', { data: { i: 6 } });
    const meta = dataOf(await kv.send('read', 'metadata/app'));
    expect(Object.keys(meta['versions'] as object)).toEqual(['5', '6']);
    expect(meta['oldest_version']).toBe(5);
  });
});

describe('KV v2 data/: soft delete', () => {
  it('a soft-deleted version reads as 404 with its metadata', async () => {
    const kv = kvV2();
    await kv.send('update', 'metadata/app', { custom_metadata: { owner: 'me' } });
    await kv.send('update', 'data/app', { data: { a: 1 } });
    expect(await kv.send('delete', 'data/app')).toBeNull();

    const req = kv.request('read', 'data/app');
    const resp = await kv.backend.handleRequest(req);
    expect(resp?.raw?.status).toBe(404);
    const body = rawBody(resp);
    expect(body).toEqual({
      request_id: req.id,
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: {
        data: null,
        metadata: {
          created_time: expect.stringMatching(RFC3339_NANO),
          custom_metadata: { owner: 'me' },
          deletion_time: expect.stringMatching(RFC3339_NANO),
          destroyed: false,
          version: 1,
        },
      },
      wrap_info: null,
      warnings: null,
      auth: null,
      mount_type: '',
    });
  });

  it('DELETE on a missing key, or on an already deleted latest version, is a quiet no-op', async () => {
    const kv = kvV2();
    expect(await kv.send('delete', 'data/nope')).toBeNull();
    expect(await kv.send('read', 'metadata/nope')).toBeNull();

    await kv.send('update', 'data/app', { data: { a: 1 } });
    await kv.send('delete', 'data/app');
    const first = dataOf(await kv.send('read', 'metadata/app'))['versions'] as Record<string, Record<string, unknown>>;
    kv.clock.advanceSeconds(5);
    expect(await kv.send('delete', 'data/app')).toBeNull();
    const second = dataOf(await kv.send('read', 'metadata/app'))['versions'] as Record<string, Record<string, unknown>>;
    expect(second['1']?.['deletion_time']).toBe(first['1']?.['deletion_time']);
  });

  it('DELETE only affects the latest version; older versions stay readable', async () => {
    const kv = kvV2();
    await kv.send('update', 'data/app', { data: { v: 1 } });
    await kv.send('update', 'data/app', { data: { v: 2 } });
    await kv.send('delete', 'data/app');
    expect((await kv.send('read', 'data/app'))?.raw?.status).toBe(404);
    expect(dataOf(await kv.send('read', 'data/app', { version: 1 }))['data']).toEqual({ v: 1 });
  });

  it('writing after a soft delete creates a new readable version', async () => {
    const kv = kvV2();
    await kv.send('update', 'data/app', { data: { v: 1 } });
    await kv.send('delete', 'data/app');
    expect(dataOf(await kv.send('update', 'data/app', { data: { v: 2 } }))['version']).toBe(2);
    expect(dataOf(await kv.send('read', 'data/app'))['data']).toEqual({ v: 2 });
  });
});

describe('KV v2 data/: delete_version_after', () => {
  it('the mount setting stamps a future deletion_time; the version reads until then and 404s after', async () => {
    const kv = kvV2();
    await kv.send('update', 'config', { delete_version_after: '1h' });
    const written = dataOf(await kv.send('update', 'data/app', { data: { a: 1 } }));
    expect(written['deletion_time']).toBe('2018-03-22T03:36:43.986212308Z');
    expect(dataOf(await kv.send('read', 'data/app'))['data']).toEqual({ a: 1 });
    kv.clock.advanceSeconds(3601);
    expect((await kv.send('read', 'data/app'))?.raw?.status).toBe(404);
  });

  it('the smaller of the mount and key settings wins', async () => {
    const kv = kvV2();
    await kv.send('update', 'config', { delete_version_after: '1h' });
    await kv.send('update', 'metadata/app', { delete_version_after: '10m' });
    const written = dataOf(await kv.send('update', 'data/app', { data: { a: 1 } }));
    expect(written['deletion_time']).toBe((written['created_time'] as string).replace('T02:36:', 'T02:46:'));
  });

  it('a negative mount setting disables it for every key', async () => {
    const kv = kvV2();
    await kv.send('update', 'config', { delete_version_after: '-1s' });
    await kv.send('update', 'metadata/app', { delete_version_after: '10m' });
    expect(dataOf(await kv.send('update', 'data/app', { data: { a: 1 } }))['deletion_time']).toBe('');
    expect(dataOf(await kv.send('read', 'config'))['delete_version_after']).toBe('-1s');
  });

  it('undelete gives a restored version a fresh deletion_time', async () => {
    const kv = kvV2();
    await kv.send('update', 'metadata/app', { delete_version_after: 60 });
    await kv.send('update', 'data/app', { data: { a: 1 } });
    kv.clock.advanceSeconds(120);
    expect((await kv.send('read', 'data/app'))?.raw?.status).toBe(404);
    await kv.send('update', 'undelete/app', { versions: [1] });
    const read = dataOf(await kv.send('read', 'data/app'));
    expect((read['metadata'] as Record<string, unknown>)['deletion_time']).not.toBe('');
  });
});

describe('KV v2 data/: PATCH', () => {
  it('applies a JSON merge patch to the latest version and writes a new one', async () => {
    const kv = kvV2();
    await kv.send('update', 'data/app', { data: { keep: 1, replace: 'old', drop: true, nested: { a: 1, b: 2 } } });
    const patched = dataOf(
      await kv.send('patch', 'data/app', {
        data: { replace: 'new', drop: null, added: [1], nested: { b: null, c: 3 } },
      }),
    );
    expect(patched['version']).toBe(2);
    expect(dataOf(await kv.send('read', 'data/app'))['data']).toEqual({
      keep: 1,
      replace: 'new',
      added: [1],
      nested: { a: 1, c: 3 },
    });
    expect(dataOf(await kv.send('read', 'data/app', { version: 1 }))['data']).toEqual({
      keep: 1,
      replace: 'old',
      drop: true,
      nested: { a: 1, b: 2 },
    });
  });

  it('PATCH on a missing key is 404 with no body', async () => {
    const kv = kvV2();
    const resp = await kv.send('patch', 'data/nope', { data: { a: 1 } });
    expect(resp).toEqual({ raw: { status: 404 } });
  });

  it('PATCH on a key with metadata but no versions is 404 with no body', async () => {
    const kv = kvV2();
    await kv.send('update', 'metadata/app', { max_versions: 2 });
    expect(await kv.send('patch', 'data/app', { data: { a: 1 } })).toEqual({ raw: { status: 404 } });
  });

  it.each(['deleted', 'destroyed'])('PATCH when the latest version is %s is 404 with its metadata', async (how) => {
    const kv = kvV2();
    await kv.send('update', 'data/app', { data: { a: 1 } });
    if (how === 'deleted') await kv.send('delete', 'data/app');
    else await kv.send('update', 'destroy/app', { versions: [1] });
    const resp = await kv.send('patch', 'data/app', { data: { a: 2 } });
    expect(resp?.raw?.status).toBe(404);
    const data = rawBody(resp)['data'] as Record<string, unknown>;
    expect(data['version']).toBe(1);
    expect(data['destroyed']).toBe(how === 'destroyed');
    expect(dataOf(await kv.send('read', 'metadata/app'))['current_version']).toBe(1);
  });

  it('PATCH without data is refused with "no data provided"', async () => {
    const kv = kvV2();
    await kv.send('update', 'data/app', { data: { a: 1 } });
    expect((await kv.send('patch', 'data/app', { a: 2 }))?.error).toEqual({ message: 'no data provided', status: 400 });
  });

  it('PATCH honours cas like a write', async () => {
    const kv = kvV2();
    await kv.send('update', 'data/app', { data: { a: 1 } });
    const stale = await kv.send('patch', 'data/app', { data: { a: 2 }, options: { cas: 0 } });
    expect(stale?.error?.message).toBe('check-and-set parameter did not match the current version');
    expect(dataOf(await kv.send('patch', 'data/app', { data: { a: 2 }, options: { cas: 1 } }))['version']).toBe(2);
  });
});
