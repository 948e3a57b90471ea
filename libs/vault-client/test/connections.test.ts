/** One client keeps its connections to Vault open: a burst of calls pays TCP set-up a bounded number of times. */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startIdleClosingServer } from '@secret-api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, useVaultDev } from './support.js';

const ctx = useVaultDev();
let proxy: Server;
let accepted = 0;
const open = new Set<Socket>();

beforeAll(async () => {
  const target = new URL(ctx.vault.address);
  // A TCP relay in front of vault-dev that counts the connections the client opens.
  proxy = createServer((inbound) => {
    accepted++;
    open.add(inbound);
    const outbound = connect(Number(target.port), target.hostname);
    inbound.pipe(outbound).pipe(inbound);
    const drop = () => {
      open.delete(inbound);
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('close', drop).on('error', drop);
    outbound.on('close', drop).on('error', drop);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const s of open) s.destroy();
  await new Promise((resolve) => proxy.close(resolve));
});

describe('connections to Vault', () => {
  it('are reused across calls: 200 reads, 10 at a time, open at most 10 connections', async () => {
    const { port } = proxy.address() as AddressInfo;
    const vault = client(`http://127.0.0.1:${port}`);
    await ctx.root.kvV2('secret').put('app/conn', { value: 'x' });
    accepted = 0;
    for (let round = 0; round < 20; round++) {
      await Promise.all(Array.from({ length: 10 }, () => vault.kvV2('secret').get('app/conn')));
    }
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThanOrEqual(10);
    vault.close();
  });

  it('are closed with the client, so an idle client does not keep the process alive', async () => {
    const { port } = proxy.address() as AddressInfo;
    const vault = client(`http://127.0.0.1:${port}`);
    await vault.kvV2('secret').get('app/conn');
    expect(open.size).toBeGreaterThan(0);
    vault.close();
    for (let i = 0; i < 100 && open.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(open.size).toBe(0);
  });

  it('are dropped by the client before the server closes them idle, which would reset a write sent into the close', async () => {
    const server = await startIdleClosingServer();
    const vault = client(server.url);
    try {
      await vault.kvV2('secret').get('app/idle');
      await server.firstClose();
      expect(server.closedBy).toEqual(['client']);
    } finally {
      vault.close();
      await server.close();
    }
  });
});
