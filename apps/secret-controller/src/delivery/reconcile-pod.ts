/**
 * The reconcile function for one pod key, safe to run again at any time: reads the informer's cache, decides
 * (pod-view.ts), acts. Delivery: a wrapped SecretID bound to the pod IP, POSTed to the intake; the outcome an
 * Event on the pod, queued (never awaited: events are for people, not on the delivery path).
 *
 * At most one SecretID per init container run (pod uid + restartCount), also across a leader change. The order of
 * the writes is what makes it so: first the `secret-id-delivered: "<restartCount>"` annotation (a JSON patch that
 * tests the pod uid), and only once it is stored a SecretID is asked for and sent. A replica that finds the
 * annotation for the current run and did not write it itself never asks for one. What a crash does, by where it
 * happens:
 *   - before the annotation is stored: nothing was asked for; the next leader claims and delivers as usual;
 *   - after it, before the intake accepted a SecretID: the next leader delivers nothing to this run. secret-init
 *     waits out SECRET_INIT_TIMEOUT (default 300 s), exits 4, the kubelet restarts it with restartCount + 1, and
 *     that run gets its SecretID. A late pod, never a second SecretID for one run: a SecretID minted by the crashed
 *     leader but not yet sent never left its memory and expires unused with its wrapping TTL;
 *   - after the intake accepted it: nothing more to do, the annotation already says so.
 */
import { NAMESPACE_APPS_ANNOTATION, type TSecretIdResponse } from '@secret-api/contract';
import { ANNOTATIONS } from '../config.js';
import { podPath, type KubeClient } from '../kube/client.js';
import type { EventRecorder } from '../kube/events.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { WorkQueue } from '../queue/work-queue.js';
import type { SidecarRestarts } from '../restart/sidecar-restarts.js';
import { SecretApiError, type SecretApiClient } from '../secret-api/client.js';
import { deliverToIntake } from './intake.js';
import type { NamespaceGrants } from './namespace-grants.js';
import { decide, type PodView } from './pod-view.js';

/**
 * What this process knows of its deliveries, kept across terms of leadership: a replica that loses the Lease for a
 * moment (a slow API server, a missed renewal) and wins it back finishes the runs it had claimed, instead of
 * mistaking its own annotations for an earlier leader's and leaving those pods waiting.
 */
export class DeliveryLedger {
  readonly served = new Map<string, Mark>();
  /**
   * Runs this process claims: its own annotation does not stop it from delivering (or retrying). Recorded *before*
   * the annotation is written: a write whose answer was lost (a reset connection) may have been stored, and must
   * not make this process mistake its own claim for an earlier leader's. `stored` once the API server confirmed it.
   */
  readonly claimed = new Map<string, Mark & { stored: boolean }>();
  readonly failed = new Map<string, Mark>();
  readonly unsent = new Map<string, Unsent>();

  forget(key: string): void {
    this.served.delete(key);
    this.claimed.delete(key);
    this.failed.delete(key);
    this.unsent.delete(key);
  }

  /** After a full list: drops what is known of pods that no longer exist (deleted while this replica was not leading). */
  retainOnly(keys: ReadonlySet<string>): void {
    for (const map of [this.served, this.claimed, this.failed, this.unsent]) {
      for (const key of map.keys()) if (!keys.has(key)) map.delete(key);
    }
  }
}

export interface PodReconcilerDeps {
  cache: { get(key: string): PodView | undefined };
  queue: Pick<WorkQueue, 'addRateLimited' | 'forget' | 'attempts'>;
  secretApi: Pick<SecretApiClient, 'issueSecretId'>;
  /** Whether the pod's namespace may run the app it names (namespace-grants.ts). */
  namespaces: Pick<NamespaceGrants, 'allows'>;
  kube: Pick<KubeClient, 'patchQuietly'>;
  events: Pick<EventRecorder, 'record'>;
  restarts: Pick<SidecarRestarts, 'restart'>;
  metrics: Metrics;
  log: Logger;
  intakePort: number;
  maxAttempts: number;
  /** Kept by the caller across terms of leadership; a fresh one when unset. */
  ledger?: DeliveryLedger;
  /** The POST to the init container's intake; intake.ts unless a test passes its own. */
  intake?: typeof deliverToIntake;
}

interface Mark {
  uid: string;
  restartCount: number;
}

/** A wrapped SecretID that never reached the pod (its intake was not listening yet): offered again while young. */
interface Unsent extends Mark {
  secretId: TSecretIdResponse;
  issuedAt: number;
}

export class PodReconciler {
  private readonly served: DeliveryLedger['served'];
  private readonly claimed: DeliveryLedger['claimed'];
  private readonly failed: DeliveryLedger['failed'];
  private readonly unsent: DeliveryLedger['unsent'];
  private readonly ledger: DeliveryLedger;

  constructor(private readonly deps: PodReconcilerDeps) {
    this.ledger = deps.ledger ?? new DeliveryLedger();
    ({ served: this.served, claimed: this.claimed, failed: this.failed, unsent: this.unsent } = this.ledger);
  }

  private markOf(map: Map<string, Mark>, key: string, pod: PodView): number | undefined {
    const mark = map.get(key);
    return mark && mark.uid === pod.uid ? mark.restartCount : undefined;
  }

  async reconcile(key: string): Promise<void> {
    const pod = this.deps.cache.get(key);
    if (!pod) {
      this.ledger.forget(key);
      this.deps.queue.forget(key);
      return;
    }
    const action = decide(pod, this.markOf(this.served, key, pod), this.markOf(this.claimed, key, pod));
    if (action.kind === 'restart') {
      await this.deps.restarts.restart(key, pod, action.message);
      return;
    }
    if (action.kind !== 'deliver' && action.kind !== 'refuse') return;
    const failedFor = this.markOf(this.failed, key, pod);
    if (failedFor !== undefined && failedFor >= action.restartCount) return; // gave up on this container run
    if (action.kind === 'refuse') this.giveUp(key, pod, action.restartCount, action.message);
    else await this.deliver(key, pod, action.app, action.podIP, action.restartCount);
  }

  private async deliver(key: string, pod: PodView, app: string, podIP: string, restartCount: number): Promise<void> {
    const { deps } = this;
    const where = { pod: pod.name, namespace: pod.namespace, app, podIP };
    const started = performance.now();
    const stage = (name: 'claim' | 'issue' | 'intake', since: number) =>
      deps.metrics.deliveryStageSeconds.observe({ stage: name }, (performance.now() - since) / 1000);
    let allowed: boolean;
    try {
      allowed = await deps.namespaces.allows(pod.namespace, app);
    } catch (err) {
      this.retry(key, pod, restartCount, `could not read namespace ${pod.namespace}: ${(err as Error).message}`);
      return;
    }
    if (!allowed) {
      this.giveUp(
        key,
        pod,
        restartCount,
        `namespace ${pod.namespace} may not run app ${app}: a namespace runs the app of its own name and those its ` +
          `${NAMESPACE_APPS_ANNOTATION} annotation lists (a cluster admin adds ${app} there)`,
      );
      return;
    }
    const claim = this.claimed.get(key);
    if (!claim || claim.uid !== pod.uid || claim.restartCount !== restartCount || !claim.stored) {
      const claiming = performance.now();
      if ((await this.claim(key, pod, restartCount)) !== 'claimed') return;
      stage('claim', claiming);
    }
    const issuing = performance.now();
    let secretId: TSecretIdResponse;
    const pending = this.unsent.get(key);
    this.unsent.delete(key);
    try {
      if (
        pending &&
        pending.uid === pod.uid &&
        pending.restartCount === restartCount &&
        Date.now() - pending.issuedAt < (pending.secretId.ttl * 1000) / 2
      ) {
        secretId = pending.secretId;
      } else {
        secretId = await deps.secretApi.issueSecretId(app, {
          cidrList: [`${podIP}${podIP.includes(':') ? '/128' : '/32'}`],
          metadata: { pod: pod.name, namespace: pod.namespace, uid: pod.uid },
        });
      }
    } catch (err) {
      if (err instanceof SecretApiError && err.permanent) {
        this.giveUp(key, pod, restartCount, `the Secret API refused a SecretID for app ${app}: ${err.message}`);
        return;
      }
      this.retry(key, pod, restartCount, `Secret API: ${(err as Error).message}`);
      return;
    }

    stage('issue', issuing);
    let outcome;
    const sending = performance.now();
    try {
      outcome = await (deps.intake ?? deliverToIntake)(podIP, deps.intakePort, secretId);
    } catch (err) {
      // It may have reached the pod: never offered again; a fresh one next time.
      this.retry(key, pod, restartCount, `intake: ${(err as Error).message}`);
      return;
    }
    stage('intake', sending);
    switch (outcome.kind) {
      case 'delivered': {
        this.served.set(key, { uid: pod.uid, restartCount });
        deps.queue.forget(key);
        deps.metrics.deliveries.inc({ result: 'delivered' });
        deps.metrics.deliverySeconds.observe((performance.now() - started) / 1000);
        deps.log.info('SecretID delivered', { ...where, restartCount });
        deps.events.record(
          podTarget(pod),
          'Normal',
          'SecretIdDelivered',
          `Delivered a SecretID for app ${app}, bound to ${podIP}`,
        );
        return;
      }
      case 'intercepted': {
        // The pod cannot tell a token someone used before it from one made up by anyone who can reach its port, so
        // it refuses and keeps waiting; we know this one was ours. Alarm, then a fresh SecretID: an interceptor
        // gets nothing from the pod failing, and each further interception is one more alarm, up to maxAttempts.
        deps.metrics.interceptions.inc();
        deps.log.error('ALARM: the init container says the wrapping token we delivered was already used', where);
        deps.events.record(
          podTarget(pod),
          'Warning',
          'SecretIdIntercepted',
          `The init container reports that the SecretID delivered for app ${app} had already been unwrapped: it may have been intercepted`,
        );
        this.retry(key, pod, restartCount, 'the intake said the wrapping token we delivered was already used');
        return;
      }
      case 'unreachable':
        this.unsent.set(key, { uid: pod.uid, restartCount, secretId, issuedAt: Date.now() });
        this.retry(key, pod, restartCount, `intake at ${podIP}:${deps.intakePort} not reachable (${outcome.reason})`);
        return;
      case 'refused':
        // 503: busy (a flood of deliveries) or Vault unreachable from the pod; the token was only looked up, never
        // unwrapped, so the same one is offered again rather than a new SecretID minted per try.
        if (outcome.status === 503)
          this.unsent.set(key, { uid: pod.uid, restartCount, secretId, issuedAt: Date.now() });
        this.retry(key, pod, restartCount, `intake answered ${outcome.status}`);
        return;
    }
  }

  private retry(key: string, pod: PodView, restartCount: number, reason: string): void {
    if (this.deps.queue.attempts(key) + 1 >= this.deps.maxAttempts) {
      this.giveUp(key, pod, restartCount, `gave up after ${this.deps.maxAttempts} attempts; last: ${reason}`);
      return;
    }
    const attempt = this.deps.queue.addRateLimited(key);
    this.deps.metrics.retries.inc();
    this.deps.log.debug('delivery will be retried', { pod: pod.name, namespace: pod.namespace, attempt, reason });
  }

  private giveUp(key: string, pod: PodView, restartCount: number, message: string): void {
    this.failed.set(key, { uid: pod.uid, restartCount });
    this.unsent.delete(key);
    this.deps.queue.forget(key);
    this.deps.metrics.deliveries.inc({ result: 'failed' });
    this.deps.log.warn('SecretID delivery failed', { pod: pod.name, namespace: pod.namespace, reason: message });
    this.deps.events.record(podTarget(pod), 'Warning', 'SecretIdFailed', message);
  }

  /**
   * Writes the annotation that claims this init container run, before any SecretID exists for it. The JSON patch
   * tests the uid: a pod deleted and re-created under the same name meanwhile is not claimed by mistake.
   */
  private async claim(key: string, pod: PodView, restartCount: number): Promise<'claimed' | 'gone' | 'retry'> {
    const mark = { uid: pod.uid, restartCount, stored: false };
    this.claimed.set(key, mark);
    try {
      await this.deps.kube.patchQuietly(
        podPath(pod.namespace, pod.name),
        [
          { op: 'test', path: '/metadata/uid', value: pod.uid },
          {
            op: 'add',
            path: `/metadata/annotations/${jsonPointerToken(ANNOTATIONS.delivered)}`,
            value: String(restartCount),
          },
        ],
        'json',
      );
    } catch (err) {
      const status = (err as { status?: number }).status;
      // Gone, or replaced by a pod of the same name: the informer brings whatever is there now.
      if (status === 404 || status === 409 || status === 422) {
        this.claimed.delete(key);
        return 'gone';
      }
      // No answer (or a 5xx): maybe stored, maybe not. The mark stays, unconfirmed: written again before delivering.
      this.retry(key, pod, restartCount, `could not annotate the pod: ${(err as Error).message}`);
      return 'retry';
    }
    mark.stored = true;
    return 'claimed';
  }
}

/** RFC 6901: `~` and `/` escaped in a JSON pointer token. */
const jsonPointerToken = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

export const podTarget = (pod: PodView) =>
  ({ kind: 'Pod', apiVersion: 'v1', namespace: pod.namespace, name: pod.name, uid: pod.uid }) as const;
