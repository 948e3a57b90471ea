/** Where the tests find the chart, the example and the extracted binaries, and how they run them. */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEPLOY_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_ROOT = join(DEPLOY_DIR, '..');
export const CHART_DIR = join(DEPLOY_DIR, 'helm', 'secret-api');
export const EXAMPLE_DIR = join(DEPLOY_DIR, 'examples', 'myapp');

/** Under node_modules, so it is ignored by git without another .gitignore entry, and never committed. */
export const TOOLS_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'secret-api-deploy-tools');
export const KUBECTL = join(TOOLS_DIR, 'kubectl', 'kubectl');
export const HELM = join(TOOLS_DIR, 'helm', 'helm');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a binary with only the environment given (plus PATH): no stray KUBECONFIG or HELM_* from the machine. */
export function run(file: string, args: string[], env: Record<string, string> = {}, stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}
