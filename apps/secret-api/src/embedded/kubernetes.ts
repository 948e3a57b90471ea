/**
 * The embedded stack's Kubernetes (issue 13): for each embedded cluster, the Kubernetes stand-in (kube-dev, with a
 * kubelet that runs secret-init and the secret-refresh sidecar for real) and that cluster's secret-controller, each its own child process, wired
 * the way a real cluster is:
 *
 * - the cluster's service-account issuer is trusted by the API through its OIDC JWKS over https (`jwksUri` +
 *   `jwksCaFile`: the stand-in has its own CA, as a real API server usually has), with the subject prefix
 *   `k8s:<cluster>:`;
 * - the controller's service account is registered as the cluster's controller, and the controller authenticates
 *   with a token from the stand-in's TokenRequest (a projected token's audience), renewed before it expires;
 * - a kubeconfig at `<dataDir>/kube/kubeconfig` has one context per cluster, `<cloud>-<env>`.
 *
 * The stand-in keeps everything in memory: a restart starts with empty clusters (the Secret API's own state —
 * clusters, apps, AppRoles — is kept as always). `EMBEDDED_KUBERNETES=false` switches all of this off.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ClusterName } from '@secret-api/vault-policy';
import type { TIssuerConfigInput } from '../auth/issuers.js';
import { spawnEmbeddedChild, type EmbeddedChild } from './child-process.js';
import type { ChildRecord } from './child-record.js';
import { DEV_AUDIENCE } from './dev-issuer.js';
import { EmbeddedConfigError } from './dev-engines.js';
import type { KubeHostReady } from './kube-host.js';
import { CONTAINER_STOP_MS } from './pod-runner.js';
import { kubePost } from './kube-call.js';
import { compiledModule, locatePackageFile } from './locate.js';

/** Where the controller runs in each cluster, as the Helm chart's defaults would put it. */
export const CONTROLLER_NAMESPACE = 'secret-system';
export const CONTROLLER_SERVICE_ACCOUNT = 'secret-controller';
/** Projected-token lifetime; renewed at half of it, as the kubelet does. */
const CONTROLLER_TOKEN_SECONDS = 24 * 3600;
const KUBE_READY_TIMEOUT_MS = 30_000;

const isBlank = (value: string | undefined): boolean => value === undefined || value.trim() === '';

/** EMBEDDED_KUBERNETES: on unless switched off; a value that is neither is refused before anything starts. */
export function embeddedKubernetesEnabled(env: Record<string, string | undefined>): boolean {
  const raw = env['EMBEDDED_KUBERNETES'];
  if (isBlank(raw)) return true;
  const value = (raw as string).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new EmbeddedConfigError('EMBEDDED_KUBERNETES must be true or false (false: no Kubernetes stand-in)');
}

/** The kube directory of the data directory: the shared kubeconfig, and one directory per cluster. */
export const kubeDir = (dataDir: string): string => resolve(dataDir, 'kube');
/** `aws.stg` -> `aws-stg`: kubeconfig context names, as the example app's deployer.yml names its contexts. */
export const contextName = (cluster: ClusterName): string => `${cluster.cloud}-${cluster.env}`;
export const controllerPrincipal = (cluster: ClusterName): string =>
  `k8s:${cluster.name}:system:serviceaccount:${CONTROLLER_NAMESPACE}:${CONTROLLER_SERVICE_ACCOUNT}`;

export interface EmbeddedCluster {
  name: string;
  context: string;
  address: string;
  controllerPrincipal: string;
  /** Where the pods' volumes are (each pod's rendered secrets in `<ns>/<pod>/volumes/<volume>`). */
  podsDir: string;
}

export interface EmbeddedKubernetes {
  kubeconfig: string;
  clusters: EmbeddedCluster[];
  /** The AUTH_ISSUERS entries of the clusters' service-account issuers. */
  issuers: TIssuerConfigInput[];
  /**
   * Once the API listens: registers each cluster (with its controller's principal) as the admin, then starts the
   * controllers. Failures are reported through `log`, not thrown: the API itself is up and usable.
   */
  startControllers(apiUrl: string, adminToken: string): Promise<void>;
  /** Stops the controllers, then the stand-ins. Idempotent. */
  stop(): Promise<void>;
}

interface RunningCluster extends EmbeddedCluster {
  cluster: ClusterName;
  dir: string;
  ready: KubeHostReady;
  adminToken: string;
  host: EmbeddedChild;
  tokenFile: string;
  caFile: string;
  kubeconfigFile: string;
  controller?: EmbeddedChild;
  controllerLog?: WriteStream;
  tokenTimer?: NodeJS.Timeout;
}

function required(pkg: string, file: string, what: string): string {
  const path = locatePackageFile(pkg, file);
  if (path === undefined) {
    throw new EmbeddedConfigError(
      `the embedded Kubernetes needs ${what} (${pkg}), which is not installed or not built here: run npm ci ` +
        'at the repository root, or start with EMBEDDED_KUBERNETES=false',
    );
  }
  return path;
}

/** Only what a child needs: never the API's own secrets (VAULT_TOKEN, HISTORY_HMAC_KEY, …). */
function childEnv(settings: Record<string, string>): Record<string, string | undefined> {
  return { PATH: process.env['PATH'], HOME: process.env['HOME'], ...settings };
}

/** A kubeconfig (JSON is YAML) with a context per cluster; the admin token is inline, so the file is 0600. */
function kubeconfigOf(clusters: RunningCluster[]): string {
  return `${JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': clusters[0]?.context ?? '',
      clusters: clusters.map((c) => ({
        name: c.context,
        cluster: {
          server: c.ready.address,
          'certificate-authority-data': Buffer.from(c.ready.caCertPem).toString('base64'),
        },
      })),
      users: clusters.map((c) => ({ name: `${c.context}-admin`, user: { token: c.adminToken } })),
      contexts: clusters.map((c) => ({
        name: c.context,
        context: { cluster: c.context, user: `${c.context}-admin`, namespace: 'default' },
      })),
      preferences: {},
    },
    null,
    2,
  )}\n`;
}

/** The pod ranges this process's stand-ins use. */
const podCidrsInUse = new Set<string>();

/**
 * A /24 of its own for a stand-in's pods, drawn from 127.16.0.0/12 (4,096 of them): every secret-init listens on its
 * pod IP, so the stand-ins of two clusters — or of two stacks on one machine, with odds of 1 in 4,096 — must not hand
 * out the same IPs. With kube-dev's one default range every cluster's first pod was 127.10.0.1.
 */
function ownPodCidr(): string {
  for (;;) {
    const n = randomInt(4096);
    const cidr = `127.${16 + (n >> 8)}.${n & 0xff}.0/24`;
    if (!podCidrsInUse.has(cidr)) {
      podCidrsInUse.add(cidr);
      return cidr;
    }
  }
}

async function startStandIn(
  cluster: ClusterName,
  dataDir: string,
  log: (line: string) => void,
  programs: { kubeDev: string; secretInit: string; secretRefresh: string },
  record: ChildRecord | undefined,
): Promise<RunningCluster> {
  const dir = join(kubeDir(dataDir), cluster.name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const adminToken = randomBytes(24).toString('base64url');
  const podsDir = join(dir, 'pods');
  const host = spawnEmbeddedChild({
    name: `kube-dev (${cluster.name})`,
    script: compiledModule('kube-host.js'),
    env: childEnv({
      KUBE_HOST_ADMIN_TOKEN: adminToken,
      KUBE_HOST_PODS_DIR: podsDir,
      KUBE_HOST_KUBE_DEV: programs.kubeDev,
      KUBE_HOST_ISSUER: `https://kubernetes.default.svc.cluster.local/embedded/${cluster.name}`,
      KUBE_HOST_NAMESPACES: CONTROLLER_NAMESPACE,
      KUBE_HOST_SECRET_INIT: programs.secretInit,
      KUBE_HOST_SECRET_REFRESH: programs.secretRefresh,
      KUBE_HOST_POD_NETWORK: compiledModule('pod-network.js'),
      KUBE_HOST_POD_CIDR: ownPodCidr(),
    }),
    log,
    ...(record && { record }),
    // Beyond kube-host's wait for its pods' containers (CONTAINER_STOP_MS), so it is not killed mid-revocation.
    stopGraceMs: CONTAINER_STOP_MS + 2_000,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const line = await Promise.race([
      host.firstLine,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new EmbeddedConfigError(`kube-dev (${cluster.name}) did not start within 30 s`)),
          KUBE_READY_TIMEOUT_MS,
        );
      }),
    ]);
    const ready = JSON.parse(line) as KubeHostReady;
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, ready.caCertPem);
    return {
      cluster,
      name: cluster.name,
      context: contextName(cluster),
      address: ready.address,
      controllerPrincipal: controllerPrincipal(cluster),
      podsDir,
      dir,
      ready,
      adminToken,
      host,
      caFile,
      tokenFile: join(dir, 'controller-token'),
      kubeconfigFile: join(dir, 'kubeconfig'),
    };
  } catch (err) {
    await host.stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** The controller's service account and a fresh token for the Secret API's audience, written for it to read. */
async function writeControllerToken(c: RunningCluster): Promise<void> {
  const kube = { address: c.ready.address, caCertPem: c.ready.caCertPem, adminToken: c.adminToken };
  const base = `/api/v1/namespaces/${CONTROLLER_NAMESPACE}/serviceaccounts`;
  await kubePost(kube, base, { metadata: { name: CONTROLLER_SERVICE_ACCOUNT } });
  const request = await kubePost<{ status: { token: string } }>(kube, `${base}/${CONTROLLER_SERVICE_ACCOUNT}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { audiences: [DEV_AUDIENCE], expirationSeconds: CONTROLLER_TOKEN_SECONDS },
  });
  if (request === undefined) throw new EmbeddedConfigError('kube-dev refused the controller token request');
  // Renamed over the old one, as the kubelet swaps a projected token: the controller never reads half a token.
  const next = `${c.tokenFile}.next`;
  await writeFile(next, request.status.token, { mode: 0o600 });
  await rename(next, c.tokenFile);
}

/** Starts the stand-ins of every cluster (in parallel) and writes the kubeconfig. Stops them all on failure. */
export async function startEmbeddedKubernetes(options: {
  dataDir: string;
  clusters: ClusterName[];
  log: (line: string) => void;
  /** Lists the stand-ins and controllers in the data directory while they run (child-record.ts). */
  record?: ChildRecord;
}): Promise<EmbeddedKubernetes> {
  const { dataDir, log, record } = options;
  const programs = {
    kubeDev: required('kube-dev', 'dist/index.js', 'the Kubernetes stand-in'),
    secretInit: required('@secret-api/secret-init', 'bin/secret-init.js', 'secret-init'),
    secretRefresh: required('@secret-api/secret-refresh', 'bin/secret-refresh.cjs', 'secret-refresh'),
  };
  const controllerBin = required('@secret-api/secret-controller', 'bin/secret-controller.js', 'secret-controller');
  await mkdir(kubeDir(dataDir), { recursive: true, mode: 0o700 });
  const started = await Promise.allSettled(
    options.clusters.map((c) => startStandIn(c, dataDir, log, programs, record)),
  );
  const clusters = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stopAll = async () => {
    for (const c of clusters) {
      clearInterval(c.tokenTimer);
      await c.controller?.stop();
      c.controllerLog?.end();
    }
    await Promise.all(clusters.map((c) => c.host.stop()));
  };
  try {
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    for (const c of clusters) {
      await writeControllerToken(c);
      await writeFile(c.kubeconfigFile, kubeconfigOf([c]), { mode: 0o600 });
    }
    const kubeconfig = join(kubeDir(dataDir), 'kubeconfig');
    await writeFile(kubeconfig, kubeconfigOf(clusters), { mode: 0o600 });
    let stopped: Promise<void> | undefined;
    return {
      kubeconfig,
      clusters: clusters.map((c) => ({
        name: c.name,
        context: c.context,
        address: c.address,
        controllerPrincipal: c.controllerPrincipal,
        podsDir: c.podsDir,
      })),
      issuers: clusters.map((c) => ({
        issuer: c.ready.issuer,
        jwksUri: c.ready.jwksUri,
        jwksCaFile: c.caFile,
        audience: DEV_AUDIENCE,
        subjectPrefix: `k8s:${c.name}:`,
        groupsRequired: false,
      })),
      startControllers: async (apiUrl, adminToken) => {
        for (const c of clusters) {
          try {
            await registerCluster(apiUrl, adminToken, c);
          } catch (err) {
            log(`cluster ${c.name}: cannot register its controller with the API: ${(err as Error).message}`);
            continue;
          }
          c.controllerLog = createWriteStream(join(c.dir, 'secret-controller.log'), { flags: 'a', mode: 0o600 });
          const logFile = c.controllerLog;
          c.controller = spawnEmbeddedChild({
            name: `secret-controller (${c.name})`,
            script: controllerBin,
            env: childEnv({
              SECRET_CONTROLLER_CLUSTER: c.name,
              SECRET_API_URL: apiUrl,
              SECRET_API_TOKEN_FILE: c.tokenFile,
              KUBECONFIG: c.kubeconfigFile,
              SECRET_CONTROLLER_NAMESPACE: CONTROLLER_NAMESPACE,
              POD_NAME: 'secret-controller-embedded',
              SECRET_CONTROLLER_HEALTH_HOST: '127.0.0.1',
              SECRET_CONTROLLER_HEALTH_PORT: '0',
              // A developer waits for this: a secret change reaches the pods within seconds.
              SECRET_CONTROLLER_POLL_SECONDS: '2',
            }),
            log,
            onStderrLine: (line) => logFile.write(`${line}\n`),
            ...(record && { record }),
          });
          c.tokenTimer = setInterval(
            () => {
              writeControllerToken(c).catch((err: Error) =>
                log(`cluster ${c.name}: renewing the controller's token failed: ${err.message}`),
              );
            },
            (CONTROLLER_TOKEN_SECONDS / 2) * 1000,
          );
          c.tokenTimer.unref();
        }
      },
      stop: () => (stopped ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Creates the cluster in the API, or adds the controller's principal to the one an earlier start created. */
async function registerCluster(apiUrl: string, adminToken: string, c: RunningCluster): Promise<void> {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  // Looked up first, so that a restart (the API keeps its clusters) records no failed create in the audit trail.
  const list = await call('GET', '/v1/clusters');
  if (list.status !== 200) throw new Error(`GET /v1/clusters answered ${list.status}: ${describe(list.body)}`);
  const items = (list.body['items'] ?? []) as { name: string; controllerSubjects: string[] }[];
  const existing = items.find((item) => item.name === c.name);
  if (existing === undefined) {
    const created = await call('POST', '/v1/clusters', { name: c.name, controllerSubjects: [c.controllerPrincipal] });
    if (created.status !== 201) {
      throw new Error(`POST /v1/clusters answered ${created.status}: ${describe(created.body)}`);
    }
    return;
  }
  if (existing.controllerSubjects.includes(c.controllerPrincipal)) return;
  const patched = await call('PATCH', `/v1/clusters/${c.name}`, {
    controllerSubjects: [...existing.controllerSubjects, c.controllerPrincipal],
  });
  if (patched.status !== 200) {
    throw new Error(`PATCH /v1/clusters/${c.name} answered ${patched.status}: ${describe(patched.body)}`);
  }
}

const describe = (body: Record<string, unknown>): string =>
  typeof body['detail'] === 'string' ? body['detail'] : JSON.stringify(body);
