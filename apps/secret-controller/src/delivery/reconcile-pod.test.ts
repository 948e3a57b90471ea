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
    /** The intake's answers, one per delivery, before it takes one; each delivery records its token. */
    intakeAnswers?: number[];
    handoverGraceMs?: number;
    maxAttempts?: number;
    identity?: string;
  } = {},
) {
  const steps: string[] = [];
  const warnings: string[] = [];
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
        const name = (path: string) => path.split('/').at(-1)!.replace('~1', '/');
        const annotation = (o: { path: string }) => o.path.startsWith('/metadata/annotations/');
        for (const test of ops.filter((o) => o.op === 'test' && annotation(o))) {
          if (cluster.annotations[name(test.path)] !== test.value)
            throw Object.assign(new Error('test'), { status: 422 });
        }
        for (const o of ops.filter((o) => o.op === 'remove')) delete cluster.annotations[name(o.path)];
        for (const o of ops.filter((o) => o.op === 'add')) cluster.annotations[name(o.path)] = o.value;
        if (ops.some((o) => o.op === 'remove')) {
          steps.push('unclaim');
          return;
        }
        const add = ops.find((o) => o.op === 'add') as { path: string; value: string };
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
    intakePort: 8099,
    maxAttempts: options.maxAttempts ?? 5,
    identity: options.identity ?? 'replica-a',
    ...(options.handoverGraceMs !== undefined ? { handoverGraceMs: options.handoverGraceMs } : {}),
    intake: async (_ip, _port, secretId) => {
      steps.push(options.intakeAnswers ? `intake ${secretId.wrappingToken}` : 'intake');
      const status = options.intakeAnswers?.shift();
      return status === undefined ? { kind: 'delivered' } : { kind: 'refused', status, detail: `answered ${status}` };
    },
    log: createLogger('warn', (line) => void warnings.push(line)),
    ...(options.ledger ? { ledger: options.ledger } : {}),
  };
  return { steps, warnings, queue, reconciler: new PodReconciler(deps) };
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

  it('after the grace an earlier leader may still be delivering in, the new leader takes the waiting run over', async () => {
    const cluster = fakeCluster();
    await replica(cluster, { issue: crash }).reconciler.reconcile(KEY);
    const b = replica(cluster, { handoverGraceMs: 50 });
    await b.reconciler.reconcile(KEY);
    expect(b.steps).toEqual([]);
    expect(b.warnings).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    await b.reconciler.reconcile(KEY);
    expect(b.steps).toEqual(['claim 0', 'issue', 'intake', 'event SecretIdDelivered']);
    expect(b.warnings.map((w) => JSON.parse(w).msg)).toEqual([
      'taking over a run another replica claimed and did not finish',
    ]);
  });

  it('a leader that stops in good order takes its claim off the runs it did not finish: the next one delivers at once', async () => {
    const cluster = fakeCluster();
    const a = replica(cluster, { issue: crash });
    await a.reconciler.reconcile(KEY);
    expect(await a.reconciler.handOver()).toBe(1);
    expect(cluster.annotations['secret-api.dev/secret-id-delivered']).toBeUndefined();
    const b = replica(cluster);
    await b.reconciler.reconcile(KEY);
    expect(b.steps).toEqual(['claim 0', 'issue', 'intake', 'event SecretIdDelivered']);
    // A run it finished is not handed over.
    expect(await b.reconciler.handOver()).toBe(0);
    expect(cluster.annotations['secret-api.dev/secret-id-delivered']).toBe('0');
  });

  it('a replica that lost the Lease while another took its runs over leaves the new claims alone', async () => {
    const cluster = fakeCluster();
    const a = replica(cluster, { issue: crash, identity: 'replica-a' });
    await a.reconciler.reconcile(KEY);
    expect(cluster.annotations['secret-api.dev/secret-id-claimed-by']).toBe('replica-a');
    const b = replica(cluster, { handoverGraceMs: 0, identity: 'replica-b' });
    await b.reconciler.reconcile(KEY);
    expect(b.steps).toEqual(['claim 0', 'issue', 'intake', 'event SecretIdDelivered']);
    // a comes back from a long pause and hands over what it had claimed: the claim is b's now.
    expect(await a.reconciler.handOver()).toBe(0);
    expect(cluster.annotations['secret-api.dev/secret-id-delivered']).toBe('0');
    expect(cluster.annotations['secret-api.dev/secret-id-claimed-by']).toBe('replica-b');
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

describe('an init container that does not take the SecretID', () => {
  it('gets the same token again after a 503 (only looked up), a fresh one after a 504 (the unwrap may have spent it)', async () => {
    const a = replica(fakeCluster(), { intakeAnswers: [503, 504] });
    for (let i = 0; i < 3; i++) await a.reconciler.reconcile(KEY);
    expect(a.steps).toEqual([
      'claim 0',
      'issue',
      'intake hvs.wrapped-2',
      'intake hvs.wrapped-2',
      'issue',
      'intake hvs.wrapped-5',
      'event SecretIdDelivered',
    ]);
    // Said at warn, with the intake's own word: a pod that keeps refusing is a pod that does not start.
    expect(a.warnings.map((w) => JSON.parse(w).reason)).toEqual([
      'intake answered 503: answered 503',
      'intake answered 504: answered 504',
    ]);
  });
});

describe('a delivery that keeps failing for a reason that can pass (Vault or the Secret API down)', () => {
  it('is tried for as long as the run waits, said once as SecretIdDelayed past maxAttempts, and delivered when it passes', async () => {
    let down = 6;
    const a = replica(fakeCluster(), {
      maxAttempts: 3,
      issue: () =>
        down-- > 0 ? Promise.reject(new SecretApiError(503, 'vault_unavailable', 'Vault is down')) : Promise.resolve(),
    });
    let expedited = 0;
    const retryFailedNow = a.queue.retryFailedNow.bind(a.queue);
    a.queue.retryFailedNow = () => (expedited++, retryFailedNow());
    for (let i = 0; i < 7; i++) await a.reconciler.reconcile(KEY);
    expect(a.steps.filter((s) => s === 'issue')).toHaveLength(7);
    // Working again after failures: the other runs waiting out a backoff are tried at once.
    expect(expedited).toBe(1);
    expect(a.warnings.map((w) => JSON.parse(w).msg)).toEqual([
      'SecretID delivery failed; retrying',
      'SecretID delivery delayed',
    ]);
    expect(a.steps.filter((s) => s.startsWith('event'))).toEqual(['event SecretIdDelayed', 'event SecretIdDelivered']);
  });
});
