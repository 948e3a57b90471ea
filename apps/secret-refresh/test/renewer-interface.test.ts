/**
 * kube-vault-auth-renewer's interface on its own — VAULT_ADDR, VAULT_TOKEN and LEASE_IDS
 * (from the environment or the sourced env file), RENEW_INTERVAL — with no lease directory.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killAll, sleep, start, tempDir, waitFor } from './support/program.js';
import { TTL, startStack, type Stack } from './support/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterEach(() => killAll());

afterAll(async () => {
  await stack?.close();
});

describe('secret-refresh with the kube-vault-auth-renewer interface', () => {
  it('renews the token and LEASE_IDS read from the env file, at most RENEW_INTERVAL apart, and leaves them on exit when REVOKE_ON_EXIT=false', async () => {
    const login = await stack.login();
    const a = await stack.dbCreds(login.token);
    const b = await stack.dbCreds(login.token);
    const dir = tempDir('renewer');
    const envFile = join(dir, 'variables');
    writeFileSync(
      envFile,
      `# Written by secret-init\nexport VAULT_TOKEN='${login.token}'\nexport LEASE_IDS='${a.leaseId}, ${b.leaseId}'\nexport OTHER="$HOME"\n`,
      { mode: 0o600 },
    );
    const p = start({
      VAULT_ADDR: stack.vault.address,
      SECRET_REFRESH_ENV_FILE: envFile,
      SECRET_REFRESH_LEASE_DIR: '',
      RENEW_INTERVAL: '1',
      REVOKE_ON_EXIT: 'false',
    });
    const ready = await p.waitForLog((l) => l.msg.startsWith('ready'));
    expect(ready['items']).toBe(3);
    expect(p.logs().find((l) => l.msg === 'started')).toMatchObject({ source: 'renewer', leases: 2 });

    // Past two and a half of the leases' TTLs, each lease has been renewed several times and still works.
    // Waiting on the renewals rather than on a fixed sleep keeps this true on a loaded machine too.
    const renewalsOf = (id: string) => p.logs().filter((l) => l.msg === 'lease renewed' && l['item'] === id).length;
    await sleep(TTL * 2500);
    expect(await waitFor(() => renewalsOf(a.leaseId) >= 3 && renewalsOf(b.leaseId) >= 3, 30_000)).toBe(true);
    for (const lease of [a, b]) {
      // RENEW_INTERVAL=1 caps the wait below the 1.5 s that half the TTL would allow: consecutive renewals of a
      // lease are at most about a second apart (plus the machine's scheduling slack).
      const times = p
        .logs()
        .filter((l) => l.msg === 'lease renewed' && l['item'] === lease.leaseId)
        .map((l) => Date.parse(String(l['time'])));
      if (times.every(Number.isFinite) && times.length >= 3) {
        const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
        expect(Math.min(...gaps)).toBeLessThan(1_500);
      }
      expect(await stack.canConnectAs(lease.username)).toBe(true);
    }

    const { code } = await p.stop('SIGTERM');
    expect(code, p.stderr()).toBe(0);
    expect(p.logs().find((l) => /left to expire/.test(l.msg))).toBeDefined();
    expect(await stack.tokenAlive(login.token)).toBe(true);
    expect(await stack.canConnectAs(a.username)).toBe(true);
    expect(p.stderr()).not.toContain(login.token);
  });

  it('VAULT_TOKEN and LEASE_IDS from the environment alone work, and SIGTERM revokes them', async () => {
    const login = await stack.login();
    const lease = await stack.dbCreds(login.token);
    const p = start({ VAULT_ADDR: stack.vault.address, VAULT_TOKEN: login.token, LEASE_IDS: lease.leaseId });
    await p.waitForLog((l) => l.msg.startsWith('ready'));
    await p.waitForLog((l) => l.msg === 'lease renewed' && l['item'] === lease.leaseId, 5_000);
    const { code } = await p.stop('SIGINT');
    expect(code, p.stderr()).toBe(0);
    expect(await stack.tokenAlive(login.token)).toBe(false);
  });
});
