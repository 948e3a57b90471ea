// The tests run the CLI and the API as compiled programs, the way users run them, so both dist/ folders
// (the CLI's bundle, the one its package ships, and its oclif manifest) must be current before any test starts.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cliRoot = fileURLToPath(new URL('../..', import.meta.url));
const apiRoot = join(cliRoot, '../secret-api');
const require = createRequire(import.meta.url);

export default function setup(): void {
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', 'tsconfig.lib.json'], { cwd: cliRoot, stdio: 'inherit' });
  execFileSync(process.execPath, [join(cliRoot, 'scripts', 'bundle.mjs')], { cwd: cliRoot, stdio: 'inherit' });
  execFileSync(process.execPath, [join(cliRoot, 'scripts', 'manifest.mjs')], { cwd: cliRoot, stdio: 'inherit' });
  try {
    execFileSync(process.execPath, [tsc, '-b', 'tsconfig.lib.json'], { cwd: apiRoot, stdio: 'pipe' });
  } catch (err) {
    // The API is another project: when it does not compile, test against the dist/ it has (tsc -b still emits),
    // and say so, rather than failing every CLI test for the API's type errors.
    if (!existsSync(join(apiRoot, 'dist', 'main.js'))) throw err;
    process.stderr.write(
      `deployer-cli tests: apps/secret-api has type errors; using its existing dist/:\n${String((err as { stdout?: unknown }).stdout ?? '')}\n`,
    );
  }
}
