/**
 * Wires the controller: a Lease elector; while leading, a pod informer feeding a rate-limited work queue drained
 * by workers running one reconcile, and the restart-on-change poller; health and metrics throughout.
 */
import { ConfigError, type Config } from './config.js';
import { TokenFile } from './token-file.js';
import { KubeClient } from './kube/client.js';
import { inClusterConnection, kubeconfigConnection, type KubeConnection } from './kube/connection.js';
import { EventRecorder } from './kube/events.js';
import { Informer } from './kube/informer.js';
import { LeaseElector } from './leader/lease-elector.js';
import { startHealthServer } from './health/server.js';
import { createLogger, type Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { podView, type PodView } from './delivery/pod-view.js';
import { DeliveryLedger, PodReconciler } from './delivery/reconcile-pod.js';
import { WorkQueue } from './queue/work-queue.js';
import { RolloutRestarter } from './restart/rollout-restart.js';
import { SidecarRestarts } from './restart/sidecar-restarts.js';
import { SecretApiClient } from './secret-api/client.js';
import { NamespaceGrants } from './delivery/namespace-grants.js';

export const CURSOR_ANNOTATION = 'secret-api.dev/changes-cursor';

export interface ControllerOptions {
  log?: Logger;
  /** Process metrics (off in tests that run several controllers in one process). */
  defaultMetrics?: boolean;
  /** Seconds a pod watch lasts before it is resumed. */
  watchTimeoutSeconds?: number;
}

export interface RunningController {
  /** http://host:port of /healthz, /readyz, /metrics. */
  healthUrl: string;
  metrics: Metrics;
  isLeader(): boolean;
  /** Stops; `release` hands the Lease over at once (SIGTERM), otherwise it expires (a crash). */
  stop(options?: { release?: boolean }): Promise<void>;
}

/** One term of leadership: everything that only the leader runs. */
class Term {
  private readonly queue: WorkQueue;
  private readonly informer: Informer<PodView>;
  private readonly restarter: RolloutRestarter;
  private readonly workers: Promise<void>[] = [];
  private readonly reconciler: PodReconciler;
  private depthTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: Config,
    kube: KubeClient,
    secretApi: SecretApiClient,
    events: EventRecorder,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    cursor: { value: string | undefined },
    ledger: DeliveryLedger,
    watchTimeoutSeconds: number | undefined,
  ) {
    this.queue = new WorkQueue(config.retry);
    this.informer = new Informer<PodView>(kube, {
      path: '/api/v1/pods',
      transform: (pod) => podView(pod, { init: config.initContainer, refresh: config.refreshContainer }),
      // No logic here: keys of pods we care about go to the queue, and a deleted one lets reconcile forget it.
      onChange: (key) => {
        const pod = this.informer.get(key);
        if (!pod || pod.role !== undefined) this.queue.add(key);
      },
      onList: (keys) => ledger.retainOnly(keys),
      log,
      ...(watchTimeoutSeconds !== undefined ? { watchTimeoutSeconds } : {}),
    });
    const restarts = new SidecarRestarts({
      kube,
      events,
      queue: this.queue,
      metrics,
      log,
      restartsPerMinute: config.restartsPerMinute,
      canServeNewPods: () => secretApi.canServeNewPods(),
    });
    // One view of which namespaces run which apps, for SecretID delivery and restarts alike.
    const namespaces = new NamespaceGrants({ kube });
    const reconciler = (this.reconciler = new PodReconciler({
      cache: this.informer,
      queue: this.queue,
      secretApi,
      namespaces,
      kube,
      events,
      restarts,
      metrics,
      log,
      intakePort: config.intakePort,
      maxAttempts: config.maxAttempts,
      ledger,
      identity: config.identity,
    }));
    this.restarter = new RolloutRestarter({
      secretApi,
      kube,
      namespaces,
      events,
      metrics,
      log,
      pollMs: config.pollMs,
      cursor: { load: () => cursor.value, save: (c) => (cursor.value = c) },
    });
    this.informer.start();
    for (let i = 0; i < config.workers; i++) this.workers.push(this.work(reconciler));
    this.restarter.start();
    this.depthTimer = setInterval(() => metrics.queueDepth.set(this.queue.length), 1000);
    this.depthTimer.unref();
  }

  synced(): boolean {
    return this.informer.hasSynced();
  }

  private async work(reconciler: PodReconciler): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await reconciler.reconcile(key);
      } catch (err) {
        this.log.warn('reconcile failed; will retry', { key, error: (err as Error).message });
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.depthTimer);
    this.informer.stop();
    this.queue.shutDown();
    await this.restarter.stop();
    await Promise.all(this.workers);
    // No delivery is in flight now: the runs left unfinished go to the next leader at once.
    await this.reconciler.handOver();
  }
}

/** The Kubernetes connection; a file it cannot read or parse is a configuration error naming the file. */
async function connect(config: Config): Promise<KubeConnection> {
  const { kubeconfig } = config.kube;
  try {
    if (kubeconfig) return await kubeconfigConnection(kubeconfig);
    const inCluster = config.kube.inCluster as { host: string; port: number };
    return inClusterConnection(inCluster.host, inCluster.port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what = kubeconfig ? `KUBECONFIG ${kubeconfig}` : 'the in-cluster service account';
    throw new ConfigError(`cannot use ${what}: ${code ? `cannot read it (${code})` : (err as Error).message}`);
  }
}

/** The Secret API token must be there at start: a typo in SECRET_API_TOKEN_FILE is a configuration error, not a retry loop. */
function checkTokenFile(path: string): void {
  try {
    new TokenFile(path).read();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`SECRET_API_TOKEN_FILE: ${code ? `cannot read ${path} (${code})` : (err as Error).message}`);
  }
}

export async function startController(config: Config, options: ControllerOptions = {}): Promise<RunningController> {
  const log = options.log ?? createLogger(config.logLevel, undefined, { identity: config.identity });
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  checkTokenFile(config.secretApi.tokenFile);
  const kube = new KubeClient(await connect(config));
  const secretApi = new SecretApiClient({ ...config.secretApi, cluster: config.cluster });
  const events = new EventRecorder(kube, config.identity, log);
  const cursor: { value: string | undefined } = { value: undefined };
  const ledger = new DeliveryLedger();
  let term: Term | undefined;
  let stopping: Promise<void> = Promise.resolve();
  let shuttingDown = false;

  const elector = new LeaseElector(
    kube,
    {
      ...config.lease,
      identity: config.identity,
      annotations: (): Record<string, string> =>
        cursor.value !== undefined ? { [CURSOR_ANNOTATION]: cursor.value } : {},
      onStartedLeading: (annotations) => {
        const saved = annotations[CURSOR_ANNOTATION];
        if (saved !== undefined && /^[0-9]+$/.test(saved)) cursor.value = saved;
        metrics.leader.set(1);
        // A new term starts only once the last one has fully stopped.
        void stopping.then(() => {
          if (elector.isLeader && !term && !shuttingDown) {
            term = new Term(config, kube, secretApi, events, metrics, log, cursor, ledger, options.watchTimeoutSeconds);
          }
        });
      },
      onStoppedLeading: () => {
        metrics.leader.set(0);
        const ending = term;
        term = undefined;
        stopping = stopping.then(() => ending?.stop());
      },
    },
    log,
  );
  const health = await startHealthServer(
    config.health.host,
    config.health.port,
    {
      ready: () => {
        const leader = elector.isLeader;
        const synced = term?.synced() ?? false;
        return { ready: !leader || synced, leader, synced };
      },
    },
    metrics.registry,
  );
  elector.start();
  log.info('started', { cluster: config.cluster, lease: `${config.lease.namespace}/${config.lease.name}` });

  return {
    healthUrl: health.url,
    metrics,
    isLeader: () => elector.isLeader,
    async stop({ release = true } = {}) {
      // The term ends — deliveries in flight finish, the runs left unfinished are handed over — while this replica
      // still holds the Lease: the next leader finds them free the moment it takes it.
      shuttingDown = true;
      const ending = term;
      term = undefined;
      stopping = stopping.then(() => ending?.stop());
      await stopping;
      await elector.stop(release);
      await stopping;
      await events.flush();
      await health.close();
      kube.agent.destroy();
    },
  };
}
