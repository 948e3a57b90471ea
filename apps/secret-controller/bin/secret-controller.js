#!/usr/bin/env node
// Runs the compiled program; `npm ci` builds it (root `prepare` script).
import('../dist/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('secret-controller is not built yet: run `npm run build` at the repository root.\n');
    process.exit(1);
  }
  throw err;
});
