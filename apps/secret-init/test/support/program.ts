/**
 * Runs secret-init as a child process, as a pod would (the image's entry point: bin/secret-init.js,
 * which loads the bundle), and reads its JSON log lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../bin/secret-init.js', import.meta.url));

export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Parsed log lines so far. */
  logs: () => Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the intake port once the program listens. */
  listening: () => Promise<number>;
}

/** A clean environment: only what the test passes, plus PATH for exec. `program`: another entry point. */
export function start(env: Record<string, string>, args: string[] = [], program = MAIN): Running {
  const child = spawn(process.execPath, [program, ...args], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const logs = () =>
    err
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const listening = async () => {
    for (let i = 0; i < 200; i++) {
      const line = logs().find((l) => l['msg'] === 'waiting for the SecretID');
      if (line) return line['port'] as number;
      if (child.exitCode !== null) throw new Error(`secret-init exited before listening: ${err}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`secret-init never listened: ${err}`);
  };
  return { child, stdout: () => out, stderr: () => err, logs, exited, listening };
}

export async function run(env: Record<string, string>, args: string[] = [], program = MAIN) {
  const r = start(env, args, program);
  const { code, signal } = await r.exited;
  return { code, signal, stdout: r.stdout(), stderr: r.stderr(), logs: r.logs() };
}

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `secret-init-${label}-`));
}

/** Every entry under `dir`, recursively, as relative paths. */
export function listTree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map(String).sort();
}
