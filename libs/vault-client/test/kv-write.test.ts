/** A KV v2 write tells its caller the new version and when Vault created it, without a second read. */
import { describe, expect, it } from 'vitest';
import { useVaultDev } from './support.js';

const ctx = useVaultDev();

describe('KV v2 write', () => {
  it("returns the new version and the created_time Vault's metadata then shows for it", async () => {
    const kv = ctx.root.kvV2('secret');
    const first = await kv.write('app/WRITE_TIME', { value: 'one' }, { cas: 0 });
    const second = await kv.write('app/WRITE_TIME', { value: 'two' }, { cas: 1 });
    expect(first.version).toBe(1);
    expect(second.version).toBe(2);
    const meta = await kv.metadata('app/WRITE_TIME');
    expect(first.createdTime).toBe(meta?.versions['1']?.created_time);
    expect(second.createdTime).toBe(meta?.versions['2']?.created_time);
  });
});
