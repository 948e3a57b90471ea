/**
 * `npm start`'s children never outlive the Secret API, however it ends. A SIGKILL of the API (an OOM kill, a closed
 * terminal) runs none of its code, yet vault-dev, the Kubernetes stand-in and the controller end on their own —
 * cleanly, vault-dev's data-dir lock released — and the next start on the same data directory works. A child that
 * could not end itself (here: stopped with SIGSTOP) is ended by the next start, which says so; and a start ends
 * nothing but the very processes an earlier, dead API started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILD_RECORD_FILE, stopStaleChildren } from '../src/embedded/child-record.js';
import { processIdentity, type ProcessIdentity } from '../src/embedded/process-identity.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'secret-api.js');

let root: string;
let dataDir: string;
let db: TestDatabase;
let port: number;
const processes: ChildProcess[] = [];
/** Every embedded child seen, so that a failing test leaves no orphan behind on the machine. */
const seen: { pid: number; identity: ProcessIdentity }[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as { port: number };
      server.close(() => resolve(free));
    });
  });
}

/** A process is gone once it is no more than a zombie waiting for whoever adopted it to reap it. */
const alive = (pid: number): boolean => processIdentity(pid) !== undefined;

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The child processes of `pid` with their command lines (Linux /proc). */
function childrenOf(pid: number): { pid: number; cmdline: string }[] {
  return readdirSync(`/proc/${pid}/task`)
    .flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean))
    .map(Number)
    .flatMap((child) => {
      const identity = processIdentity(child);
      if (identity) seen.push({ pid: child, identity });
      return identity ? [{ pid: child, cmdline: identity.argv.join(' ') }] : [];
    });
}

interface Api {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm start` as a user runs it (the API's own database on the real PostgreSQL: PGlite's first start is slow). */
async function startApi(extraEnv: Record<string, string> = {}): Promise<Api> {
  const child = spawn(process.execPath, [BIN], {
    cwd: root,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: root,
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  processes.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let gone = false;
  void exited.then(() => (gone = true));
  await until('the banner', () => gone || output.includes('Stop with Ctrl-C'), 60_000);
  if (gone) throw new Error(`secret-api exited before it was ready:\n${output}`);
  return { child, output: () => output, exited };
}

async function readyz(): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
}

function embeddedChildrenOf(api: Api) {
  const children = childrenOf(api.child.pid as number);
  const find = (program: string) => {
    const found = children.find((c) => c.cmdline.includes(program));
    expect(found, `${program} among ${JSON.stringify(children)}`).toBeDefined();
    return found as { pid: number; cmdline: string };
  };
  return {
    all: children,
    vaultDev: find('vault-dev.js'),
    kubeHost: find('kube-host.js'),
    controller: find('secret-controller'),
  };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'secret-api-orphans-'));
  dataDir = join(root, '.data');
  db = await createTestDatabase('embedded_orphans');
  port = await freePort();
});

afterAll(async () => {
  for (const child of processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const { pid, identity } of seen) {
    const now = processIdentity(pid);
    if (now?.started === identity.started) process.kill(pid, 'SIGKILL');
  }
  await db?.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('npm start killed with SIGKILL', { timeout: 90_000 }, () => {
  it('every child it started ends by itself, cleanly, and the next start on the data directory is ready', async () => {
    const first = await startApi();
    const { all } = embeddedChildrenOf(first);
    first.child.kill('SIGKILL');
    await first.exited;
    await until('every child of the killed API to end', () => all.every((c) => !alive(c.pid)), 5000);
    // vault-dev stopped the way it always does: its own lock on <DATA_DIR>/vault is released.
    expect(existsSync(join(dataDir, 'vault', 'vault-dev.lock'))).toBe(false);

    const second = await startApi();
    expect(await readyz()).toBe(200);
    // Nothing was left for it to end.
    expect(second.output()).not.toContain('left running by');

    // A child that cannot end itself: stopped, it never reads the end of its pipe.
    const { vaultDev } = embeddedChildrenOf(second);
    process.kill(vaultDev.pid, 'SIGSTOP');
    second.child.kill('SIGKILL');
    await second.exited;

    // Without the Kubernetes stand-in, which has nothing to add here: the test stays short.
    const third = await startApi({ EMBEDDED_KUBERNETES: 'false' });
    expect(third.output()).toContain(
      `stopping vault-dev (pid ${vaultDev.pid}), left running by secret-api (pid ${String(second.child.pid)}) which is gone`,
    );
    expect(alive(vaultDev.pid)).toBe(false);
    expect(await readyz()).toBe(200);
    const thirds = childrenOf(third.child.pid as number);
    expect(thirds.map((c) => c.cmdline).join('\n')).toContain('vault-dev.js');
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    for (const c of thirds) expect(alive(c.pid), c.cmdline).toBe(false);
    expect(existsSync(join(dataDir, CHILD_RECORD_FILE))).toBe(false);
  });
});

describe('a start ends only what a dead API left behind', () => {
  /** A long-running process that is nobody's embedded child. */
  async function bystander(): Promise<{ pid: number; identity: ProcessIdentity; exited: Promise<unknown> }> {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    processes.push(child);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const pid = child.pid as number;
    await until('the bystander to exec', () => processIdentity(pid)?.argv.includes('-e') === true, 5000);
    return { pid, identity: processIdentity(pid) as ProcessIdentity, exited };
  }

  async function deadOwner(): Promise<{ pid: number; identity: ProcessIdentity }> {
    const owner = await bystander();
    process.kill(owner.pid, 'SIGKILL');
    await owner.exited;
    return { pid: owner.pid, identity: owner.identity };
  }

  async function recordIn(dir: string, owner: { pid: number; identity: ProcessIdentity }, children: unknown[]) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, CHILD_RECORD_FILE), JSON.stringify({ owner, children }));
  }

  it('leaves a pid alone that now names another process (other start time, other command line)', async () => {
    const dir = join(root, 'reused');
    const other = await bystander();
    await recordIn(dir, await deadOwner(), [
      { name: 'vault-dev', pid: other.pid, identity: { ...other.identity, started: '1' } },
      { name: 'kube-dev (aws.stg)', pid: other.pid, identity: { ...other.identity, argv: [process.execPath, 'x.js'] } },
    ]);
    const lines: string[] = [];
    await stopStaleChildren(dir, { log: (line) => lines.push(line) });
    expect(lines).toEqual([]);
    expect(alive(other.pid)).toBe(true);
    process.kill(other.pid, 'SIGKILL');
  });

  it('leaves the children of a live API alone', async () => {
    const dir = join(root, 'live-owner');
    const child = await bystander();
    await recordIn(dir, { pid: process.pid, identity: processIdentity(process.pid) as ProcessIdentity }, [
      { name: 'vault-dev', pid: child.pid, identity: child.identity },
    ]);
    await stopStaleChildren(dir, { log: () => undefined });
    expect(alive(child.pid)).toBe(true);
    expect(existsSync(join(dir, CHILD_RECORD_FILE))).toBe(true);
    process.kill(child.pid, 'SIGKILL');
  });

  it("ends a dead API's child that ignores SIGTERM with SIGKILL, and forgets the list", async () => {
    const dir = join(root, 'stubborn');
    const child = spawn(
      process.execPath,
      ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('deaf')"],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    processes.push(child);
    const pid = child.pid as number;
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const owner = await deadOwner();
    await recordIn(dir, owner, [{ name: 'vault-dev', pid, identity: processIdentity(pid) }]);
    const lines: string[] = [];
    await stopStaleChildren(dir, { log: (line) => lines.push(line), termGraceMs: 300 });
    expect(lines).toEqual([
      `stopping vault-dev (pid ${pid}), left running by secret-api (pid ${owner.pid}) which is gone`,
    ]);
    expect(
      child.signalCode ?? (await new Promise((resolve) => child.once('exit', (_, signal) => resolve(signal)))),
    ).toBe('SIGKILL');
    expect(existsSync(join(dir, CHILD_RECORD_FILE))).toBe(false);
  });
});

describe("a pod's secret-init and secret-refresh in the Kubernetes stand-in", () => {
  it('end when the stand-in is killed hard, rather than keep their pod IP ports for the next start', async () => {
    const dir = join(root, 'pod-runner');
    await mkdir(dir, { recursive: true });
    // Each stands in for its program running: silent, and never done on its own.
    const stand = async (name: string) => {
      const pidFile = join(dir, `${name}.pid`);
      const script = join(dir, `${name}.mjs`);
      await writeFile(
        script,
        `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nsetInterval(() => {}, 60_000);\n`,
      );
      return { pidFile, script };
    };
    const init = await stand('secret-init');
    const refresh = await stand('secret-refresh');
    const noNetwork = join(dir, 'no-network.mjs');
    await writeFile(noNetwork, '');
    const runner = pathToFileURL(join(dirname(BIN), '..', 'dist', 'embedded', 'pod-runner.js')).href;
    const host = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { podContainerRunner } from ${JSON.stringify(runner)};
         const run = podContainerRunner({
           podsDir: ${JSON.stringify(join(dir, 'pods'))},
           secretInitBin: ${JSON.stringify(init.script)},
           secretRefreshBin: ${JSON.stringify(refresh.script)},
           podNetworkModule: ${JSON.stringify(noNetwork)},
           readConfigMap: async () => undefined,
           containerEnv: () => ({}),
         });
         const pod = { metadata: { name: 'myapp-1', namespace: 'myapp', uid: 'u1' }, spec: {} };
         const signal = new AbortController().signal;
         await Promise.all(['secret-init', 'secret-refresh'].map((name) =>
           run({ pod, container: { name }, podIP: '127.0.0.1', signal })));`,
      ],
      { stdio: 'ignore' },
    );
    processes.push(host);
    const pids: number[] = [];
    for (const { pidFile } of [init, refresh]) {
      await until('the container to start', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '', 10_000);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      seen.push({ pid, identity: processIdentity(pid) as ProcessIdentity });
      expect(alive(pid)).toBe(true);
      pids.push(pid);
    }
    host.kill('SIGKILL');
    await until('both to end with their stand-in', () => pids.every((pid) => !alive(pid)), 5000);
  });
});
