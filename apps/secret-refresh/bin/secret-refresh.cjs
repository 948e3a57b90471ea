#!/usr/bin/env node
// Runs the bundled program (scripts/bundle.mjs), the one the image runs. CommonJS, like the bundle: starting an
// ES module would load Node's ES module loader for good (issue 12 counts every MiB). The image starts this file
// with the V8 flags in its Dockerfile ENTRYPOINT (see the README: "Memory and the launch flags").
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose, as said above */
'use strict';
const process = require('node:process');

try {
  require.resolve('../dist/bundle/secret-refresh.cjs');
} catch {
  process.stderr.write(
    'secret-refresh is not built yet: run `npm run build -w @secret-api/secret-refresh` at the repository root.\n',
  );
  process.exit(1);
}
require('../dist/bundle/secret-refresh.cjs');
