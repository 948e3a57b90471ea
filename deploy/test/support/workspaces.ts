/** The workspace graph from package.json files and the lockfile: what a program needs at run time. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './tools.js';

interface PackageJson {
  name: string;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** Workspace folder (relative to the root) by package name. */
function workspaceDirs(): Map<string, string> {
  const dirs = ['apps', 'libs']
    .flatMap((parent) => readdirSync(join(REPO_ROOT, parent)).map((d) => `${parent}/${d}`))
    .concat(['prisma'])
    .filter((d) => existsSync(join(REPO_ROOT, d, 'package.json')));
  return new Map(dirs.map((d) => [readJson<PackageJson>(join(REPO_ROOT, d, 'package.json')).name, d]));
}

export interface RuntimeClosure {
  name: string;
  /** The program's folder, then every workspace it imports at run time, transitively. */
  workspaces: string[];
  /** Whether any of them depends on a registry package (then node_modules must ship). */
  hasExternalDependencies: boolean;
  /** Workspaces under which the lockfile nests production packages (`<ws>/node_modules/...`). */
  nestedNodeModules: string[];
  bin: string[];
}

export function runtimeClosure(programDir: string): RuntimeClosure {
  const byName = workspaceDirs();
  const pkg = (dir: string) => readJson<PackageJson>(join(REPO_ROOT, dir, 'package.json'));
  const seen = [programDir];
  let hasExternalDependencies = false;
  for (let i = 0; i < seen.length; i++) {
    for (const dep of Object.keys(pkg(seen[i] as string).dependencies ?? {})) {
      const dir = byName.get(dep);
      if (dir === undefined) hasExternalDependencies = true;
      else if (!seen.includes(dir)) seen.push(dir);
    }
  }
  const lock = readJson<{ packages: Record<string, { dev?: boolean }> }>(join(REPO_ROOT, 'package-lock.json'));
  const nestedNodeModules = seen.filter((dir) =>
    Object.entries(lock.packages).some(([path, entry]) => path.startsWith(`${dir}/node_modules/`) && !entry.dev),
  );
  const program = pkg(programDir);
  return {
    name: program.name,
    workspaces: seen,
    hasExternalDependencies,
    nestedNodeModules,
    bin: Object.values(program.bin ?? {}).map((b) => join(programDir, b)),
  };
}
