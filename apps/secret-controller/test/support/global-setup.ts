// The tests start the Secret API from its compiled library, run secret-init as the compiled program a pod runs, and
// run the controller's bundle, so their dist/ (and the workspace libraries they import) must be current first.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const apps = fileURLToPath(new URL('../../..', import.meta.url));
const require = createRequire(import.meta.url);

export default function setup(): void {
  const tsc = require.resolve('typescript/bin/tsc');
  for (const project of ['secret-api', 'secret-init', 'secret-controller']) {
    execFileSync(process.execPath, [tsc, '-b', `${apps}${project}/tsconfig.lib.json`], { stdio: 'inherit' });
  }
  // The bundle the bin runs and the image ships.
  execFileSync(process.execPath, [`${apps}secret-controller/scripts/bundle.mjs`], { stdio: 'inherit' });
}
