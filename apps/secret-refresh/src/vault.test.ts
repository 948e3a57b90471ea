import { startIdleClosingServer } from '@secret-api/testing';
import { describe, expect, it } from 'vitest';
import { VaultClient } from './vault.js';

describe('connections to Vault', () => {
  it('are dropped by the sidecar before Vault closes them idle, which would reset a renewal sent into the close', async () => {
    const server = await startIdleClosingServer('{"data":{}}', 200);
    const vault = await VaultClient.create(new URL(server.url), 'token');
    try {
      await vault.call({ method: 'GET', path: 'auth/token/lookup-self', timeoutMs: 2_000 });
      await server.firstClose();
      expect(server.closedBy).toEqual(['client']);
    } finally {
      vault.close();
      await server.close();
    }
  });
});
