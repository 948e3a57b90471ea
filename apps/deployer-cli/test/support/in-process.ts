/**
 * Runs the real commands (the bundle and manifest the binary loads) inside the test process, through oclif's own
 * `run`, capturing stdout and stderr: the same code path as the binary minus the Node start-up, so a table of a few
 * hundred runs takes seconds. Runs must not overlap (they share process.env and the output streams).
 */
import type * as Oclif from '@oclif/core';
import { fileURLToPath } from 'node:url';

const CLI_ROOT = fileURLToPath(new URL('../..', import.meta.url));
// The bundle's own copy of oclif (src/oclif.ts), the one its commands extend and throw the errors of.
const OCLIF = new URL('../../dist/bundle/oclif.js', import.meta.url).href;
let loading: Promise<{ oclif: typeof Oclif; config: Oclif.Config }> | undefined;

async function load(): Promise<{ oclif: typeof Oclif; config: Oclif.Config }> {
  const oclif = (await import(OCLIF)) as typeof Oclif;
  return { oclif, config: await oclif.Config.load(CLI_ROOT) };
}

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

type Write = typeof process.stdout.write;

export async function runInProcess(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): Promise<InProcessResult> {
  loading ??= load();
  const { oclif, config } = await loading;
  const saved = { ...process.env };
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as Write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as Write;
  for (const name of ['SECRET_API_URL', 'SECRET_API_TOKEN', 'XDG_CONFIG_HOME', 'HOME', 'CI']) delete process.env[name];
  Object.assign(process.env, env);
  process.exitCode = undefined;
  let code: number;
  try {
    await oclif.run([...argv], config);
    code = Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof oclif.Errors.ExitError) code = err.oclif.exit ?? 1;
    else throw err;
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    process.env = saved;
    process.exitCode = undefined;
  }
  return { code, stdout, stderr };
}
