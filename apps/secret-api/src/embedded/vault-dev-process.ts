/**
 * vault-dev as a child process of the embedded dev stack. Product code must not import vault-dev (it stands in
 * for Vault and is only a dev dependency), so it is found on disk and run through its CLI, exactly like a user
 * running `vault server -dev` next to the API.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { ChildRecord } from './child-record.js';
import { spawnOwnChild } from './own-child.js';

export interface VaultDevProcess {
  readonly address: string;
  readonly rootToken: string;
  readonly pid: number;
  /** Stops the child (SIGTERM, then SIGKILL after a grace period) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

export interface StartVaultDevOptions {
  log: (line: string) => void;
  /** How long vault-dev may take to answer sys/health with 200. Default 15 s. */
  readyTimeoutMs?: number;
  /** Port tried first; another free port is used when it is taken. Default 8200, Vault's usual port. */
  preferredPort?: number;
  /** Where vault-dev keeps its state (`-dev-data-dir`), so it survives restarts. Default: in memory. */
  dataDir?: string;
  /** The root token id; a vault-dev with kept state needs the same one every time. Default: random. */
  rootToken?: string;
  /** Lists vault-dev in the data directory while it runs, for a later start to end it if it outlives us. */
  record?: ChildRecord;
}

export class EmbeddedVaultError extends Error {
  override name = 'EmbeddedVaultError';
}

const HOST = '127.0.0.1';
const STDERR_TAIL_BYTES = 4096;
/** Another process can take a probed port before the child binds it; a couple of retries cover that race. */
const START_ATTEMPTS = 3;
/** vault-dev may take up to 3 s to finish lease revocations under way, then writes its state: never cut that short. */
const STOP_GRACE_MS = 8000;

/**
 * Finds vault-dev's CLI. `require.resolve('vault-dev/package.json')` is not usable: the package's `exports` map
 * hides package.json. Looking through the node_modules search path for the package directory needs neither the
 * exports map nor a built dist/ (bin/vault-dev.js explains a missing build itself).
 */
export function locateVaultDevCli(): string {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths('vault-dev') ?? []) {
    const cli = join(dir, 'vault-dev', 'bin', 'vault-dev.js');
    if (existsSync(cli)) return cli;
  }
  throw new EmbeddedVaultError(
    'VAULT_ADDR is not set, so the embedded dev stack needs vault-dev, which is not installed here ' +
      '(it is a development dependency). Set VAULT_ADDR and VAULT_TOKEN to use a real Vault.',
  );
}

function canListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ host: HOST, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

async function pickPort(preferred: number | undefined): Promise<number> {
  if (preferred !== undefined && preferred > 0 && (await canListen(preferred)) !== undefined) return preferred;
  const any = await canListen(0);
  if (any === undefined) throw new EmbeddedVaultError(`cannot find a free TCP port on ${HOST} for vault-dev`);
  return any;
}

class Tail {
  private text = '';
  push(chunk: Buffer): void {
    this.text = (this.text + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
  }
  toString(): string {
    return this.text.trim();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function answers(address: string, path: string, token?: string): Promise<boolean> {
  try {
    const res = await fetch(`${address}/v1/${path}`, {
      headers: token === undefined ? {} : { 'X-Vault-Token': token },
      signal: AbortSignal.timeout(1000),
    });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

function describeExit(exit: Exit): string {
  return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${String(exit.code)}`;
}

/** Starts vault-dev on a free port and resolves once it answers sys/health with 200. */
export async function startVaultDevProcess(options: StartVaultDevOptions): Promise<VaultDevProcess> {
  const cli = locateVaultDevCli();
  let preferred = options.preferredPort ?? 8200;
  for (let attempt = 1; ; attempt++) {
    const port = await pickPort(preferred);
    try {
      return await launch(cli, port, options);
    } catch (err) {
      // Only a lost race for the port is worth another try; anything else would fail the same way again.
      if (!(err instanceof PortTakenError) || attempt >= START_ATTEMPTS) throw err;
      options.log(`port ${port} was taken before vault-dev could listen on it; trying another port`);
      preferred = 0;
    }
  }
}

class PortTakenError extends EmbeddedVaultError {}

async function launch(cli: string, port: number, options: StartVaultDevOptions): Promise<VaultDevProcess> {
  const rootToken = options.rootToken ?? randomBytes(24).toString('hex');
  const address = `http://${HOST}:${port}`;
  const args = ['server', '-dev', `-dev-listen-address=${HOST}:${port}`];
  if (options.dataDir !== undefined) args.push(`-dev-data-dir=${options.dataDir}`);
  // Ended with us however we die, also by SIGKILL (own-child.ts).
  const child = spawnOwnChild({
    name: 'vault-dev',
    script: cli,
    args,
    // Its own process group, as every child of the stack (child-process.ts): Ctrl-C reaches only us, and we stop
    // vault-dev last, after the pods' refresh sidecars have revoked their tokens and leases through it.
    detached: true,
    // The root token goes through the environment, not argv: any local user can read another's argv with `ps`.
    env: {
      ...process.env,
      VAULT_DEV_ROOT_TOKEN_ID: rootToken,
      VAULT_DEV_LISTEN_ADDRESS: undefined,
      VAULT_DEV_DATA_DIR: undefined,
    },
    ...(options.record && { record: options.record }),
  });
  const stderr = new Tail();
  // stdout carries Vault's dev banner (root token, unseal key, its own `export` hint): kept out of the user's
  // terminal and out of error messages. It is still drained so the child never blocks on a full pipe.
  child.stdout.resume();
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));

  let stopping = false;
  // Before it is ready, an exit is a start-up failure, reported with vault-dev's own words by the caller.
  let ready = false;
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
    child.once('error', (err) => {
      stderr.push(Buffer.from(`\n${err.message}`));
      exit ??= { code: null, signal: null };
      resolve(exit);
    });
  });
  // The child must not outlive us, also when we crash (a kill that runs none of our code is the parent watch's part).
  // 'exit' handlers run synchronously, so we cannot wait for it; SIGTERM (not SIGKILL) lets vault-dev still write
  // its state to disk on its own before it exits.
  const killOnExit = () => {
    if (exit === undefined) child.kill('SIGTERM');
  };
  process.on('exit', killOnExit);

  const stop = async (): Promise<void> => {
    stopping = true;
    process.off('exit', killOnExit);
    if (exit === undefined) {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(force);
    }
  };

  void exited.then((how) => {
    process.off('exit', killOnExit);
    if (!stopping && ready)
      options.log(`vault-dev (pid ${String(child.pid)}) ${describeExit(how)}; Vault is unavailable`);
  });

  try {
    await waitReady(child, address, rootToken, options.readyTimeoutMs ?? 15_000, () => exit);
  } catch (err) {
    await stop();
    const tail = stderr.toString();
    const detail = tail ? `\nvault-dev said:\n${tail}` : '';
    if (err instanceof ChildExited && /EADDRINUSE|address already in use/i.test(tail)) {
      throw new PortTakenError(`vault-dev could not listen on ${HOST}:${port}${detail}`);
    }
    if (err instanceof ChildExited && /flag provided but not defined: -dev-data-dir/.test(tail)) {
      throw new EmbeddedVaultError(
        'the installed vault-dev cannot keep its state on disk (it has no -dev-data-dir flag): its build is older ' +
          'than this Secret API. Rebuild the workspace (npm run build) and start again.',
      );
    }
    throw new EmbeddedVaultError(`${(err as Error).message}${detail}`, { cause: err });
  }
  ready = true;
  return { address, rootToken, pid: child.pid ?? -1, stop };
}

class ChildExited extends Error {}

async function waitReady(
  child: ChildProcess,
  address: string,
  rootToken: string,
  timeoutMs: number,
  exitOf: () => Exit | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exit = exitOf();
    if (exit !== undefined) throw new ChildExited(`vault-dev (pid ${String(child.pid)}) ${describeExit(exit)}`);
    // A healthy server that rejects our root token is someone else's, which took the port before our child.
    if ((await answers(address, 'sys/health')) && (await answers(address, 'auth/token/lookup-self', rootToken))) return;
    if (Date.now() >= deadline) {
      throw new Error(`vault-dev did not answer ${address}/v1/sys/health with 200 within ${timeoutMs / 1000} s`);
    }
    await sleep(100);
  }
}
