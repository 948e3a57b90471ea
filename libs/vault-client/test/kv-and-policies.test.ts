import { describe, expect, it } from 'vitest';
import { VaultCasMismatchError, VaultRequestError } from '../src/index.js';
import { rejection, useVaultDev } from './support.js';

const ctx = useVaultDev();

describe('KV v2', () => {
  it('put with cas, get latest and by version, metadata', async () => {
    const kv = ctx.root.kvV2('secret');
    expect(await kv.put('app/DB_PASSWORD', { value: 'one' }, { cas: 0 })).toBe(1);
    expect(await kv.put('app/DB_PASSWORD', { value: 'two' }, { cas: 1 })).toBe(2);

    const latest = await kv.get('app/DB_PASSWORD');
    expect(latest).toMatchObject({ data: { value: 'two' }, deleted: false, destroyed: false });
    expect(latest?.metadata.version).toBe(2);
    expect((await kv.get('app/DB_PASSWORD', { version: 1 }))?.data).toEqual({ value: 'one' });
    expect(await kv.get('app/DB_PASSWORD', { version: 7 })).toBeNull();

    const meta = await kv.metadata('app/DB_PASSWORD');
    expect(meta).toMatchObject({ current_version: 2 });
    expect(Object.keys(meta?.versions ?? {})).toEqual(['1', '2']);
  });

  it("a cas conflict is a VaultCasMismatchError (a VaultRequestError) carrying Vault's text", async () => {
    const kv = ctx.root.kvV2();
    await kv.put('app/CAS', { value: 'v' }, { cas: 0 });
    const err = await rejection(kv.put('app/CAS', { value: 'w' }, { cas: 0 }));
    expect(err).toBeInstanceOf(VaultCasMismatchError);
    expect(err).toBeInstanceOf(VaultRequestError);
    expect((err as VaultRequestError).status).toBe(400);
    expect(err.message).toContain('check-and-set parameter did not match the current version');
    expect(err.message).not.toContain('"w"');
    expect((await kv.get('app/CAS'))?.data).toEqual({ value: 'v' });
  });

  it('missing, soft-deleted and metadata-deleted keys are told apart', async () => {
    const kv = ctx.root.kvV2();
    expect(await kv.get('app/NEVER')).toBeNull();
    expect(await kv.metadata('app/NEVER')).toBeNull();

    await kv.put('app/SOFT', { value: 'v' });
    await kv.delete('app/SOFT');
    const soft = await kv.get('app/SOFT');
    expect(soft).toMatchObject({ data: null, deleted: true, destroyed: false });
    expect(soft?.metadata.deletion_time).not.toBe('');

    await kv.deleteMetadata('app/SOFT');
    expect(await kv.get('app/SOFT')).toBeNull();
    await kv.deleteMetadata('app/SOFT'); // deleting again is fine
  });

  it('list gives keys and folders, [] for an empty prefix', async () => {
    const kv = ctx.root.kvV2();
    await kv.put('listing/A', { v: 1 });
    await kv.put('listing/B', { v: 1 });
    await kv.put('listing/sub/C', { v: 1 });
    expect(await kv.list('listing')).toEqual(['A', 'B', 'sub/']);
    expect(await kv.list('listing/')).toEqual(['A', 'B', 'sub/']);
    expect(await kv.list('nothing-here')).toEqual([]);
    expect(await kv.list()).toEqual(expect.arrayContaining(['listing/']));
  });

  it('generic read/write/list/delete return data, not envelopes', async () => {
    const written = await ctx.root.write('secret/data/generic/X', { data: { a: 1 } });
    expect(written.data).toMatchObject({ version: 1 });
    expect(written.auth).toBeNull();
    expect(await ctx.root.read('secret/data/generic/X')).toMatchObject({ data: { a: 1 } });
    expect(await ctx.root.list('secret/metadata/generic')).toEqual(['X']);
    await ctx.root.delete('secret/metadata/generic/X');
    expect(await ctx.root.read('secret/data/generic/X')).toBeNull();
    expect(await ctx.root.list('secret/metadata/generic')).toEqual([]);
  });

  it('a 400 carries every errors text', async () => {
    const err = await rejection(ctx.root.write('secret/data/generic/FLAT', { value: 'x' }));
    expect(err).toBeInstanceOf(VaultRequestError);
    expect((err as VaultRequestError).errors).toEqual(['no data provided']);
    expect(err.message).toMatch(
      /^Vault at http:\/\/.* rejected POST secret\/data\/generic\/FLAT with 400: no data provided$/,
    );
  });

  it('refuses unsafe paths before sending anything', async () => {
    await expect(ctx.root.read('secret/data/../../sys/policies/acl/root')).rejects.toThrow(/unsafe Vault path/);
    await expect(ctx.root.kvV2().get('a b')).rejects.toThrow(/unsafe Vault path/);
  });
});

describe('ACL policies', () => {
  const hcl = 'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n';

  it('write/read/delete sys/policies/acl/<name>, null when missing', async () => {
    const name = 'secret-api/read-aws.stg.app';
    expect(await ctx.root.readPolicy(name)).toBeNull();
    await ctx.root.writePolicy(name, hcl);
    expect(await ctx.root.readPolicy(name)).toBe(hcl);
    expect(await ctx.root.list('sys/policies/acl')).toEqual(expect.arrayContaining([name, 'default', 'root']));
    await ctx.root.deletePolicy(name);
    expect(await ctx.root.readPolicy(name)).toBeNull();
  });

  it("an invalid policy is a VaultRequestError with Vault's message", async () => {
    const err = await rejection(ctx.root.writePolicy('broken', 'path "x" { capabilities = ["fly"] }'));
    expect(err).toBeInstanceOf(VaultRequestError);
    expect(err.message).toContain('failed to parse policy');
  });
});
