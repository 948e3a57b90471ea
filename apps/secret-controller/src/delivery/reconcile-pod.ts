/**
 * The reconcile function for one pod key, safe to run again at any time: reads the informer's cache, decides
 * (pod-view.ts), acts. Delivery: a wrapped SecretID bound to the pod IP, POSTed to the intake; the outcome an
 * Event on the pod. Served pods are remembered per (uid, init container restartCount) here and on the pod
 * (annotation), so neither a requeue nor a new leader sends a second SecretID to the same container run.
 */
import type { TSecretIdResponse } from '@secret-api/contract';
import { ANNOTATIONS } from '../config.js';
import { podPath, type KubeClient } from '../kube/client.js';
import type { EventRecorder } from '../kube/events.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { WorkQueue } from '../queue/work-queue.js';
import type { SidecarRestarts } from '../restart/sidecar-restarts.js';
import { SecretApiError, type SecretApiClient } from '../secret-api/client.js';
import { deliverToIntake } from './intake.js';
import { decide, type PodView } from './pod-view.js';

export interface PodReconcilerDeps {
  cache: { get(key: string): PodView | undefined };
  queue: Pick<WorkQueue, 'addRateLimited' | 'forget' | 'attempts'>;
  secretApi: Pick<SecretApiClient, 'issueSecretId'>;
  kube: Pick<KubeClient, 'patch'>;
  events: Pick<EventRecorder, 'record'>;
  restarts: Pick<SidecarRestarts, 'restart'>;
  metrics: Metrics;
  log: Logger;
  intakePort: number;
  maxAttempts: number;
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
  private readonly served = new Map<string, Mark>();
  private readonly failed = new Map<string, Mark>();
  private readonly unsent = new Map<string, Unsent>();

  constructor(private readonly deps: PodReconcilerDeps) {}

  private markOf(map: Map<string, Mark>, key: string, pod: PodView): number | undefined {
    const mark = map.get(key);
    return mark && mark.uid === pod.uid ? mark.restartCount : undefined;
  }

  async reconcile(key: string): Promise<void> {
    const pod = this.deps.cache.get(key);
    if (!pod) {
      this.served.delete(key);
      this.failed.delete(key);
      this.unsent.delete(key);
      this.deps.queue.forget(key);
      return;
    }
    const action = decide(pod, this.markOf(this.served, key, pod));
    if (action.kind === 'restart') {
      await this.deps.restarts.restart(key, pod, action.message);
      return;
    }
    if (action.kind !== 'deliver') return;
    const failedFor = this.markOf(this.failed, key, pod);
    if (failedFor !== undefined && failedFor >= action.restartCount) return; // gave up on this container run
    await this.deliver(key, pod, action.app, action.podIP, action.restartCount);
  }

  private async deliver(key: string, pod: PodView, app: string, podIP: string, restartCount: number): Promise<void> {
    const { deps } = this;
    const where = { pod: pod.name, namespace: pod.namespace, app, podIP };
    const started = performance.now();
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

    let outcome;
    try {
      outcome = await deliverToIntake(podIP, deps.intakePort, secretId);
    } catch (err) {
      // It may have reached the pod: never offered again; a fresh one next time.
      this.retry(key, pod, restartCount, `intake: ${(err as Error).message}`);
      return;
    }
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
        this.annotate(pod, restartCount);
        return;
      }
      case 'intercepted': {
        // The pod fails (secret-init exits 3); its restart brings a new restartCount and a new delivery.
        this.served.set(key, { uid: pod.uid, restartCount });
        deps.queue.forget(key);
        deps.metrics.interceptions.inc();
        deps.log.error('ALARM: the init container says its wrapping token was already used', where);
        deps.events.record(
          podTarget(pod),
          'Warning',
          'SecretIdIntercepted',
          `The init container reports that the SecretID delivered for app ${app} had already been unwrapped: it may have been intercepted`,
        );
        this.annotate(pod, restartCount);
        return;
      }
      case 'unreachable':
        this.unsent.set(key, { uid: pod.uid, restartCount, secretId, issuedAt: Date.now() });
        this.retry(key, pod, restartCount, `intake at ${podIP}:${deps.intakePort} not reachable (${outcome.reason})`);
        return;
      case 'refused':
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

  /** Best effort: the in-memory mark already protects this replica; the annotation protects the next leader. */
  private annotate(pod: PodView, restartCount: number): void {
    this.deps.kube
      .patch(podPath(pod.namespace, pod.name), {
        metadata: { annotations: { [ANNOTATIONS.delivered]: String(restartCount) } },
      })
      .catch((err: Error) =>
        this.deps.log.debug('could not annotate the pod', {
          pod: pod.name,
          namespace: pod.namespace,
          error: err.message,
        }),
      );
  }
}

export const podTarget = (pod: PodView) =>
  ({ kind: 'Pod', apiVersion: 'v1', namespace: pod.namespace, name: pod.name, uid: pod.uid }) as const;
