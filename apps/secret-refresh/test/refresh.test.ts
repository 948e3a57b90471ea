/**
 * secret-refresh as a child process against a real vault-dev and a real PostgreSQL, with
 * TTLs of a few seconds: database users outlive their TTL because it renews them, die on
 * SIGTERM because it revokes them, and every way of losing them ends the process with one line.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killAll, sleep, start, tempDir, waitFor, type LogLine } from './support/program.js';
import { startProxy, type Proxy } from './support/proxy.js';
import { APP, CLUSTER, TTL, call, startStack, writeLeaseDir, type Stack } from './support/stack.js';

const SECRET_INIT = fileURLToPath(new URL('../../secret-init/dist/main.js', import.meta.url));

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterEach(() => killAll());

afterAll(async () => {
  await stack?.close();
});

const renewed = (leaseId: string) => (l: LogLine) => l.msg === 'lease renewed' && l['item'] === leaseId;

async function probe(port: number, path: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, text: await res.text() };
}

describe('secret-refresh with the lease directory', () => {
  it('keeps a database user secret-init created alive past several TTLs, and revokes it and the token on SIGTERM', async () => {
    const base = tempDir('init');
    const config = join(base, 'config');
    mkdirSync(config);
    writeFileSync(join(config, 'db.conf.tmpl'), 'user={{ dbUsername }}\n');
    const leaseDir = join(base, 'leases');
    await promisify(execFile)(process.execPath, [SECRET_INIT], {
      env: {
        VAULT_ADDR: stack.vault.address,
        VAULT_ROLE_ID: stack.roleId,
        VAULT_SECRET_ID: await stack.secretId(),
        SECRET_INIT_APP: APP,
        SECRET_INIT_CLUSTER: CLUSTER,
        SECRET_INIT_CONFIG_DIR: config,
        SECRET_INIT_OUTPUT_DIR: join(base, 'out'),
        SECRET_INIT_LEASE_DIR: leaseDir,
        SECRET_INIT_ENV_FILE: join(base, 'env'),
      },
    });
    const user = /^user=(.+)$/m.exec(readFileSync(join(base, 'out', 'db.conf'), 'utf8'))![1]!;
    const token = readFileSync(join(leaseDir, 'token'), 'utf8').trim();
    const leaseId = JSON.parse(readFileSync(join(leaseDir, 'leases.json'), 'utf8')).leases[0].leaseId as string;

    const p = start({ SECRET_REFRESH_LEASE_DIR: leaseDir });
    const port = await p.port();
    await p.waitForLog((l) => l.msg.startsWith('ready'));
    expect((await probe(port, '/healthz')).status).toBe(200);
    expect((await probe(port, '/readyz')).status).toBe(200);

    // Three and a half of the user's original TTLs: without renewals Vault would have dropped it.
    const started = Date.now();
    await sleep(TTL * 3500);
    expect(await stack.canConnectAs(user)).toBe(true);
    expect(p.logs().filter(renewed(leaseId)).length).toBeGreaterThanOrEqual(3);
    expect(await stack.tokenAlive(token)).toBe(true);

    const status = await probe(port, '/status');
    expect(status.status).toBe(200);
    const doc = JSON.parse(status.text);
    expect(doc).toMatchObject({ phase: 'running', source: 'lease-dir', token: { kind: 'token', state: 'ok' } });
    expect(doc.token.accessor).toEqual(expect.any(String));
    expect(doc.leases).toEqual([
      expect.objectContaining({
        leaseId,
        path: expect.stringContaining('database/creds/'),
        state: 'ok',
        renewable: true,
      }),
    ]);
    expect(Date.parse(doc.leases[0].lastRenewal)).toBeGreaterThan(started);
    expect(Date.parse(doc.leases[0].expiresAt)).toBeGreaterThan(Date.now());
    expect(status.text).not.toContain(token);

    const { code } = await p.stop('SIGTERM');
    expect(code, p.stderr()).toBe(0);
    expect(await waitFor(async () => !(await stack.canConnectAs(user)), 5_000)).toBe(true);
    expect(await stack.tokenAlive(token)).toBe(false);
    expect(p.logs().find((l) => l.msg.startsWith('revoked the token'))).toBeDefined();
    expect(p.stderr()).not.toContain(token);
    expect(
      p
        .stderr()
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('{')),
    ).toEqual([]);
  });

  it('a lease revoked behind its back makes it exit non-zero with one line naming the lease', async () => {
    const login = await stack.login();
    const lease = await stack.dbCreds(login.token);
    const dir = join(tempDir('revoked'), 'leases');
    writeLeaseDir(dir, stack.vault.address, login, [lease]);
    const p = start({ SECRET_REFRESH_LEASE_DIR: dir });
    await p.waitForLog((l) => l.msg.startsWith('ready'));

    await stack.root('PUT', 'sys/leases/revoke', { lease_id: lease.leaseId });
    const { code } = await p.exited;
    expect(code).toBe(2);
    const errors = p.logs().filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toContain(`cannot keep lease ${lease.leaseId} alive`);
    expect(errors[0]!.msg).toMatch(/revoked or has expired/);
    expect(p.stderr()).not.toContain(login.token);
    // Exiting on a lost lease revokes nothing: the app keeps its token until the pod restarts.
    expect(await stack.tokenAlive(login.token)).toBe(true);
  });

  it('a PKI certificate of the pod is reported lost at two thirds of its life (exit 2): the pod must restart for a new one', async () => {
    const login = await stack.login();
    const dir = join(tempDir('certificate'), 'leases');
    const issued = Date.now();
    const certificate = {
      path: 'pki/aws/stg/issue/service-tls',
      serial: '3a:1f:00',
      issuedAt: new Date(issued).toISOString(),
      expiresAt: new Date(issued + 6_000).toISOString(),
    };
    writeLeaseDir(dir, stack.vault.address, login, [], issued, [certificate]);
    const p = start({ SECRET_REFRESH_LEASE_DIR: dir });
    await p.waitForLog((l) => l.msg.startsWith('ready'));
    const { code } = await p.exited;
    expect(code).toBe(2);
    const lostAfter = Date.now() - issued;
    expect(lostAfter).toBeGreaterThanOrEqual(3_500);
    expect(lostAfter).toBeLessThan(6_000);
    const errors = p.logs().filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toContain(
      'cannot keep the certificate from pki/aws/stg/issue/service-tls (serial 3a:1f:00) alive',
    );
    // The token stays: the app keeps its other credentials until the pod restarts.
    expect(await stack.tokenAlive(login.token)).toBe(true);
  });

  it('Vault unreachable for a while but back before expiry: it retries, keeps running and keeps renewing', async () => {
    const ttl = 10;
    // A token and a lease of 10 s, so an outage of a few seconds fits before their give-up point.
    const created = await stack.root('POST', 'auth/token/create', {
      ttl: `${ttl}s`,
      policies: ['default', `secret-api/read-${CLUSTER}.${APP}`],
    });
    const login = {
      token: created.body.auth.client_token as string,
      accessor: created.body.auth.accessor as string,
      ttl,
    };
    const lease = await stack.dbCreds(login.token);
    await call(stack.vault.address, login.token, 'PUT', 'sys/leases/renew', {
      lease_id: lease.leaseId,
      increment: ttl,
    });
    const proxy = await startProxy({ host: '127.0.0.1', port: stack.vault.port });
    const dir = join(tempDir('outage'), 'leases');
    writeLeaseDir(dir, proxy.address, login, [{ ...lease, ttl }]);
    const p = start({ SECRET_REFRESH_LEASE_DIR: dir });
    try {
      await p.waitForLog((l) => l.msg.startsWith('ready'));
      const renewalsBefore = p.logs().filter(renewed(lease.leaseId)).length;
      // Down from before the next renewal (due 5–6 s after start) until well after it.
      await sleep(3_000);
      await proxy.stop();
      await p.waitForLog((l) => l.msg === 'cannot renew yet; retrying' && l['item'] === lease.leaseId, 5_000);
      await sleep(1_500);
      await proxy.start();
      await p.waitForLog((l) => l.msg.startsWith('Vault answered again') && l['item'] === lease.leaseId, 5_000);
      expect(p.logs().filter(renewed(lease.leaseId)).length).toBeGreaterThan(renewalsBefore);
      expect(p.child.exitCode).toBeNull();
      expect(p.logs().filter((l) => l.level === 'error')).toEqual([]);
      expect(await stack.canConnectAs(lease.username)).toBe(true);
    } finally {
      await proxy.stop();
    }
  });

  /** secret-refresh keeping a fresh token alive through a proxy in front of Vault, with an 8 s shutdown budget. */
  async function refreshingThroughProxy(label: string) {
    const created = await stack.root('POST', 'auth/token/create', { ttl: '120s', policies: ['default'] });
    const login = {
      token: created.body.auth.client_token as string,
      accessor: created.body.auth.accessor as string,
      ttl: 120,
    };
    const proxy = await startProxy({ host: '127.0.0.1', port: stack.vault.port });
    const dir = join(tempDir(label), 'leases');
    writeLeaseDir(dir, proxy.address, login, []);
    const p = start({ SECRET_REFRESH_LEASE_DIR: dir, SECRET_REFRESH_SHUTDOWN_TIMEOUT: '8' });
    return { login, proxy, p };
  }

  /**
   * SIGTERM while `outage` makes Vault fail (its answer: how to end it), Vault back `backAfterMs` later: the token is
   * revoked all the same, after more than one try.
   */
  async function revokedThrough(outage: (proxy: Proxy) => Promise<() => Promise<void> | void>, backAfterMs: number) {
    const { login, proxy, p } = await refreshingThroughProxy('revoke-retry');
    try {
      await p.waitForLog((l) => l.msg.startsWith('ready'));
      const end = await outage(proxy);
      p.child.kill('SIGTERM');
      await sleep(backAfterMs);
      await end();
      const { code } = await p.exited;
      expect(code, p.stderr()).toBe(0);
      expect(p.logs().find((l) => l.msg.startsWith('token revoked'))?.['attempts']).toBeGreaterThan(1);
      expect(await stack.tokenAlive(login.token)).toBe(false);
    } finally {
      await proxy.stop();
    }
  }

  it('on SIGTERM while Vault is unreachable, it keeps trying to revoke within the shutdown timeout', async () => {
    await revokedThrough(async (proxy) => {
      await proxy.stop();
      return () => proxy.start();
    }, 700);
  });

  it('on SIGTERM while Vault takes connections and never answers, it still revokes the token once Vault is back', async () => {
    await revokedThrough(async (proxy) => {
      proxy.hang();
      return () => proxy.release();
    }, 1_500);
  });

  it('on SIGTERM while Vault answers slowly (5 s of an 8 s budget), it waits for the answer and revokes', async () => {
    const { login, proxy, p } = await refreshingThroughProxy('revoke-slow');
    try {
      await p.waitForLog((l) => l.msg.startsWith('ready'));
      proxy.slow(5_000);
      p.child.kill('SIGTERM');
      const { code } = await p.exited;
      expect(code, p.stderr()).toBe(0);
      expect(p.logs().some((l) => l.msg.startsWith('revoked the token'))).toBe(true);
      expect(await stack.tokenAlive(login.token)).toBe(false);
    } finally {
      await proxy.stop();
    }
  });

  it('a token past its max TTL is reported as lost with the reason, before it expires', async () => {
    const created = await stack.root('POST', 'auth/token/create', {
      // Long enough that the program is running before the token's first renewal, even on a loaded machine.
      ttl: '8s',
      explicit_max_ttl: '10s',
      policies: ['default'],
    });
    const login = {
      token: created.body.auth.client_token as string,
      accessor: created.body.auth.accessor as string,
      ttl: 8,
    };
    const dir = join(tempDir('maxttl'), 'leases');
    writeLeaseDir(dir, stack.vault.address, login, []);
    const p = start({ SECRET_REFRESH_LEASE_DIR: dir });
    const { code } = await p.exited;
    expect(code, p.stderr()).toBe(2);
    const errors = p.logs().filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toContain(`cannot keep the token (accessor ${login.accessor}) alive`);
    expect(errors[0]!.msg).toMatch(/max TTL/);
  });
});
