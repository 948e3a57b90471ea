#!/usr/bin/env node
// Writes oclif.manifest.json with oclif's own `oclif manifest`, without ever leaving it half-written: oclif writes
// it in place, and other projects' test suites may be starting the CLI (which reads it) while this project's test
// set-up rebuilds it. oclif runs on a shadow of the package (its package.json linked, its bundle copied) and the manifest
// it writes there is renamed over ours.
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, rename, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const oclif = join(createRequire(import.meta.url).resolve('oclif/package.json'), '..', 'bin', 'run.js');

const shadow = await mkdtemp(join(root, '.manifest-'));
try {
  await symlink(join(root, 'package.json'), join(shadow, 'package.json'));
  // A copy, not a link: oclif records each command's path relative to the real location of its file.
  await cp(join(root, 'dist', 'bundle'), join(shadow, 'dist', 'bundle'), { recursive: true });
  execFileSync(process.execPath, [oclif, 'manifest', shadow], {
    cwd: shadow,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true' },
  });
  await rename(join(shadow, 'oclif.manifest.json'), join(root, 'oclif.manifest.json'));
} finally {
  await rm(shadow, { recursive: true, force: true });
}
