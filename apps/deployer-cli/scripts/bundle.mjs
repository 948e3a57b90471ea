#!/usr/bin/env node
// Bundles the CLI for running and for publishing: one CommonJS module per command and hook under dist/bundle/ (the
// paths oclif and its manifest load), dist/bundle/start/code-cache.js (bin/run.js loads the rest through it) and
// dist/bundle/oclif.js (the @oclif/core that bin/run.js starts), with everything they import inlined: @oclif/core,
// the workspace libraries (@secret-api/contract, @secret-api/vault-policy), zod.
// The package so has no dependencies at all: its tarball installs with no registry (CI runners, air-gapped hosts),
// and what is installed is exactly what the tests ran. Code splitting keeps one copy of each module (one oclif for
// the binary and every command) and keeps start-up light: what a command imports lazily inside run() (the
// contract, zod, the API client) lands in chunks loaded only then; `deployer --version` loads no command at all
// (bin/run.js answers it without oclif). What the plugins leave out: scripts/bundle-plugins.mjs.
import { build, transform } from 'esbuild';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
// The workspace's build helper (scripts/), used by every bundler here; not a project's code.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { writeOutputs } from '../../../scripts/write-outputs.mjs';
import { contractSlicesAndPureLibs, zodEnglishOnly } from './bundle-plugins.mjs';

const ESM_REQUIRE =
  "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);";
const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'dist', 'bundle');

async function sources(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(path)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const entryPoints = [
  join(root, 'src', 'oclif.ts'),
  join(root, 'src', 'start', 'code-cache.ts'),
  ...(await sources(join(root, 'src', 'commands'))),
  ...(await sources(join(root, 'src', 'hooks'))),
];
const result = await build({
  entryPoints,
  outbase: join(root, 'src'),
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // oclif reads tsconfig files (with typescript, if installed) only for development runs of TypeScript sources:
  // never for this bundle; left out rather than inlining a compiler.
  external: ['typescript'],
  // @oclif/core and some of its dependencies are CommonJS: inside ES modules they need a real `require`.
  banner: { js: ESM_REQUIRE },
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  plugins: [contractSlicesAndPureLibs, zodEnglishOnly],
  // Written in place file by file (scripts/write-outputs.mjs): tests of other projects may be running the CLI.
  write: false,
});
// Each file becomes CommonJS: Node 20 can keep V8's compiled code of a CommonJS module between runs (vm.Script's
// cached data: src/start/code-cache.ts), not of an ES module. esbuild splits code only into ES modules, so the
// chunks are made first and each turned into CommonJS on its own; `import()` becomes a lazy require.
const outputs = await Promise.all(
  result.outputFiles.map(async ({ path, text }) => {
    if (!path.endsWith('.js')) return { path, contents: text };
    const esm = text.startsWith(ESM_REQUIRE) ? text.slice(ESM_REQUIRE.length) : text;
    const cjs = await transform(esm, {
      format: 'cjs',
      // Node's own import of a CommonJS module (the in-process tests) finds its named exports by esbuild's hint.
      platform: 'node',
      target: 'node20',
      loader: 'js',
      sourcefile: relative(root, path),
      supported: { 'dynamic-import': false },
      minifyWhitespace: true,
      // Warnings about the bundled dependencies' code were given (or not) by the build above.
      logLevel: 'error',
    });
    return { path, contents: cjs.code };
  }),
);
// package.json says "type": "module" for bin/ and the tools; the bundle itself is CommonJS.
outputs.push({ path: join(outdir, 'package.json'), contents: '{ "type": "commonjs" }\n' });
await writeOutputs(outputs, { pruneDir: outdir });
if (process.argv.includes('--verbose')) {
  for (const { path, contents } of outputs) process.stdout.write(`${relative(root, path)} ${contents.length}\n`);
}
