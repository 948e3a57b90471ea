import { startVaultDev } from 'vault-dev';
import { describe, expect, it } from 'vitest';
import { VaultClient, VaultUnavailableError, type VaultRequestEvent } from '../src/index.js';

describe('request observer', () => {
  it('is told of every call once, with its outcome and duration, and a failing observer changes nothing', async () => {
    const vault = await startVaultDev({ port: 0 });
    const events: VaultRequestEvent[] = [];
    const client = new VaultClient({
      address: vault.address,
      auth: { token: vault.rootToken },
      onRequest: (e) => events.push(e),
    });
    try {
      await client.kvV2('secret').put('app/KEY', { value: 'x' });
      expect(await client.read('secret/data/app/NOPE')).toBeNull();
      await expect(client.write('sys/policies/acl/bad', { policy: 'not hcl {' })).rejects.toThrow();
      await vault.close();
      await expect(client.read('secret/data/app/KEY')).rejects.toBeInstanceOf(VaultUnavailableError);
      expect(events.map((e) => [e.method, e.path, e.outcome])).toEqual([
        ['POST', 'secret/data/app/KEY', 'ok'],
        ['GET', 'secret/data/app/NOPE', 'not_found'],
        ['POST', 'sys/policies/acl/bad', 'refused'],
        ['GET', 'secret/data/app/KEY', 'unavailable'],
      ]);
      for (const e of events) expect(e.seconds).toBeGreaterThan(0);

      const throwing = new VaultClient({
        address: 'http://127.0.0.1:1',
        auth: { token: 't' },
        retries: { attempts: 1 },
        onRequest: () => {
          throw new Error('observer bug');
        },
      });
      await expect(throwing.read('secret/data/x')).rejects.toBeInstanceOf(VaultUnavailableError);
    } finally {
      client.close();
      await vault.close().catch(() => undefined);
    }
  });
});
