#!/usr/bin/env node
// The bundle (scripts/bundle.mjs) and the oclif manifest only: no ts-node, no TypeScript, no dependency to resolve
// at run time (start-up is measured in bench/cli).
//
// oclif answers `--version` as the first argument before it looks at anything else (its main.run), so we answer it
// here the same way without loading oclif at all: `deployer --version` starts as fast as node itself.
if (process.argv[2] === '--version') {
  const { versionLine } = await import('./version.js');
  process.stdout.write(`${versionLine()}\n`);
} else {
  const { execute } = await import('../dist/bundle/oclif.js');
  await execute({ dir: import.meta.url });
}
