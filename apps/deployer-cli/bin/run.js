#!/usr/bin/env node
// The bundle (scripts/bundle.mjs) and the oclif manifest only: no ts-node, no TypeScript, no dependency to resolve
// at run time (start-up is measured in bench/cli).
//
// oclif answers `--version` as the first argument before it looks at anything else (its main.run), so we answer it
// here the same way without loading oclif at all: `deployer --version` starts as fast as node itself.
//
// `npx deployer` inside a workspace of an npm monorepo runs us in that workspace's root, not where the user typed
// the command (npm exec's working directory is its local prefix); npm says where that was in INIT_CWD. Relative
// paths — deployer.yml, manifests, --file — must mean what they mean in the user's shell.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

if (process.env.npm_command === 'exec' && process.env.INIT_CWD && process.env.INIT_CWD !== process.cwd()) {
  process.chdir(process.env.INIT_CWD);
}
if (process.argv[2] === '--version') {
  const { versionLine } = await import('./version.js');
  process.stdout.write(`${versionLine()}\n`);
} else {
  // The bundle is CommonJS, loaded with V8's code from earlier runs (src/start/code-cache.ts).
  const require = createRequire(import.meta.url);
  const { defaultCacheDir, enableCodeCache } = require('../dist/bundle/start/code-cache.js');
  enableCodeCache({
    bundleDir: fileURLToPath(new URL('../dist/bundle', import.meta.url)),
    cacheDir: defaultCacheDir(),
  });
  const { execute } = require('../dist/bundle/oclif.js');
  await execute({ dir: import.meta.url });
}
