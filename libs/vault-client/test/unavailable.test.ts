import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { inspect } from 'node:util';
import { startVaultDev } from 'vault-dev';
import { afterEach, describe, expect, it } from 'vitest';
import { VaultUnavailableError } from '../src/index.js';
import { client, recordingLogger, rejection } from './support.js';

const TOKEN = 'hvs.TopSecretTokenThatMustNeverLeak0001';
const SECRET_VALUE = 'pa55w0rd-that-must-not-leak';

interface FakeVault {
  address: string;
  requests: { method: string; url: string; token: string | undefined }[];
  close(): Promise<void>;
}

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!();
});

/** A tiny HTTP server that answers `failures` times with `status` and then 200 with a KV-like body. */
async function fakeVault(
  failures: number,
  status = 503,
  failBody: unknown = { errors: ['Vault is sealed'] },
): Promise<FakeVault> {
  const requests: FakeVault['requests'] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', token: req.headers['x-vault-token'] as string });
    req.resume();
    const fail = requests.length <= failures;
    res.writeHead(fail ? status : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(fail ? failBody : { data: { data: { value: SECRET_VALUE }, metadata: { version: 1 } } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake = {
    address: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  open.push(fake.close);
  return fake;
}

/** A TCP server that accepts connections and never answers. */
async function blackHole(): Promise<{ address: string; connections: () => number }> {
  const sockets: Socket[] = [];
  const server = createTcpServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { address: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => sockets.length };
}

/** A port nothing listens on. */
async function deadAddress(): Promise<string> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

function expectNoSecrets(err: Error, ...secrets: string[]): void {
  for (const s of secrets) {
    expect(err.message).not.toContain(s);
    expect(inspect(err, { depth: 10 })).not.toContain(s);
  }
}

describe('retries', () => {
  it('an idempotent read is retried on 503 and succeeds on the configured last attempt', async () => {
    const fake = await fakeVault(2);
    const log = recordingLogger();
    const c = client(fake.address, {
      auth: { token: TOKEN },
      retries: { attempts: 3, baseDelayMs: 5 },
      logger: log.logger,
    });
    expect((await c.kvV2().get('app/X'))?.data).toEqual({ value: SECRET_VALUE });
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests.every((r) => r.method === 'GET' && r.token === TOKEN)).toBe(true);
    expect(log.lines.filter((l) => l.message === 'vault unavailable; retrying')).toHaveLength(2);
    expect(log.text()).not.toContain(TOKEN);
  });

  it('gives up after exactly `attempts` requests with a VaultUnavailableError naming Vault (sealed)', async () => {
    const fake = await fakeVault(10);
    const c = client(fake.address, { auth: { token: TOKEN }, retries: { attempts: 4, baseDelayMs: 5 } });
    const err = await rejection(c.read('secret/data/app/X'));
    expect(fake.requests).toHaveLength(4);
    expect(err).toBeInstanceOf(VaultUnavailableError);
    expect(err).toMatchObject({ reason: 'sealed', status: 503, attempts: 4 });
    expect(err.message).toBe(
      `Vault at ${fake.address} is unavailable (HTTP 503, sealed) for GET secret/data/app/X after 4 attempt(s)`,
    );
    expectNoSecrets(err, TOKEN);
  });

  it('a non-idempotent write is not retried after a 503', async () => {
    const fake = await fakeVault(10);
    const c = client(fake.address, { auth: { token: TOKEN }, retries: { attempts: 5, baseDelayMs: 5 } });
    const err = await rejection(c.kvV2().put('app/X', { value: SECRET_VALUE }));
    expect(err).toBeInstanceOf(VaultUnavailableError);
    expect(fake.requests).toHaveLength(1);
    expectNoSecrets(err, TOKEN, SECRET_VALUE);
  });

  it('a login is not retried after a 503 and the SecretID appears nowhere', async () => {
    const fake = await fakeVault(10, 503, { errors: ['node is not active'] });
    const secretId = 'f00dface-0000-4000-8000-00000000beef';
    const c = client(fake.address, {
      auth: { roleId: 'role-id-value', secretId },
      retries: { attempts: 5, baseDelayMs: 5 },
    });
    const err = await rejection(c.start());
    expect(err).toMatchObject({ reason: 'standby', attempts: 1 });
    expect(fake.requests).toHaveLength(1);
    expectNoSecrets(err, secretId);
    c.close();
  });

  it('4xx answers are never retried', async () => {
    const fake = await fakeVault(10, 400, { errors: ['bad'] });
    const c = client(fake.address, { auth: { token: TOKEN }, retries: { attempts: 5, baseDelayMs: 5 } });
    await expect(c.read('secret/data/app/X')).rejects.toMatchObject({ name: 'VaultRequestError', status: 400 });
    expect(fake.requests).toHaveLength(1);
  });

  it('500 maps to VaultUnavailableError but is not retried (Vault 500s are usually deterministic)', async () => {
    const fake = await fakeVault(10, 500, { errors: [`1 error occurred:\n\t* ${SECRET_VALUE}\n\n`] });
    const c = client(fake.address, { auth: { token: TOKEN }, retries: { attempts: 5, baseDelayMs: 5 } });
    const err = await rejection(c.read('secret/data/app/X'));
    expect(err).toMatchObject({ name: 'VaultUnavailableError', reason: 'server-error', status: 500 });
    expect(fake.requests).toHaveLength(1);
    expectNoSecrets(err, SECRET_VALUE, TOKEN);
  });
});

describe('Vault down', () => {
  it('a closed vault-dev gives VaultUnavailableError (connection refused) after the configured attempts, quickly', async () => {
    const dev = await startVaultDev({ port: 0, rootToken: 'root' });
    const c = client(dev.address, { retries: { attempts: 3, baseDelayMs: 20 } });
    expect(await c.list('sys/policies/acl')).toContain('root');
    await dev.close();

    const t0 = Date.now();
    const err = await rejection(c.read('secret/data/app/X'));
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(err).toBeInstanceOf(VaultUnavailableError);
    expect(err).toMatchObject({ reason: 'connection-refused', attempts: 3 });
    expect(err.message).toContain(`Vault at ${dev.address} is unavailable (connection refused)`);
    expectNoSecrets(err, 'root');
  });

  it('connection refused is retried even for a non-idempotent write (nothing was sent)', async () => {
    const address = await deadAddress();
    const log = recordingLogger();
    const c = client(address, { auth: { token: TOKEN }, retries: { attempts: 3, baseDelayMs: 5 }, logger: log.logger });
    const err = await rejection(c.write('auth/approle/role/r/secret-id', { metadata: SECRET_VALUE }));
    expect(err).toMatchObject({ name: 'VaultUnavailableError', reason: 'connection-refused', attempts: 3 });
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(2);
    expectNoSecrets(err, TOKEN, SECRET_VALUE);
    expect(log.text()).not.toContain(TOKEN);
    expect(log.text()).not.toContain(SECRET_VALUE);
  });

  it('a server that never answers times out per attempt; idempotent reads retry within the total bound', async () => {
    const hole = await blackHole();
    const c = client(hole.address, {
      auth: { token: TOKEN },
      timeoutMs: 200,
      totalTimeoutMs: 1000,
      retries: { attempts: 10, baseDelayMs: 10, maxDelayMs: 20 },
    });
    const t0 = Date.now();
    const err = await rejection(c.read('secret/data/app/X'));
    const elapsed = Date.now() - t0;
    expect(err).toMatchObject({ name: 'VaultUnavailableError', reason: 'timeout' });
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(1500);
    expect(hole.connections()).toBeGreaterThanOrEqual(3);
    expect(hole.connections()).toBeLessThan(10);
    expectNoSecrets(err, TOKEN);
  });

  it('a timed-out non-idempotent write is not resent', async () => {
    const hole = await blackHole();
    const c = client(hole.address, {
      auth: { token: TOKEN },
      timeoutMs: 200,
      retries: { attempts: 5, baseDelayMs: 5 },
    });
    const t0 = Date.now();
    const err = await rejection(c.kvV2().put('app/X', { value: SECRET_VALUE }));
    expect(Date.now() - t0).toBeLessThan(800);
    expect(err).toMatchObject({ name: 'VaultUnavailableError', reason: 'timeout', attempts: 1 });
    expect(hole.connections()).toBe(1);
  });
});
