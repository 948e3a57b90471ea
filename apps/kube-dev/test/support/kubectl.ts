/** Runs the real kubectl against a kube-dev, with its own kubeconfig and discovery cache. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeDev } from '../../src/index.js';
import { TOOLS_DIR } from './global-setup.js';

export const KUBECTL = join(TOOLS_DIR, 'kubectl', 'kubectl');

export interface Kubectl {
  run(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  spawn(args: string[]): ChildProcess;
  dispose(): void;
}

export function kubectlFor(kube: KubeDev, namespace = 'default'): Kubectl {
  const dir = mkdtempSync(join(tmpdir(), 'kube-dev-kubectl-'));
  const kubeconfig = kube.writeKubeconfig(join(dir, 'config'), namespace);
  const env = { PATH: process.env['PATH'] ?? '', HOME: dir, KUBECONFIG: kubeconfig };
  const base = ['--cache-dir', join(dir, 'cache')];
  return {
    run(args, stdin) {
      return new Promise((resolve) => {
        const child = execFile(KUBECTL, [...base, ...args], { env, timeout: 20_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
        if (stdin !== undefined) child.stdin?.end(stdin);
      });
    },
    spawn(args) {
      return spawn(KUBECTL, [...base, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
