// Before the suite: make sure the generated client exists and dist/ is current, since the CLI
// tests run the compiled entry points the way `npm run db:migrate` does.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

export default function setup(): void {
  if (!existsSync(join(root, 'src/generated/prisma/client.ts'))) {
    const prisma = join(dirname(require.resolve('prisma/package.json')), 'build/index.js');
    execFileSync(process.execPath, [prisma, 'generate'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: '/bin/true', CHECKPOINT_DISABLE: '1' },
    });
  }
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', 'tsconfig.lib.json'], { cwd: root, stdio: 'inherit' });
}
