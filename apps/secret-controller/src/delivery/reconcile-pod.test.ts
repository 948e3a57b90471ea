import { describe, expect, it } from 'vitest';
import { TransportError } from '../http.js';
import { createLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { WorkQueue } from '../queue/work-queue.js';
import { SecretApiError } from '../secret-api/client.js';
import { podView, type PodView } from './pod-view.js';
import { DeliveryLedger, PodReconciler, type PodReconcilerDeps } from './reconcile-pod.js';

const KEY = 'apps/web-1';
const NAMES = { init: 'secret-init', refresh: 'secret-refresh' };

/** The pod as the informer holds it: annotations written through the fake API server show up in it. */
function fakeCluster(restartCount = 0) {
  const annotations: Record<string, string> = { 'secret-api.dev/role': 'myapp' };
  let initRestarts = restartCount;
  const view = (): PodView =>
    podView(
      {
        metadata: { name: 'web-1', namespace: 'apps', uid: 'u-1', annotations: { ...annotations } },
        spec: { initContainers: [{ name: 'secret-init' }], containers: [{ name: 'app' }] },
        status: {
          podIP: '10.0.0.7',
          initContainerStatuses: [{ name: 'secret-init', restartCount: initRestarts, state: { running: {} } }],
        },
      },
      NAMES,
    );
  return {
    annotations,
    restartInit: () => initRestarts++,
    cache: { get: (key: string) => (key === KEY ? view() : undefined) },
  };
}

/** One replica's reconciler over fakes; `steps` records what it did, in order. */
function replica(
  cluster: ReturnType<typeof fakeCluster>,
  options: {
    ledger?: DeliveryLedger;
    issue?: () => Promise<void>;
    /** The claim is stored, but its answer never arrives (a reset connection). */
    loseClaimAnswer?: boolean;
  } = {},
) {
  const steps: string[] = [];
  const queue = new WorkQueue({ baseMs: 1, maxMs: 1, random: () => 0 });
  const deps: PodReconcilerDeps = {
    cache: cluster.cache,
    queue,
    namespaces: { allows: async () => true },
    secretApi: {
      issueSecretId: async () => {
        steps.push('issue');
        await options.issue?.();
        return { wrappingToken: `hvs.wrapped-${steps.length}`, ttl: 60, creationPath: 'auth/approle/role/x/secret-id' };
      },
    },
    kube: {
      patchQuietly: async (_path: string, patch: unknown) => {
        const ops = patch as { op: string; path: string; value: string }[];
        const add = ops.find((o) => o.op === 'add') as { path: string; value: string };
        cluster.annotations[add.path.split('/').at(-1)!.replace('~1', '/')] = add.value;
        steps.push(`claim ${add.value}`);
        if (options.loseClaimAnswer) {
          options.loseClaimAnswer = false;
          throw new TransportError('socket hang up', 'ECONNRESET');
        }
      },
    },
    events: { record: (_t, _type, reason) => void steps.push(`event ${reason}`) },
    restarts: { restart: async () => undefined },
    metrics: createMetrics({ defaultMetrics: false }),
    log: createLogger('error', () => undefined),
    intakePort: 8099,
    maxAttempts: 5,
    intake: async () => {
      steps.push('intake');
      return { kind: 'delivered' };
    },
    ...(options.ledger ? { ledger: options.ledger } : {}),
  };
  return { steps, queue, reconciler: new PodReconciler(deps) };
}

const crash = () => Promise.reject(new SecretApiError(503, 'vault_unavailable', 'the leader crashed here'));

describe('one SecretID per init container run, across leaders', () => {
  it('claims the run on the pod before a SecretID is asked for, then delivers once', async () => {
    const cluster = fakeCluster();
    const a = replica(cluster);
    await a.reconciler.reconcile(KEY);
    await a.reconciler.reconcile(KEY); // requeued by its own annotation: nothing more
    expect(a.steps).toEqual(['claim 0', 'issue', 'intake', 'event SecretIdDelivered']);
    expect(cluster.annotations['secret-api.dev/secret-id-delivered']).toBe('0');
  });

  it('a leader that dies after claiming leaves the run alone for the next one: no second SecretID', async () => {
    const cluster = fakeCluster();
    const a = replica(cluster, { issue: crash });
    await a.reconciler.reconcile(KEY);
    expect(a.steps).toEqual(['claim 0', 'issue']);

    const b = replica(cluster);
    await b.reconciler.reconcile(KEY);
    expect(b.steps).toEqual([]);
  });

  it('the next run of the init container (restartCount + 1) gets its SecretID from the new leader', async () => {
    const cluster = fakeCluster();
    await replica(cluster, { issue: crash }).reconciler.reconcile(KEY);
    cluster.restartInit();
    const b = replica(cluster);
    await b.reconciler.reconcile(KEY);
    expect(b.steps).toEqual(['claim 1', 'issue', 'intake', 'event SecretIdDelivered']);
  });

  it('a claim whose answer was lost does not stop the replica that wrote it', async () => {
    const cluster = fakeCluster();
    const a = replica(cluster, { loseClaimAnswer: true });
    await a.reconciler.reconcile(KEY);
    expect(a.steps).toEqual(['claim 0']);
    expect(a.queue.attempts(KEY)).toBe(1);
    await a.reconciler.reconcile(KEY);
    // Written again (it may not have been stored), then delivered.
    expect(a.steps).toEqual(['claim 0', 'claim 0', 'issue', 'intake', 'event SecretIdDelivered']);
  });

  it('a replica that loses the Lease and wins it back finishes the runs it had claimed', async () => {
    const cluster = fakeCluster();
    const ledger = new DeliveryLedger();
    const firstTerm = replica(cluster, { ledger, issue: crash });
    await firstTerm.reconciler.reconcile(KEY);
    const secondTerm = replica(cluster, { ledger });
    await secondTerm.reconciler.reconcile(KEY);
    expect(secondTerm.steps).toEqual(['issue', 'intake', 'event SecretIdDelivered']);
  });
});
