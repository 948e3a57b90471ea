/**
 * Runs secret-refresh as a child process, as a pod would — the image's own command, flags and
 * bundle (its Dockerfile ENTRYPOINT) — and reads its JSON log lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageLaunch } from '../../scripts/launch.mjs';

const LAUNCH = imageLaunch();

export type LogLine = Record<string, unknown> & { level: string; msg: string };

export interface Running {
  child: ChildProcess;
  stderr: () => string;
  logs: () => LogLine[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first log line matching, or rejects on exit or after `ms`. */
  waitForLog: (match: (l: LogLine) => boolean, ms?: number) => Promise<LogLine>;
  /** The probe port, once started. */
  port: () => Promise<number>;
  stop: (signal?: NodeJS.Signals) => Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

/** A clean environment: only what the test passes (the probe port picked by the OS unless given). */
export function start(env: Record<string, string>): Running {
  const child = spawn(process.execPath, [...LAUNCH.nodeArgs, LAUNCH.script, ...LAUNCH.args], {
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      SECRET_REFRESH_PORT: '0',
      SECRET_REFRESH_LISTEN: '127.0.0.1',
      SECRET_REFRESH_ENV_FILE: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  const logs = () =>
    err
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  const waitForLog = async (match: (l: LogLine) => boolean, ms = 15_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const line = logs().find(match);
      if (line) return line;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`secret-refresh exited first:\n${err}`);
      if (Date.now() > end) throw new Error(`no such log line within ${ms} ms:\n${err}`);
      await sleep(25);
    }
  };
  return {
    child,
    stderr: () => err,
    logs,
    exited,
    waitForLog,
    port: async () => (await waitForLog((l) => l.msg === 'started'))['port'] as number,
    stop: async (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}

/** Runs to completion (for configuration errors). */
export async function runOnce(env: Record<string, string>) {
  const r = start(env);
  const { code } = await r.exited;
  return { code, stderr: r.stderr(), logs: r.logs() };
}

/** Kills whatever a failed test left running. */
export function killAll(): void {
  for (const c of running) c.kill('SIGKILL');
}

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `secret-refresh-${label}-`));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it is true or `ms` passes; answers the last result. */
export async function waitFor(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(100);
  }
  return check();
}
