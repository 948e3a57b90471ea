#!/usr/bin/env node
// Bundles the compiled program (dist/main.js, tsc's output) into one ES module, dist/secret-init.mjs, with
// everything it imports inlined: the workspace libraries (@secret-api/go-template, @secret-api/vault-policy)
// and the parts of zod it uses. That file is what the image ships and what bin/secret-init.js runs: Node 20
// has no compile cache, and resolving, reading and compiling ~80 separate modules was most of the time
// from process start to the intake port listening.
//
// Next to it, dist/secret-init.inputs.json lists the files it was built from, so the bin can tell a bundle
// older than its inputs (a tree rebuilt with a plain `tsc -b`) and run dist/main.js instead of stale code.
import { build } from 'esbuild';
import { writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
// The workspace's build helper (scripts/), used by every bundler here; not a project's code.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { writeOutputs } from '../../../scripts/write-outputs.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const outfile = join(dist, 'secret-init.mjs');

const result = await build({
  entryPoints: [join(dist, 'main.js')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Less to parse at start-up; names are kept, so an internal error still reads sensibly.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  // Written in place (scripts/write-outputs.mjs): tests of other projects may be running it.
  write: false,
});
await writeOutputs(result.outputFiles);

const inputs = Object.keys(result.metafile.inputs).map((p) => relative(dirname(outfile), resolve(p)));
await writeFile(join(dist, 'secret-init.inputs.json'), `${JSON.stringify(inputs, null, 1)}\n`);
if (process.argv.includes('--verbose')) {
  for (const [file, { bytes }] of Object.entries(result.metafile.outputs)) {
    process.stdout.write(`${relative(root, file)} ${bytes} bytes from ${inputs.length} modules\n`);
  }
}
