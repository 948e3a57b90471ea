/**
 * `npm start` as a user runs it: the compiled binary in its own process, on one data directory. A second start is
 * refused before it touches anything, every signal closes the embedded database (what was written is there after
 * the next start), and a database that cannot be opened is explained rather than reported as `Aborted()`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILD_RECORD_FILE } from '../src/embedded/child-record.js';
import { LOCK_FILE } from '../src/embedded/data-dir-lock.js';
import { ApiClient } from './support/http.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../bin/secret-api.js');

let root: string;
let dataDir: string;
let port: number;
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port: free } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return free;
}

/** The user's shell: whatever the test runner has, minus anything that would switch off the embedded stack. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', ...extra };
  for (const name of [
    'VAULT_ADDR',
    'VAULT_TOKEN',
    'AUTH_ISSUERS',
    'ADMIN_GROUPS',
    'DATABASE_URL',
    'HISTORY_HMAC_KEY',
  ]) {
    delete env[name];
  }
  return env;
}

function runToEnd(args: string[], env: NodeJS.ProcessEnv, cwd?: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 60_000, ...(cwd && { cwd }) }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

interface Server {
  child: ChildProcess;
  admin: ApiClient;
  exited: Promise<{ code: number | null; stderr: string }>;
}

/** Starts `secret-api` and resolves once its banner (with the admin token) is printed. */
async function startServer({ ownGroup = false } = {}): Promise<Server> {
  const child = spawn(process.execPath, [BIN], {
    env: userEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own, as a terminal gives `npm start`: a signal to the group reaches every child too.
    detached: ownGroup,
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stderr })),
  );
  const token = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^\s*export SECRET_API_TOKEN=(\S+)/m.exec(stdout);
      if (match?.[1] && stdout.includes('Stop with Ctrl-C')) resolve(match[1]);
    });
    void exited.then(({ code }) => reject(new Error(`secret-api exited (${code}) before it was ready:\n${stderr}`)));
  });
  return { child, exited, admin: new ApiClient(`http://127.0.0.1:${port}`, token) };
}

/**
 * Every file under `dir` with its modification time — but a log's: the running stack's own children (the controller,
 * kube-dev) append to their logs whenever they have something to say, which is not a second start touching them.
 */
async function listing(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  const rows = await Promise.all(
    entries.map(async (e) => (e.endsWith('.log') ? e : `${e} ${(await stat(join(dir, e))).mtimeMs}`)),
  );
  return rows.sort();
}

async function lockIsGone(): Promise<boolean> {
  return stat(join(dataDir, LOCK_FILE)).then(
    () => false,
    () => true,
  );
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'secret-api-process-'));
  dataDir = join(root, '.data');
  port = await freePort();
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

describe('secret-api command line', () => {
  it.each([['--help'], ['-h'], ['--version'], ['-v']])('%s prints and exits 0, starting nothing', async (arg) => {
    const cwd = await mkdtemp(join(root, 'cli-'));
    const run = await runToEnd([arg], { ...userEnv(), DATA_DIR: '' }, cwd);
    expect(run.code).toBe(0);
    const isVersion = arg === '--version' || arg === '-v';
    expect(run.stdout).toMatch(isVersion ? /^secret-api \d+\.\d+\.\d+\n$/ : /^Usage: secret-api/);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('an unknown argument is exit 1 with the usage, starting nothing', async () => {
    const cwd = await mkdtemp(join(root, 'cli-'));
    const run = await runToEnd(['--port=9'], { ...userEnv(), DATA_DIR: '' }, cwd);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('unknown argument "--port=9"');
    expect(await readdir(cwd)).toEqual([]);
  });
});

// PGlite's first start initialises a database cluster: tens of seconds on a busy machine.
describe('npm start on one data directory', { timeout: 120_000 }, () => {
  it('refuses a second start while the first runs, naming pid and since, and touching nothing', async () => {
    const first = await startServer();
    try {
      expect((await first.admin.post('/v1/apps', { name: 'kept-1', ownerGroups: ['t'] })).status).toBe(201);
      const before = await listing(dataDir);
      const second = await runToEnd([], userEnv());
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`is in use by process ${first.child.pid} (since `);
      expect(second.stderr).not.toMatch(/Aborted|listening/);
      expect(await listing(dataDir)).toEqual(before);
      expect((await first.admin.get('/v1/apps/kept-1')).status).toBe(200);
    } finally {
      // Stopped whatever happened above: a first start left running would fail every later test of this data dir.
      first.child.kill('SIGTERM');
      expect((await first.exited).code).toBe(0);
    }
    expect(await lockIsGone()).toBe(true);
  });

  it('SIGHUP closes the database: what was written is there after the next start', async () => {
    const server = await startServer();
    expect((await server.admin.get('/v1/apps/kept-1')).status).toBe(200);
    expect((await server.admin.post('/v1/apps', { name: 'kept-2', ownerGroups: ['t'] })).status).toBe(201);
    server.child.kill('SIGHUP');
    expect((await server.exited).code).toBe(0);
    expect(await lockIsGone()).toBe(true);
  });

  it('a signal to the whole process group stops everything without reporting the children as failed', async () => {
    const server = await startServer({ ownGroup: true });
    expect((await server.admin.get('/v1/whoami')).status).toBe(200);
    // Every child (vault-dev included) in a process group of its own: the group's signal reaches only the API, which
    // stops them in order — vault-dev last, after the pods' sidecars have revoked through it.
    const record = JSON.parse(await readFile(join(dataDir, CHILD_RECORD_FILE), 'utf8')) as {
      children: { name: string; pid: number }[];
    };
    const groupOf = async (pid: number) =>
      Number((await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')[2]);
    expect(record.children.map((c) => c.name)).toContain('vault-dev');
    for (const child of record.children) {
      expect(await groupOf(child.pid), child.name).not.toBe(server.child.pid);
    }
    // A request still arriving holds the API's close open, so the children are gone well before it ends.
    const slow = connect(port, '127.0.0.1');
    await new Promise((resolve) => slow.once('connect', resolve));
    slow.write('POST /v1/apps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{');
    slow.on('error', () => undefined);
    setTimeout(() => slow.destroy(), 2_000);
    process.kill(-(server.child.pid as number), 'SIGTERM');
    const { code, stderr } = await server.exited;
    expect(code).toBe(0);
    expect(stderr).toContain('SIGTERM: shutting down');
    expect(stderr).not.toMatch(/exited with code|was killed by|Vault is unavailable/);
    expect(await lockIsGone()).toBe(true);
  });

  it('a second Ctrl-C while stopping still exits only after the database is closed', async () => {
    const server = await startServer();
    expect((await server.admin.get('/v1/apps/kept-2')).status).toBe(200);
    expect((await server.admin.post('/v1/apps', { name: 'kept-3', ownerGroups: ['t'] })).status).toBe(201);
    server.child.kill('SIGINT');
    server.child.kill('SIGINT');
    const { code } = await server.exited;
    expect(code === 0 || code === 1).toBe(true);
    expect(await lockIsGone()).toBe(true);

    const next = await startServer();
    expect((await next.admin.get('/v1/apps/kept-3')).status).toBe(200);
    next.child.kill('SIGINT');
    expect((await next.exited).code).toBe(0);
  });

  it('a database that cannot be opened is explained: the path, another process, how to move it aside', async () => {
    await writeFile(join(dataDir, 'pglite', 'global', 'pg_control'), 'not a control file');
    const run = await runToEnd([], userEnv());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot open the embedded database in ${join(dataDir, 'pglite')}`);
    expect(run.stderr).toContain('another process is using it');
    expect(run.stderr).toContain(`mv ${join(dataDir, 'pglite')} ${join(dataDir, 'pglite.broken-')}`);
    expect(run.stderr).not.toContain('-sASSERTIONS');
    expect(await lockIsGone()).toBe(true);
  });
});
