/**
 * The embedded dev stack with real vault-dev child processes and real files: what `npm start` does on a fresh
 * machine, and that it does nothing once VAULT_ADDR points at a real Vault.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import type { Server } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwtVerifier } from '../src/auth/jwt-verifier.js';
import { ConfigError, parseConfig } from '../src/config/env.js';
import {
  ApiPortError,
  DataDirBusyError,
  DEV_ADMIN_GROUP,
  DEV_ADMIN_SUBJECT,
  prepareEmbeddedStack,
} from '../src/embedded/stack.js';
import { LOCK_FILE } from '../src/embedded/data-dir-lock.js';
import type { EmbeddedStack } from '../src/embedded/stack.js';

const run = promisify(execFile);
const API_URL = 'http://127.0.0.1:18080';

let root: string;
const toStop: EmbeddedStack[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'secret-api-embedded-'));
});

afterAll(async () => {
  await Promise.all(toStop.map((s) => s.stop()));
  await rm(root, { recursive: true, force: true });
});

/** The stack without its Kubernetes stand-ins (embedded-kubernetes.test.ts runs those), unless a test asks. */
async function prepare(env: Record<string, string | undefined>, vaultPort?: number) {
  const logs: string[] = [];
  const stack = await prepareEmbeddedStack(
    env['VAULT_ADDR'] === undefined ? { EMBEDDED_KUBERNETES: 'false', ...env } : env,
    {
      log: (line) => logs.push(line),
      ...(vaultPort !== undefined && { vaultPort }),
    },
  );
  toStop.push(stack);
  return { stack, logs };
}

function exported(banner: string, name: string): string {
  const match = new RegExp(`^\\s*export ${name}=(\\S+)`, 'm').exec(banner);
  if (!match?.[1]) throw new Error(`banner has no export of ${name}:\n${banner}`);
  return match[1];
}

function verifierFor(env: Record<string, string | undefined>): JwtVerifier {
  const config = parseConfig(env);
  return new JwtVerifier({
    issuers: config.auth.issuers,
    groupsClaim: config.auth.groupsClaim,
    clockSkewSeconds: config.auth.clockSkewSeconds,
  });
}

/** Vault's HTTP API; the stack runs vault-dev as a child process, so the test talks to it the same way. */
async function vaultRequest(address: string, token: string, method: string, path: string) {
  const res = await fetch(`${address}/v1/${path}`, { method, headers: { 'X-Vault-Token': token } });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Vault's JSON, read field by field
  return { status: res.status, body: (await res.json()) as any };
}

function portOf(address: string): number {
  return Number(new URL(address).port);
}

/** Resolves with the connection error code, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** A killed process's sockets close as the kernel reaps it, a moment after its parent saw it exit. */
async function refusedSoon(port: number): Promise<string> {
  let outcome = await tryConnect(port);
  for (let i = 0; i < 20 && outcome === 'connected'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    outcome = await tryConnect(port);
  }
  return outcome;
}

async function mode(path: string): Promise<string> {
  return ((await stat(path)).mode & 0o777).toString(8);
}

/** Every path under `dir` with its size and mtime: equal snapshots mean nothing was touched. */
async function snapshot(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  const rows = await Promise.all(
    entries.map(async (entry) => {
      const s = await stat(join(dir, entry));
      return `${entry} ${s.isDirectory() ? 'dir' : s.size} ${s.mtimeMs}`;
    }),
  );
  return rows.sort();
}

/** The pid of a process that has exited, for a lock left behind by a killed start. */
async function deadPid(): Promise<number> {
  const child = execFile(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

describe('embedded dev stack: nothing configured', () => {
  let dataDir: string;
  let first: { stack: EmbeddedStack; logs: string[] };
  let banner: string;

  beforeAll(async () => {
    dataDir = join(root, 'fresh', '.data');
    first = await prepare({
      DATA_DIR: dataDir,
      // Left over from some other Vault: must not be sent to vault-dev, nor make parseConfig reject the mix.
      VAULT_TOKEN: 'hvs.someone-elses-token',
      VAULT_ROLE_ID: 'some-role-id',
    });
    banner = await first.stack.banner(API_URL);
  });

  it('runs vault-dev at VAULT_ADDR, ready, with AppRole enabled for the root token', async () => {
    const { env, started } = first.stack;
    expect(started.vault?.address).toBe(env['VAULT_ADDR']);
    expect(env['VAULT_ADDR']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env['VAULT_TOKEN']).toMatch(/^[0-9a-f]{48}$/);
    expect(env['VAULT_TOKEN']).toBe(started.vault?.rootToken);
    const address = env['VAULT_ADDR'] as string;
    expect((await fetch(`${address}/v1/sys/health`)).status).toBe(200);
    const auth = await vaultRequest(address, env['VAULT_TOKEN'] as string, 'GET', 'sys/auth');
    expect(auth.status).toBe(200);
    expect(auth.body.data['approle/']).toMatchObject({ type: 'approle' });
    const kv = await vaultRequest(address, env['VAULT_TOKEN'] as string, 'GET', 'sys/mounts');
    expect(kv.body.data['secret/']).toMatchObject({ type: 'kv', options: { version: '2' } });
  });

  it('drops the VAULT_TOKEN and VAULT_ROLE_ID meant for another Vault, and says so', () => {
    const { env } = first.stack;
    expect(env['VAULT_TOKEN']).not.toBe('hvs.someone-elses-token');
    expect(env['VAULT_ROLE_ID']).toBeUndefined();
    expect(first.logs.join('\n')).toMatch(/ignoring VAULT_TOKEN, VAULT_ROLE_ID/);
    expect(first.logs.join('\n')).not.toContain('hvs.someone-elses-token');
  });

  it('fills in an environment parseConfig accepts: dev issuer, admin group, HMAC key, embedded database', () => {
    const config = parseConfig(first.stack.env);
    expect(config.vault.address).toBe(first.stack.env['VAULT_ADDR']);
    expect(config.vault.auth).toEqual({ token: first.stack.env['VAULT_TOKEN'] });
    expect(config.auth.adminGroups).toEqual([DEV_ADMIN_GROUP]);
    expect(config.auth.issuers).toHaveLength(1);
    expect(config.auth.issuers[0]).toMatchObject({
      issuer: first.stack.started.issuer?.issuer,
      audience: 'secret-api',
      jwksFile: join(dataDir, 'dev-issuer', 'jwks.json'),
    });
    expect(config.historyHmacKey?.length).toBe(32);
    expect(config.database).toEqual({ pgliteDir: `${dataDir}/pglite` });
    expect(first.stack.started.issuer).toEqual({
      issuer: config.auth.issuers[0]?.issuer,
      adminSubject: DEV_ADMIN_SUBJECT,
      adminGroup: DEV_ADMIN_GROUP,
    });
  });

  it("prints exports whose admin token the API's verifier accepts as an admin, valid 12 h", async () => {
    expect(exported(banner, 'SECRET_API_URL')).toBe(API_URL);
    expect(banner).toContain(`survives a restart`);
    const token = exported(banner, 'SECRET_API_TOKEN');
    const identity = await verifierFor(first.stack.env).verify(token);
    expect(identity.subject).toBe(DEV_ADMIN_SUBJECT);
    expect(identity.groups).toEqual([DEV_ADMIN_GROUP]);
    expect(parseConfig(first.stack.env).auth.adminGroups).toContain(identity.groups[0]);
    const claims = decodeJwt(token);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(12 * 3600);
  });

  it('prints exports a shell can paste as they are, and pasting them keeps the next npm start embedded', async () => {
    const exports = banner
      .split('\n')
      .filter((line) => line.trim().startsWith('export '))
      .join('\n');
    const { stdout } = await run(
      'sh',
      ['-c', `${exports}\nprintf '%s\\n' "$SECRET_API_URL" "\${VAULT_ADDR-unset}" "\${VAULT_TOKEN-unset}"`],
      { env: {} },
    );
    expect(stdout).toBe(`${API_URL}\nunset\nunset\n`);
    expect(banner).not.toMatch(/^\s*export VAULT_/m);
  });

  it("prints vault-dev's address and root token apart, as a prefix of one command for direct Vault access", () => {
    const { env } = first.stack;
    expect(banner).toContain(`VAULT_ADDR=${env['VAULT_ADDR']} VAULT_TOKEN=${env['VAULT_TOKEN']} vault `);
    expect(banner).toMatch(/do not export VAULT_ADDR/);
  });

  it('names the dev-token command for acting as someone else, with its data directory (not ./.data here)', () => {
    expect(banner).toContain(`export SECRET_API_TOKEN=$(npx secret-api dev-token --data-dir ${dataDir} --subject `);
  });

  it('refuses a second stack on the same data directory while the first runs, naming the holder, touching nothing', async () => {
    const before = await snapshot(dataDir);
    const attempt = prepare({ DATA_DIR: dataDir });
    await expect(attempt).rejects.toBeInstanceOf(DataDirBusyError);
    await expect(attempt).rejects.toThrow(`is in use by process ${process.pid} (since `);
    expect(await snapshot(dataDir)).toEqual(before);
    expect((await fetch(`${first.stack.env['VAULT_ADDR']}/v1/sys/health`)).status).toBe(200);
  });

  it('keeps the data directory and the keys owner-only', async () => {
    expect(await mode(dataDir)).toBe('700');
    expect(await mode(join(dataDir, 'vault-root-token'))).toBe('600');
    expect(await mode(join(dataDir, 'history-hmac.key'))).toBe('600');
    expect(await mode(join(dataDir, 'dev-issuer', 'issuer-key.json'))).toBe('600');
    expect((await readFile(join(dataDir, 'history-hmac.key'), 'utf8')).trim()).toBe(
      first.stack.env['HISTORY_HMAC_KEY'],
    );
  });

  it('stop() ends vault-dev: its port refuses connections; a second stop() is harmless', async () => {
    const port = portOf(first.stack.env['VAULT_ADDR'] as string);
    expect(await tryConnect(port)).toBe('connected');
    const exitListeners = process.listenerCount('exit');
    await first.stack.stop();
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
    await expect(stat(join(dataDir, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
    await first.stack.stop();
    // Both exit hooks are gone: the one that stops vault-dev and the one that releases the lock.
    expect(process.listenerCount('exit')).toBe(exitListeners - 2);
    expect(first.logs.join('\n')).not.toMatch(/Vault is unavailable/);
  });

  it('reuses the root token, the issuer key and the HMAC key on the next start, so earlier tokens stay valid', async () => {
    const keyBefore = await readFile(join(dataDir, 'dev-issuer', 'issuer-key.json'), 'utf8');
    const jwksBefore = await readFile(join(dataDir, 'dev-issuer', 'jwks.json'), 'utf8');
    const oldToken = exported(banner, 'SECRET_API_TOKEN');

    // The first stack was stopped above: its lock is released, so the next start may take the directory.
    const second = await prepare({ DATA_DIR: dataDir });
    expect(second.stack.env['VAULT_TOKEN']).toBe(first.stack.env['VAULT_TOKEN']);
    expect(second.stack.env['HISTORY_HMAC_KEY']).toBe(first.stack.env['HISTORY_HMAC_KEY']);
    expect(second.stack.env['AUTH_ISSUERS']).toBe(first.stack.env['AUTH_ISSUERS']);
    expect(await readFile(join(dataDir, 'dev-issuer', 'issuer-key.json'), 'utf8')).toBe(keyBefore);
    expect(await readFile(join(dataDir, 'dev-issuer', 'jwks.json'), 'utf8')).toBe(jwksBefore);
    const newToken = exported(await second.stack.banner(API_URL), 'SECRET_API_TOKEN');
    const kid = (t: string) => JSON.parse(Buffer.from(t.split('.')[0] as string, 'base64url').toString()).kid;
    expect(kid(newToken)).toBe(kid(oldToken));
    expect((await verifierFor(second.stack.env).verify(oldToken)).subject).toBe(DEV_ADMIN_SUBJECT);
    expect(second.logs.join('\n')).not.toMatch(/generated the history HMAC key/);
    expect(first.logs.join('\n')).toMatch(/generated the history HMAC key/);
    await second.stack.stop();
  });
});

describe('embedded dev stack: partly configured', () => {
  let blocker: Server;
  let blockedPort: number;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    blockedPort = (blocker.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => blocker.close(resolve));
  });

  it('uses another free port when the preferred one is taken', async () => {
    const { stack } = await prepare({ DATA_DIR: join(root, 'port', '.data') }, blockedPort);
    const port = portOf(stack.env['VAULT_ADDR'] as string);
    expect(port).not.toBe(blockedPort);
    expect((await fetch(`${stack.env['VAULT_ADDR']}/v1/sys/health`)).status).toBe(200);
    await stack.stop();
  });

  it('with AUTH_ISSUERS set, starts vault-dev but no dev issuer, and prints no admin token', async () => {
    const issuers = JSON.stringify([
      { issuer: 'https://accounts.example.com', jwksUri: 'https://accounts.example.com/jwks', audience: 'x' },
    ]);
    const dataDir = join(root, 'own-issuers', '.data');
    const { stack } = await prepare({ DATA_DIR: dataDir, AUTH_ISSUERS: issuers, HISTORY_HMAC_KEY: 'a'.repeat(44) });
    expect(stack.started.vault).toBeDefined();
    expect(stack.started.issuer).toBeUndefined();
    expect(stack.env['AUTH_ISSUERS']).toBe(issuers);
    expect(stack.env['HISTORY_HMAC_KEY']).toBe('a'.repeat(44));
    expect(await readdir(dataDir)).not.toContain('dev-issuer');
    expect(await readdir(dataDir)).not.toContain('history-hmac.key');
    // ADMIN_GROUPS is the operator's to choose once the issuers are theirs.
    expect(() => parseConfig(stack.env)).toThrow(/ADMIN_GROUPS/);
    const banner = await stack.banner(API_URL);
    expect(banner).not.toMatch(/export SECRET_API_TOKEN/);
    expect(banner).toContain(`VAULT_TOKEN=${stack.env['VAULT_TOKEN']} vault `);
    await stack.stop();
  });

  it('honours VAULT_APPROLE_MOUNT and VAULT_KV_MOUNT in the vault-dev it starts', async () => {
    const { stack } = await prepare({
      DATA_DIR: join(root, 'mounts', '.data'),
      VAULT_APPROLE_MOUNT: 'apps-approle',
      VAULT_KV_MOUNT: 'kv',
    });
    const token = stack.env['VAULT_TOKEN'] as string;
    const auth = await vaultRequest(stack.env['VAULT_ADDR'] as string, token, 'GET', 'sys/auth');
    expect(auth.body.data['apps-approle/']).toMatchObject({ type: 'approle' });
    const mounts = await vaultRequest(stack.env['VAULT_ADDR'] as string, token, 'GET', 'sys/mounts');
    expect(mounts.body.data['kv/']).toMatchObject({ type: 'kv', options: { version: '2' } });
    expect(parseConfig(stack.env).vault.approleMount).toBe('apps-approle');
    await stack.stop();
  });
});

describe('embedded dev stack: what a start checks before it opens anything', () => {
  it('takes over the lock left by a start that was killed, and says so', async () => {
    const dataDir = join(root, 'stale', '.data');
    const pid = await deadPid();
    const since = new Date(Date.now() - 60_000).toISOString();
    await mkdir(dataDir, { recursive: true });
    await writeFile(
      join(dataDir, LOCK_FILE),
      JSON.stringify({ pid, hostname: hostname(), since, command: 'secret-api', nonce: 'killed-start' }),
    );
    const { stack, logs } = await prepare({ DATA_DIR: dataDir });
    expect(logs.join('\n')).toContain(`taking over the lock of ${dataDir} left by process ${pid}`);
    const lock = JSON.parse(await readFile(join(dataDir, LOCK_FILE), 'utf8'));
    expect(lock.pid).toBe(process.pid);
    await stack.stop();
  });

  it("refuses when the API's port is taken, before vault-dev or anything else in the directory is started", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (blocker.address() as { port: number }).port;
    const dataDir = join(root, 'api-port', '.data');
    try {
      const attempt = prepare({ DATA_DIR: dataDir, PORT: String(port) });
      await expect(attempt).rejects.toBeInstanceOf(ApiPortError);
      await expect(attempt).rejects.toThrow(`127.0.0.1:${port} is already in use`);
      expect(await readdir(dataDir)).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('embedded dev stack: VAULT_ADDR set', () => {
  it('starts nothing and changes nothing; a missing AUTH_ISSUERS still fails', async () => {
    const dataDir = join(root, 'prod', '.data');
    const env = { VAULT_ADDR: 'https://vault.example.com:8200', VAULT_TOKEN: 'hvs.x', DATA_DIR: dataDir };
    const before = { ...env };
    const { stack, logs } = await prepare(env);
    expect(stack.env).toEqual(before);
    expect(env).toEqual(before);
    expect(stack.started).toEqual({});
    expect(await stack.banner(API_URL)).toBe('');
    expect(logs).toEqual([]);
    await stack.stop();
    await expect(stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
    let error: unknown;
    try {
      parseConfig(stack.env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const variables = (error as ConfigError).problems.map((p) => p.variable);
    expect(variables).toContain('AUTH_ISSUERS');
    expect(variables).toContain('ADMIN_GROUPS');
    // A VAULT_ADDR left in the shell is the usual cause: the message says what it did and how to get back.
    expect((error as ConfigError).message).toContain('because VAULT_ADDR is set');
    expect((error as ConfigError).message).toContain('unset VAULT_ADDR VAULT_TOKEN');
  });
});

describe('embedded dev stack: the parent dies', () => {
  it('takes vault-dev down with it, also when it crashes', async () => {
    // The compiled module, as `secret-api` runs it (the global setup builds dist/ before the tests).
    const stackModule = join(dirname(fileURLToPath(import.meta.url)), '../dist/embedded/stack.js');
    const script = `
      const { prepareEmbeddedStack } = await import(${JSON.stringify(stackModule)});
      const stack = await prepareEmbeddedStack({ DATA_DIR: process.argv[1] }, { log: () => {} });
      process.stdout.write(stack.env.VAULT_ADDR + '\\n');
      throw new Error('crash after start');
    `;
    const result = await run(process.execPath, ['--input-type=module', '-e', script, join(root, 'crash', '.data')], {
      timeout: 20_000,
    }).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('crash after start');
    const address = result.stdout.trim();
    expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await refusedSoon(portOf(address))).toBe('ECONNREFUSED');
    await expect(stat(join(root, 'crash', '.data', LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
