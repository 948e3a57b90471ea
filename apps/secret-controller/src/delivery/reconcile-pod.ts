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
 *   - after it, before the intake accepted a SecretID: the next leader leaves the run alone for HANDOVER_GRACE_MS,
 *     longer than any delivery the old leader may still be finishing (it stopped its work when it lost the Lease,
 *     before the Lease could pass). If the init container still waits then, the run is taken over: claimed again
 *     and delivered. A SecretID minted by the crashed leader but not sent never left its memory and expires unused;
 *     one it sent and the pod took leaves the init container done (or its port closed) within the grace;
 *   - after the intake accepted it: nothing more to do, the annotation already says so.
 * A leader that stops in good order (SIGTERM, a lost Lease) first lets its deliveries in flight end, then takes its
 * claims off the runs it did not finish ({@link PodReconciler.handOver}): the next leader delivers to them at once.
 *
 * A failure worth retrying is retried for as long as the run waits (with capped backoff): after maxAttempts a Warning
 * `SecretIdDelayed` says so, once. Only a refusal that retrying cannot change (a namespace not granted, the Secret
 * API's permanent answer) or repeated interceptions end the run's deliveries.
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
  /** Runs another replica claimed, still waiting when this one first saw them: since when. */
  readonly inherited = new Map<string, Mark & { since: number }>();
  /** Runs whose slow delivery was said (SecretIdDelayed), so it is said once. */
  readonly delayed = new Map<string, Mark>();

  forget(key: string): void {
    for (const map of this.maps()) map.delete(key);
  }

  /** After a full list: drops what is known of pods that no longer exist (deleted while this replica was not leading). */
  retainOnly(keys: ReadonlySet<string>): void {
    for (const map of this.maps()) {
      for (const key of map.keys()) if (!keys.has(key)) map.delete(key);
    }
  }

  private maps(): Map<string, unknown>[] {
    return [this.served, this.claimed, this.failed, this.unsent, this.inherited, this.delayed];
  }
}

/**
 * How long a run another replica claimed is left to it before this leader takes it over: more than the longest
 * delivery (the claim's write, the Secret API's answer, the intake's 15 s) an earlier leader may still be finishing.
 */
export const HANDOVER_GRACE_MS = 30_000;

export interface PodReconcilerDeps {
  cache: { get(key: string): PodView | undefined };
  queue: Pick<WorkQueue, 'addRateLimited' | 'addAfter' | 'forget' | 'attempts' | 'retryFailedNow'>;
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
  /** {@link HANDOVER_GRACE_MS} unless a test passes its own. */
  handoverGraceMs?: number;
  /** This replica's name (POD_NAME), written beside each claim it makes. */
  identity: string;
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
  private readonly delayed: DeliveryLedger['delayed'];
  private readonly ledger: DeliveryLedger;

  constructor(private readonly deps: PodReconcilerDeps) {
    this.ledger = deps.ledger ?? new DeliveryLedger();
    ({
      served: this.served,
      claimed: this.claimed,
      failed: this.failed,
      unsent: this.unsent,
      delayed: this.delayed,
    } = this.ledger);
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
    if (action.kind === 'none') return;
    const failedFor = this.markOf(this.failed, key, pod);
    if (failedFor !== undefined && failedFor >= action.restartCount) return; // gave up on this container run
    if (action.kind === 'refuse') this.giveUp(key, pod, action.restartCount, action.message);
    else if (action.kind === 'claimedElsewhere' && this.stillInherited(key, pod, action.restartCount)) return;
    else await this.deliver(key, pod, action.app, action.podIP, action.restartCount);
  }

  /**
   * Whether a run another replica claimed is still left to it (and this pod is queued again for when the grace
   * ends); false once it is this replica's to deliver to.
   */
  private stillInherited(key: string, pod: PodView, restartCount: number): boolean {
    const grace = this.deps.handoverGraceMs ?? HANDOVER_GRACE_MS;
    const where = { pod: pod.name, namespace: pod.namespace, restartCount };
    let mark = this.ledger.inherited.get(key);
    if (!mark || mark.uid !== pod.uid || mark.restartCount !== restartCount) {
      mark = { uid: pod.uid, restartCount, since: Date.now() };
      this.ledger.inherited.set(key, mark);
      this.deps.log.info(
        'a run another replica claimed is still waiting for its SecretID; taking it over unless it ends',
        {
          ...where,
          inSeconds: Math.round(grace / 1000),
        },
      );
    }
    const left = mark.since + grace - Date.now();
    if (left > 0) {
      this.deps.queue.addAfter(key, left);
      return true;
    }
    this.ledger.inherited.delete(key);
    this.deps.log.warn('taking over a run another replica claimed and did not finish', where);
    return false;
  }

  /**
   * At the end of a term, once no delivery is in flight: takes this replica's claim off each run it claimed and did
   * not finish, so the next leader delivers to it at once rather than after {@link HANDOVER_GRACE_MS}. The JSON patch
   * tests the pod's uid, the claim's value and its claimant (this replica): a run claimed anew meanwhile — by a
   * replica that took it over — is left alone. Returns how many.
   */
  async handOver(): Promise<number> {
    const open = [...this.claimed].filter(([key, mark]) => {
      const done = (map: Map<string, Mark>) => {
        const m = map.get(key);
        return m !== undefined && m.uid === mark.uid && m.restartCount >= mark.restartCount;
      };
      return !done(this.served) && !done(this.failed);
    });
    const results = await Promise.all(
      open.map(async ([key, mark]) => {
        const [namespace, name] = key.split('/') as [string, string];
        try {
          // Ours only: a replica that took the run over meanwhile wrote the same value, but its own name beside it.
          await this.deps.kube.patchQuietly(
            podPath(namespace, name),
            [
              { op: 'test', path: '/metadata/uid', value: mark.uid },
              { op: 'test', path: CLAIM_PATH, value: String(mark.restartCount) },
              { op: 'test', path: CLAIMANT_PATH, value: this.deps.identity },
              { op: 'remove', path: CLAIM_PATH },
              { op: 'remove', path: CLAIMANT_PATH },
            ],
            'json',
          );
          this.claimed.delete(key);
          return true;
        } catch {
          return false; // gone, claimed anew, or no API server: the next leader's grace covers it
        }
      }),
    );
    const handed = results.filter(Boolean).length;
    if (open.length > 0)
      this.deps.log.info('handed over the runs this replica had claimed', { runs: handed, of: open.length });
    return handed;
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
        const recovered = deps.queue.attempts(key) > 0;
        deps.queue.forget(key);
        // It had failed and works now (Vault is back, say): the others waiting out a backoff go again at once.
        if (recovered) deps.queue.retryFailedNow();
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
        this.retry(key, pod, restartCount, 'the intake said the wrapping token we delivered was already used', {
          transient: false,
        });
        return;
      }
      case 'unreachable':
        this.unsent.set(key, { uid: pod.uid, restartCount, secretId, issuedAt: Date.now() });
        // Usual while the pod starts: not said unless it lasts (SecretIdDelayed).
        this.retry(key, pod, restartCount, `intake at ${podIP}:${deps.intakePort} not reachable (${outcome.reason})`, {
          quiet: true,
        });
        return;
      case 'refused': {
        // 503: busy (a flood of deliveries) or Vault unreachable from the pod; the token was only looked up, never
        // unwrapped, so the same one is offered again rather than a new SecretID minted per try. Anything else (504:
        // Vault never answered the unwrap, which may have spent the token) gets a fresh one.
        if (outcome.status === 503)
          this.unsent.set(key, { uid: pod.uid, restartCount, secretId, issuedAt: Date.now() });
        const reason = `intake answered ${outcome.status}${outcome.detail ? `: ${outcome.detail}` : ''}`;
        // Said where an operator looks: a pod that keeps refusing is a pod that does not start.
        deps.log.warn('the init container did not take the SecretID; delivering again', { ...where, reason });
        this.retry(key, pod, restartCount, reason, { quiet: true });
        return;
      }
    }
  }

  /**
   * Queues the run again with backoff. A transient failure (Vault or the Secret API down, the intake not listening
   * yet) is retried for as long as the run waits — giving up would leave the pod waiting out SECRET_INIT_TIMEOUT
   * after the outage ended — and said once, as a Warning, when it reaches maxAttempts. Interceptions end there.
   */
  private retry(
    key: string,
    pod: PodView,
    restartCount: number,
    reason: string,
    { transient = true, quiet = false }: { transient?: boolean; quiet?: boolean } = {},
  ): void {
    if (this.deps.queue.attempts(key) + 1 >= this.deps.maxAttempts) {
      if (!transient) {
        this.giveUp(key, pod, restartCount, `gave up after ${this.deps.maxAttempts} attempts; last: ${reason}`);
        return;
      }
      this.sayDelayed(key, pod, restartCount, reason);
    }
    const attempt = this.deps.queue.addRateLimited(key);
    this.deps.metrics.retries.inc();
    // The first failure of a run is said where an operator looks; the next ones only once they add up.
    if (attempt === 1 && !quiet) {
      this.deps.log.warn('SecretID delivery failed; retrying', { pod: pod.name, namespace: pod.namespace, reason });
    }
    this.deps.log.debug('delivery will be retried', { pod: pod.name, namespace: pod.namespace, attempt, reason });
  }

  private sayDelayed(key: string, pod: PodView, restartCount: number, reason: string): void {
    const said = this.delayed.get(key);
    if (said && said.uid === pod.uid && said.restartCount >= restartCount) return;
    this.delayed.set(key, { uid: pod.uid, restartCount });
    const message = `no SecretID delivered after ${this.deps.maxAttempts} attempts; still trying. Last: ${reason}`;
    this.deps.log.warn('SecretID delivery delayed', { pod: pod.name, namespace: pod.namespace, reason });
    this.deps.events.record(podTarget(pod), 'Warning', 'SecretIdDelayed', message);
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
            path: CLAIM_PATH,
            value: String(restartCount),
          },
          {
            op: 'add',
            path: CLAIMANT_PATH,
            value: this.deps.identity,
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
/** Where a claim and its claimant are, as JSON pointers for the claim's and the hand-over's patches. */
const CLAIM_PATH = `/metadata/annotations/${jsonPointerToken(ANNOTATIONS.delivered)}`;
const CLAIMANT_PATH = `/metadata/annotations/${jsonPointerToken(ANNOTATIONS.claimedBy)}`;

export const podTarget = (pod: PodView) =>
  ({ kind: 'Pod', apiVersion: 'v1', namespace: pod.namespace, name: pod.name, uid: pod.uid }) as const;
