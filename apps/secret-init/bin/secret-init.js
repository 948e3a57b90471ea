#!/usr/bin/env node
// Runs the program: the bundle (dist/secret-init.mjs, one file, quick to load; the image ships only that)
// when it is there and current, else tsc's dist/main.js. A development tree has both, and a plain `tsc -b`
// (the root build, other workspaces' test set-ups) refreshes only dist/main.js and the libraries: a bundle
// older than any file it was built from (dist/secret-init.inputs.json, written by scripts/bundle.mjs) is
// passed over, so stale code never runs. Both behave the same; the bundle only starts faster.
import { existsSync, readFileSync, statSync } from 'node:fs';

const dist = new URL('../dist/', import.meta.url);
const bundle = new URL('secret-init.mjs', dist);
const compiled = new URL('main.js', dist);

function bundleIsCurrent() {
  if (!existsSync(bundle)) return false;
  const inputs = new URL('secret-init.inputs.json', dist);
  // The image: the bundle alone, nothing to compare with.
  if (!existsSync(inputs)) return true;
  const built = statSync(bundle).mtimeMs;
  return JSON.parse(readFileSync(inputs, 'utf8')).every((rel) => {
    try {
      return statSync(new URL(rel, dist)).mtimeMs <= built;
    } catch {
      return false;
    }
  });
}

import(bundleIsCurrent() ? bundle.href : compiled.href).catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('secret-init is not built yet: run `npm run build -w @secret-api/secret-init`.\n');
    process.exit(1);
  }
  throw err;
});
