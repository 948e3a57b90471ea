/**
 * A long-running child of the embedded stack (the Kubernetes stand-in, a cluster's controller): started with its
 * settings in the environment (never argv, which any local user can read), stopped with SIGTERM and then SIGKILL,
 * ended with us however we die (own-child.ts), and reported when it exits on its own — the stack keeps running, but
 * the user must know that part of it is gone.
 */
import type { ChildRecord } from './child-record.js';
import { spawnOwnChild } from './own-child.js';

export interface EmbeddedChild {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the first line the child writes on stdout (its "ready" report), or rejects if it exits first. */
  readonly firstLine: Promise<string>;
  /** Stops the child (SIGTERM, SIGKILL after the grace period) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

export interface SpawnChildOptions {
  /** How the child is named in messages: `kube-dev (aws.stg)`. */
  name: string;
  script: string;
  args?: string[];
  env: Record<string, string | undefined>;
  log: (line: string) => void;
  /** Receives every stderr line of the child (its own log). Default: the last lines are kept for error reports. */
  onStderrLine?: (line: string) => void;
  stopGraceMs?: number;
  /** Lists the child in the data directory while it runs, for a later start to end it if it outlives us. */
  record?: ChildRecord;
}

const TAIL_LINES = 20;

export class EmbeddedChildError extends Error {
  override name = 'EmbeddedChildError';
}

export function spawnEmbeddedChild(options: SpawnChildOptions): EmbeddedChild {
  const child = spawnOwnChild({
    name: options.name,
    script: options.script,
    ...(options.args && { args: options.args }),
    env: options.env,
    // Its own process group: Ctrl-C in the terminal reaches only us, and we stop the children in order (and
    // report a child that exits on its own, which a shared SIGINT would make every child do).
    detached: true,
    ...(options.record && { record: options.record }),
  });
  const tail: string[] = [];
  let stderrRest = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const lines = (stderrRest + chunk.toString('utf8')).split('\n');
    stderrRest = lines.pop() ?? '';
    for (const line of lines) {
      options.onStderrLine?.(line);
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    }
  });

  let exited = false;
  let stopping = false;
  const exit = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      resolve(signal !== null ? `was killed by ${signal}` : `exited with code ${String(code)}`);
    });
    child.once('error', (err) => {
      exited = true;
      resolve(`could not be started (${err.message})`);
    });
  });

  let stdoutRest = '';
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutRest += chunk.toString('utf8');
      const end = stdoutRest.indexOf('\n');
      if (end >= 0) resolve(stdoutRest.slice(0, end));
    });
    void exit.then((how) => {
      const said = tail.filter(Boolean).join('\n');
      reject(new EmbeddedChildError(`${options.name} ${how} before it was ready${said ? `; it said:\n${said}` : ''}`));
    });
  });
  // Whoever awaits firstLine sees the rejection; the promise itself must not count as unhandled.
  firstLine.catch(() => undefined);

  const killOnExit = () => {
    if (!exited) child.kill('SIGTERM');
  };
  process.on('exit', killOnExit);

  void exit.then((how) => {
    process.off('exit', killOnExit);
    if (!stopping) {
      const said = tail.filter(Boolean).slice(-3).join(' | ');
      options.log(`${options.name} (pid ${String(child.pid)}) ${how}${said ? `: ${said}` : ''}`);
    }
  });

  let stopped: Promise<void> | undefined;
  return {
    name: options.name,
    pid: child.pid ?? -1,
    firstLine,
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        if (!exited) {
          child.kill('SIGTERM');
          const force = setTimeout(() => child.kill('SIGKILL'), options.stopGraceMs ?? 5000);
          await exit;
          clearTimeout(force);
        }
        process.off('exit', killOnExit);
      })()),
  };
}
