#!/usr/bin/env node
// Runs the bundled program (dist/bundle, `npm run build -w @secret-api/secret-controller`; the image ships only it),
// or the compiled modules when there is no bundle or it is older than them (a `tsc -b` after an edit): the same
// code, the bundle only costs less memory — and a stale bundle must never run in place of newer code.
import { existsSync, statSync } from 'node:fs';

const bundle = new URL('../dist/bundle/secret-controller.mjs', import.meta.url);
const compiled = new URL('../dist/main.js', import.meta.url);
// tsc -b rewrites its build info whenever it emits anything: newer than the bundle means the bundle is stale.
const lastCompile = new URL('../dist/tsconfig.lib.tsbuildinfo', import.meta.url);
const bundleIsCurrent =
  existsSync(bundle) && (!existsSync(lastCompile) || statSync(bundle).mtimeMs >= statSync(lastCompile).mtimeMs);
import(bundleIsCurrent ? bundle.href : compiled.href).catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('secret-controller is not built yet: run `npm run build` at the repository root.\n');
    process.exit(1);
  }
  throw err;
});
