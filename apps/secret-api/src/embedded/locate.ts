/**
 * Finds a file of a workspace package on disk. The stand-ins (vault-dev, kube-dev) and the pod-side programs are
 * run, never imported by product code, and their `exports` maps hide everything but their entry points, so the
 * package directory is looked up along the node_modules search path instead of through require.resolve.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function locatePackageFile(pkg: string, file: string): string | undefined {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths(pkg) ?? []) {
    const path = join(dir, pkg, file);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/**
 * A compiled module of this directory, to run as its own process: beside this file once compiled (dist/), or in
 * dist/ when this module is loaded from its TypeScript source (the tests run src/ directly).
 */
export function compiledModule(name: string): string {
  const here = fileURLToPath(new URL(`./${name}`, import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL(`../../dist/embedded/${name}`, import.meta.url));
}
