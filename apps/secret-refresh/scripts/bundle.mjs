#!/usr/bin/env node
// Bundles the sidecar into one CommonJS file, dist/bundle/secret-refresh.cjs, which is what the image runs
// (bin/secret-refresh.cjs loads it) and what the tests and bench/secret-refresh run.
//
// Why (issue 12: steady RSS ≤ 48 MiB): one script instead of a graph of ES modules, and CommonJS so that Node never
// starts its ES module loader, whose own modules stay in memory for the life of the process. `import()` of a Node
// built-in becomes a `require()` inside a promise (esbuild's `dynamic-import: false`): vault.ts still loads
// node:https, and with it TLS, only for an https Vault, without loading the ES module loader to do it.
// Not minified: a smaller source saves a few kilobytes, and the program's messages never carry a stack anyway.
import { build } from 'esbuild';
import { join } from 'node:path';
import { URL, fileURLToPath } from 'node:url';
// The workspace's build helper (scripts/), used by every bundler here; not a project's code.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { writeOutputs } from '../../../scripts/write-outputs.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const outfile = join(root, 'dist', 'bundle', 'secret-refresh.cjs');

const result = await build({
  entryPoints: [join(root, 'src', 'main.ts')],
  outfile,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // The compiler options tsc builds dist/ with (class fields, target), not the solution-style tsconfig.json.
  tsconfig: join(root, 'tsconfig.lib.json'),
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
  // Written in place (scripts/write-outputs.mjs): tests of other projects may be running it.
  write: false,
});
await writeOutputs(result.outputFiles, { pruneDir: join(root, 'dist', 'bundle') });
