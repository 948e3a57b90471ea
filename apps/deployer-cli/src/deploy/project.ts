/**
 * The app's repository as `deployer inject` and `deployer deploy` read it: deployer.yml (errors with line and
 * column), the cluster entry, the templates directory (the ConfigMap's files) and the manifests.
 */
import { isUtf8 } from 'node:buffer';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { DEFAULT_CONFIG_DIR, splitClusterName, type TDeployerCluster, type TDeployerYml } from '@secret-api/contract';
import { UsageError } from '../errors.js';
import { CONFIG_KEY, buildConfigMap, configHash } from '../inject/config-map.js';
import type { InjectOptions } from '../inject/inject.js';
import { podSecretReads } from '../inject/secret-reads.js';
import { parseManifests } from '../inject/manifests.js';
import type { KubeObject, Manifest } from '../inject/manifests.js';

export interface Project {
  /** The deployer.yml path, as given. */
  file: string;
  /** Its directory: `config` and `manifests` are relative to it. */
  dir: string;
  config: TDeployerYml;
}

async function readBytes(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${what} ${path}${code ? ` (${code})` : ''}`, 'file_unreadable');
  }
}

async function readText(path: string, what: string): Promise<string> {
  return (await readBytes(path, what)).toString('utf8');
}

export async function loadProject(file: string): Promise<Project> {
  const { parseDeployerYml } = await import('@secret-api/contract');
  const parsed = parseDeployerYml(await readText(file, 'deployer.yml'));
  if (!parsed.success) {
    const lines = parsed.issues.map((i) => `${file}:${i.line}:${i.column}: ${i.path ? `${i.path}: ` : ''}${i.message}`);
    throw new UsageError(
      lines.length === 1
        ? (lines[0] ?? '')
        : `${file} has ${lines.length} problems:\n${lines.map((l) => `  ${l}`).join('\n')}`,
      'invalid_deployer_yml',
    );
  }
  return { file, dir: dirname(resolve(file)), config: parsed.data };
}

/** A `--vault-addr` value: an http(s) URL, as deployer.yml's vaultAddr must be. */
export function parseVaultAddr(value: string): string {
  const ok = URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
  if (!ok) throw new UsageError(`--vault-addr must be an http:// or https:// URL (got ${value})`, 'invalid_flag');
  return value;
}

/** The deployer.yml entry of a cluster; `vaultAddr` (a --vault-addr) wins over the file's. */
export function selectCluster(
  project: Project,
  name: string,
  vaultAddr?: string,
): TDeployerCluster & { vaultAddr: string } {
  const cluster = project.config.clusters.find((c) => c.name === name);
  if (cluster === undefined) {
    const known = project.config.clusters.map((c) => c.name).join(', ');
    throw new UsageError(`${project.file} has no cluster ${name} (it lists ${known})`, 'unknown_cluster');
  }
  const vaultCACert = cluster.vaultCACert ?? project.config.vaultCACert;
  return {
    ...cluster,
    // The schema guarantees one of the two.
    vaultAddr: vaultAddr ?? cluster.vaultAddr ?? project.config.vaultAddr ?? '',
    ...(vaultCACert && { vaultCACert }),
  };
}

/** The config directory's files, as bytes: a binary file (a DER truststore) goes to the ConfigMap's binaryData. */
export async function readConfigFiles(project: Project): Promise<Map<string, Buffer>> {
  const named = project.config.config;
  const dir = resolve(project.dir, named ?? DEFAULT_CONFIG_DIR);
  const files = new Map<string, Buffer>();
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    // No templates is allowed (an app that only uses SECRET_<NAME> variables) where deployer.yml names no directory.
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing && named === undefined) return files;
    throw new UsageError(
      missing
        ? `${project.file}: config: ${named} does not exist (${dir}); leave config out if the app has no templates`
        : `cannot read the config directory ${dir}`,
      'file_unreadable',
    );
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      throw new UsageError(
        `${relative(process.cwd(), path) || path}: sub-directories of the config directory are not supported (a ConfigMap holds files by name)`,
        'invalid_config',
      );
    }
    if (!CONFIG_KEY.test(entry.name)) {
      throw new UsageError(
        `${path}: a config file name may hold only letters, digits, '-', '_' and '.'`,
        'invalid_config',
      );
    }
    const bytes = await readBytes(path, 'config file');
    if (entry.name.endsWith('.tmpl') && !isUtf8(bytes)) {
      throw new UsageError(`${path}: a template must be UTF-8 text (secret-init renders it)`, 'invalid_config');
    }
    files.set(entry.name, bytes);
  }
  const total = [...files].reduce((sum, [name, bytes]) => sum + Buffer.byteLength(name) + bytes.length, 0);
  if (total > MAX_CONFIG_MAP_BYTES) {
    throw new UsageError(
      `${dir}: the config files come to ${total} bytes, and their ConfigMap may hold at most ${MAX_CONFIG_MAP_BYTES} (1 MiB, names included)`,
      'invalid_config',
    );
  }
  return files;
}

/** What Kubernetes lets one ConfigMap hold, names and contents together (secret-init reads each file whole). */
const MAX_CONFIG_MAP_BYTES = 1024 * 1024;

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

async function manifestFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new UsageError(`cannot read the manifests at ${path} (no such file or directory)`, 'file_unreadable');
  }
  if (!info.isDirectory()) return [path];
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  return entries.filter((e) => e.isFile() && MANIFEST_EXTENSIONS.has(extname(e.name))).map((e) => join(path, e.name));
}

/** Every object of every file (directories: their *.yaml, *.yml and *.json files, in name order). */
export async function readManifests(paths: readonly string[]): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const path of paths) {
    for (const file of await manifestFiles(path)) out.push(...parseManifests(await readText(file, 'manifest'), file));
  }
  return out;
}

export interface Injection {
  options: InjectOptions;
  configMap: KubeObject;
}

/** Everything inject needs for one cluster, from deployer.yml, the templates and the RoleID. */
export async function injectionFor(
  project: Project,
  clusterName: string,
  roleId: string,
  vaultAddr?: string,
): Promise<Injection> {
  const cluster = selectCluster(project, clusterName, vaultAddr);
  const { config } = project;
  const files = await readConfigFiles(project);
  const configMap = buildConfigMap(config.app, cluster.namespace, files);
  return {
    configMap,
    options: {
      app: config.app,
      cluster: cluster.name,
      namespace: cluster.namespace,
      vaultAddr: cluster.vaultAddr,
      vaultCACert: cluster.vaultCACert,
      roleId,
      secrets: config.secrets,
      restartOnChange: config.restartOnChange,
      secretReads: podSecretReads(files, config.secrets, { app: config.app, ...splitClusterName(cluster.name) }),
      resources: config.resources,
      images: config.images,
      configMapName: String((configMap['metadata'] as { name: string }).name),
      configHash: configHash(configMap),
    },
  };
}
