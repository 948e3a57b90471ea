/**
 * How the embedded Kubernetes stand-in runs our containers of a pod: the real secret-init (the init container) and
 * secret-refresh (the native sidecar), each a local process, with what a container runtime would give it — each
 * volume of the pod a directory under `<podsDir>/<namespace>/<pod>/<volume>` (ConfigMap volumes filled from the
 * ConfigMap), the container's mount paths translated to those directories, its env (literal values and the downward
 * API), and the pod's IP as the address it listens on and connects from (so a SecretID bound to the pod IP logs in,
 * as in a cluster). The sidecar renews the pod's token and leases for the pod's life and revokes them when the pod
 * is deleted (the stand-in's kubelet sends it SIGTERM, restarts it when it exits).
 *
 * Other containers are not ours to run: other init containers succeed at once, and the app's own containers are
 * only marked Running by the stand-in's kubelet; what they would read is in the pod's secrets volume directory.
 *
 * Both run with parent-watch.ts preloaded, as the stand-in itself does: killed hard, the stand-in runs no code to
 * stop them, and a secret-init left waiting would hold its pod IP's port for the next start's pod of that IP.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import { holdParentPipe, PARENT_WATCH_ENV, PARENT_WATCH_IMPORT } from './own-child.js';

type Obj = Record<string, unknown>;

/** What kube-dev's kubelet hands a runner (kube-dev's InitContainerRun, restated: product code never imports it). */
export interface PodContainerRun {
  pod: { metadata: { name?: string; namespace?: string; uid?: string } } & Obj;
  container: Obj;
  podIP: string;
  /** Aborted when the pod is deleted: SIGTERM. */
  signal: AbortSignal;
  /** Aborted when the pod's grace period is over and the container still runs: SIGKILL. */
  kill?: AbortSignal;
}

export interface PodRunnerOptions {
  /** Where pods' volumes live on this machine. */
  podsDir: string;
  /** The compiled secret-init program. */
  secretInitBin: string;
  /** The compiled secret-refresh program. */
  secretRefreshBin: string;
  /** Preloaded into the container's process: connections leave from the pod IP. */
  podNetworkModule: string;
  /** Reads a ConfigMap's files, `data` and `binaryData` (for configMap volumes); undefined when it does not exist. */
  readConfigMap: (namespace: string, name: string) => Promise<Record<string, string | Buffer> | undefined>;
  /** The env of a container, as kube-dev resolves it (literal values and fieldRefs). */
  containerEnv: (run: PodContainerRun) => Record<string, string>;
  /** The init container to run for real (the controller's SECRET_CONTROLLER_INIT_CONTAINER). */
  initContainerName?: string;
  /** The sidecar to run for real (the controller's SECRET_CONTROLLER_REFRESH_CONTAINER). */
  refreshContainerName?: string;
}

/** One of our programs as a container: where it is, and how it is told its paths and its address. */
interface ContainerProgram {
  bin: string;
  /** Its path settings with their defaults, which are paths inside the container. */
  paths: Record<string, string>;
  /** The settings among `paths` it writes to, whose directories a runtime's volume would already provide. */
  writes: readonly string[];
  /** The setting naming the address it listens on: in a pod every address of its network namespace, here the pod IP. */
  listen: string;
}

/** secret-init's own defaults (apps/secret-init/src/config.ts). */
const SECRET_INIT_PATHS: Record<string, string> = {
  SECRET_INIT_CONFIG_DIR: '/config',
  SECRET_INIT_OUTPUT_DIR: '/etc/secrets',
  SECRET_INIT_ENV_FILE: '/env/variables',
  SECRET_INIT_LEASE_DIR: '/var/run/secrets/vault',
};

/** secret-refresh's own defaults (apps/secret-refresh/src/config.ts): it reads what secret-init wrote. */
/** Variables both programs read as a path inside the container, mapped to the host like the mounts they name. */
const FILE_VARIABLES = ['VAULT_CACERT', 'VAULT_SECRET_ID_FILE', 'VAULT_TOKEN_FILE', 'KUBERNETES_TOKEN_FILE'];

const SECRET_REFRESH_PATHS: Record<string, string> = {
  SECRET_REFRESH_LEASE_DIR: '/var/run/secrets/vault',
  SECRET_REFRESH_ENV_FILE: '/env/variables',
};

/** The directory of one pod's volumes; removed when the stand-in starts (its pods are in memory). */
export const podDir = (podsDir: string, namespace: string, pod: string): string => join(podsDir, namespace, pod);

const list = (value: unknown): Obj[] =>
  Array.isArray(value) ? value.filter((v): v is Obj => typeof v === 'object' && v !== null) : [];

/** Maps a path inside the container to this machine: through the mount that holds it, else the pod's own rootfs. */
export function hostPath(mounts: { mountPath: string; dir: string }[], rootfs: string, path: string): string {
  const clean = posix.normalize(path);
  const mount = mounts
    .filter((m) => clean === m.mountPath || clean.startsWith(`${m.mountPath.replace(/\/+$/, '')}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  if (mount === undefined) return join(rootfs, clean);
  return join(mount.dir, posix.relative(mount.mountPath, clean));
}

async function prepareVolumes(
  options: PodRunnerOptions,
  run: PodContainerRun,
  dir: string,
): Promise<Map<string, string>> {
  const namespace = run.pod.metadata.namespace ?? 'default';
  const dirs = new Map<string, string>();
  for (const volume of list((run.pod['spec'] as Obj | undefined)?.['volumes'])) {
    const name = String(volume['name']);
    const volumeDir = join(dir, 'volumes', name);
    await mkdir(volumeDir, { recursive: true, mode: 0o700 });
    const configMap = volume['configMap'] as Obj | undefined;
    if (configMap !== undefined) {
      const data = await options.readConfigMap(namespace, String(configMap['name']));
      // A missing ConfigMap keeps a real pod in ContainerCreating; here the init container fails and is retried.
      if (data === undefined && configMap['optional'] !== true) {
        throw new Error(`configmap ${namespace}/${String(configMap['name'])} not found`);
      }
      for (const [path, value] of projected(data ?? {}, configMap)) {
        await mkdir(dirname(join(volumeDir, path)), { recursive: true, mode: 0o700 });
        await writeFile(join(volumeDir, path), value);
      }
    }
    dirs.set(name, volumeDir);
  }
  return dirs;
}

/**
 * The files of a configMap volume, as a kubelet projects them: every key under its own name, or with `items` only the
 * keys listed, each at its `path` (a listed key the ConfigMap lacks is an error unless the volume is optional).
 */
export function projected(data: Record<string, string | Buffer>, configMap: Obj): [string, string | Buffer][] {
  const safe = (path: string) =>
    path.split('/').every((s) => /^[A-Za-z0-9._-]+$/.test(s) && s !== '.' && !s.startsWith('..'));
  const items = list(configMap['items']);
  if (items.length === 0) return Object.entries(data).filter(([key]) => safe(key));
  const out: [string, string | Buffer][] = [];
  for (const item of items) {
    const key = String(item['key']);
    const path = String(item['path'] ?? key);
    if (!(key in data)) {
      if (configMap['optional'] === true) continue;
      throw new Error(`configmap ${String(configMap['name'])} has no key ${key}`);
    }
    if (safe(path)) out.push([path, data[key] as string | Buffer]);
  }
  return out;
}

/** How long stopping waits for the pods' containers (secret-refresh revokes in well under a second with Vault up). */
export const CONTAINER_STOP_MS = 8_000;

/** kube-dev's InitContainerRunner: secret-init and secret-refresh for real, anything else "succeeds" (undefined). */
export function podContainerRunner(options: PodRunnerOptions) {
  const programs = new Map<string, ContainerProgram>([
    [
      options.initContainerName ?? 'secret-init',
      {
        bin: options.secretInitBin,
        paths: SECRET_INIT_PATHS,
        writes: Object.keys(SECRET_INIT_PATHS),
        listen: 'SECRET_INIT_LISTEN',
      },
    ],
    [
      options.refreshContainerName ?? 'secret-refresh',
      { bin: options.secretRefreshBin, paths: SECRET_REFRESH_PATHS, writes: [], listen: 'SECRET_REFRESH_LISTEN' },
    ],
  ]);
  const running = new Set<Promise<unknown>>();
  const logs = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>): void => {
    running.add(work);
    void work.finally(() => running.delete(work));
  };
  const volumes = podVolumeReaper(options.podsDir, track);
  const runner = (run: PodContainerRun): Promise<number> | undefined => {
    const program = programs.get(String(run.container['name']));
    if (!program) return undefined;
    const exited = runContainer(options, program, run, logs);
    track(exited);
    volumes.started(run, exited);
    return exited;
  };
  return Object.assign(runner, {
    /**
     * Waits, at most `ms`, for every container to exit: once the kubelet stops, each got SIGTERM, and a refresh
     * sidecar revokes its token and leases then (a database user left behind would outlive the stack).
     */
    drain: async (ms: number): Promise<void> => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise((resolve) => (timer = setTimeout(resolve, ms)));
      await Promise.race([Promise.allSettled([...running]), deadline]);
      await Promise.race([Promise.allSettled([...logs]), deadline]);
      clearTimeout(timer);
    },
  });
}

async function runContainer(
  options: PodRunnerOptions,
  program: ContainerProgram,
  run: PodContainerRun,
  logs: Set<Promise<unknown>>,
) {
  const namespace = run.pod.metadata.namespace ?? 'default';
  const dir = podDir(options.podsDir, namespace, run.pod.metadata.name ?? 'pod');
  const log = join(dir, `${String(run.container['name'])}.log`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const volumes = await prepareVolumes(options, run, dir);
    const mounts = list(run.container['volumeMounts']).flatMap((m) => {
      const volumeDir = volumes.get(String(m['name']));
      return volumeDir === undefined ? [] : [{ mountPath: posix.normalize(String(m['mountPath'])), dir: volumeDir }];
    });
    const rootfs = join(dir, 'rootfs');
    const env = options.containerEnv(run);
    const paths = Object.fromEntries([
      ...Object.entries(program.paths).map(([name, fallback]) => [
        name,
        hostPath(mounts, rootfs, env[name] ?? fallback),
      ]),
      // Files a container is pointed at by path (deployer.yml's vaultCACert, a mounted SecretID): set only when given.
      ...FILE_VARIABLES.filter((name) => env[name]).map((name) => [
        name,
        hostPath(mounts, rootfs, env[name] as string),
      ]),
    ]);
    for (const name of program.writes) {
      const path = paths[name] as string;
      await mkdir(name.endsWith('_FILE') ? join(path, '..') : path, { recursive: true, mode: 0o700 });
    }
    return await new Promise<number>((resolve) => {
      const out = createWriteStream(log, { flags: 'a', mode: 0o600 });
      // Written after the exit too (a sidecar's last lines say what it revoked): stopping waits for the file.
      const written = new Promise<void>((resolve) => out.once('close', () => resolve()));
      logs.add(written);
      void written.then(() => logs.delete(written));
      // The pod's directory removed under a running container (the next start clears pods) must not stop the host.
      out.on('error', () => undefined);
      const child = spawn(process.execPath, [program.bin], {
        env: {
          PATH: process.env['PATH'] ?? '',
          ...env,
          ...paths,
          [program.listen]: run.podIP,
          POD_IP: run.podIP,
          NODE_OPTIONS: `--import=${pathToFileURL(options.podNetworkModule).href} --import=${PARENT_WATCH_IMPORT}`,
          ...PARENT_WATCH_ENV,
        },
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        signal: run.signal,
      });
      holdParentPipe(child);
      run.kill?.addEventListener('abort', () => child.kill('SIGKILL'), { once: true });
      child.stdout?.pipe(out, { end: false });
      child.stderr?.pipe(out, { end: false });
      // A stopped container may still write (secret-refresh logs its revocation): the log ends with its output.
      child.on('close', () => out.end());
      // The abort's error comes at once; a container that started is done only when it exits (its SIGTERM
      // handler may take a moment: secret-refresh revokes then).
      child.on('error', () => {
        if (child.pid !== undefined) return;
        out.end();
        resolve(run.signal.aborted ? 137 : 128);
      });
      child.on('exit', (code) => resolve(code ?? 137));
    });
  } catch (err) {
    await mkdir(dir, { recursive: true, mode: 0o700 }).catch(() => undefined);
    await writeFile(log, `embedded kubelet: ${(err as Error).message}\n`, { flag: 'a' }).catch(() => undefined);
    return 1;
  }
}

/**
 * Removes a deleted pod's volumes and root filesystem once its containers have exited, as a kubelet tears down a
 * pod's emptyDir volumes: the rendered secrets must not outlive the pod on disk. The containers' logs stay (they
 * hold no secret values) until the next start clears every pod. A pod of the same name created meanwhile owns the
 * directory from then on and keeps it.
 */
function podVolumeReaper(podsDir: string, track: (work: Promise<unknown>) => void) {
  const owners = new Map<string, string>();
  const pods = new Map<string, Set<Promise<unknown>>>();
  return {
    started(run: PodContainerRun, exited: Promise<unknown>): void {
      const uid = run.pod.metadata.uid ?? '';
      const dir = podDir(podsDir, run.pod.metadata.namespace ?? 'default', run.pod.metadata.name ?? 'pod');
      let containers = pods.get(uid);
      if (containers === undefined) {
        containers = new Set();
        pods.set(uid, containers);
        owners.set(dir, uid);
        const removeWhenStopped = async (): Promise<void> => {
          await Promise.allSettled([...(containers as Set<Promise<unknown>>)]);
          pods.delete(uid);
          if (owners.get(dir) !== uid) return;
          owners.delete(dir);
          await Promise.all(
            [join(dir, 'volumes'), join(dir, 'rootfs')].map((d) => rm(d, { recursive: true, force: true })),
          );
        };
        if (run.signal.aborted) track(removeWhenStopped());
        else run.signal.addEventListener('abort', () => track(removeWhenStopped()), { once: true });
      }
      containers.add(exited);
      void exited.finally(() => containers.delete(exited));
    },
  };
}

/** The stand-in's pods are in memory: volumes left by an earlier run belong to no pod. */
export async function clearPods(podsDir: string): Promise<void> {
  await rm(podsDir, { recursive: true, force: true });
  await mkdir(podsDir, { recursive: true, mode: 0o700 });
}
