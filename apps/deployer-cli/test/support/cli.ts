/** Runs the real `deployer` binary as a subprocess, with a clean environment and its own config directory. */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json(): unknown;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  /** Written to stdin, then stdin is closed. Without it stdin is an empty pipe (never a terminal). */
  input?: string | Buffer;
  /** The working directory (default: the test's). */
  cwd?: string;
}

/**
 * The CLI's code cache (src/start/code-cache.ts) for every run of the tests, shared as one user's runs share theirs:
 * warm after the first run, bounded, and not one more copy in each temporary home.
 */
const CODE_CACHE_DIR = join(tmpdir(), `deployer-cli-tests-code-cache-${process.getuid?.() ?? 'user'}`);

/** The environment every run starts from: no CI, no colour overrides, no Secret API settings from the host. */
export function baseEnv(home: string): Record<string, string | undefined> {
  return {
    PATH: process.env['PATH'],
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    DEPLOYER_CACHE_DIR: CODE_CACHE_DIR,
    LANG: 'C.UTF-8',
    NODE_ENV: 'production',
  };
}

export async function tempHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'deployer-cli-home-'));
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(options.env ?? {}).filter(([, v]) => v !== undefined));
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.cwd !== undefined && { cwd: options.cwd }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout,
        stderr,
        json: () => {
          try {
            return JSON.parse(stdout) as unknown;
          } catch {
            throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`);
          }
        },
      }),
    );
    // The CLI may stop reading early (a value past the largest size is refused at once): its end of the pipe
    // closes, and the rest of the input is not ours to deliver.
    child.stdin.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Runs the binary on a pseudo-terminal through util-linux `script`, typing each answer only once its prompt has
 * appeared (typing earlier would be echoed by the terminal itself, before the CLI could switch echo off).
 * Returns everything the terminal showed.
 */
export function runInTerminal(
  args: readonly string[],
  steps: readonly { waitFor: string | RegExp; type: string }[],
  options: { env?: Record<string, string | undefined> } = {},
): Promise<{ code: number | null; output: string }> {
  const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
  const command = [process.execPath, CLI_BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(options.env ?? {}).filter(([, v]) => v !== undefined));
    const child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let next = 0;
    let seenUpTo = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`terminal run timed out; output so far:\n${output}`));
    }, 25_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const step = steps[next];
      if (!step) return;
      const rest = output.slice(seenUpTo);
      const match = typeof step.waitFor === 'string' ? rest.indexOf(step.waitFor) : rest.search(step.waitFor);
      if (match === -1) return;
      seenUpTo = output.length;
      next++;
      // A short pause: the prompt is written just before raw mode is switched on.
      setTimeout(() => child.stdin.write(step.type), 150);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
