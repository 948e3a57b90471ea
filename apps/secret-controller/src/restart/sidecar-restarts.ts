/**
 * Restarts (deletes) a pod whose refresh sidecar failed: its Vault token and leases are no longer being kept
 * alive, so the app will soon hold dead credentials; a new pod gets fresh ones. Rate-limited by a token bucket
 * (SECRET_CONTROLLER_RESTARTS_PER_MINUTE) so a Vault outage that fails every sidecar at once cannot take every
 * pod of the cluster down together; a pod over the limit is looked at again when a token is due.
 */
import { podPath, type KubeClient } from '../kube/client.js';
import type { EventRecorder } from '../kube/events.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { WorkQueue } from '../queue/work-queue.js';
import type { PodView } from '../delivery/pod-view.js';

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = perMinute;
    this.last = now();
  }

  /** Takes a token: 0 when granted, else the milliseconds until one is due. */
  take(): number {
    const t = this.now();
    this.tokens = Math.min(this.perMinute, this.tokens + ((t - this.last) * this.perMinute) / 60_000);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute);
  }
}

export interface SidecarRestartDeps {
  kube: Pick<KubeClient, 'delete'>;
  events: Pick<EventRecorder, 'record'>;
  queue: Pick<WorkQueue, 'addAfter'>;
  metrics: Metrics;
  log: Logger;
  restartsPerMinute: number;
}

export class SidecarRestarts {
  private readonly bucket: TokenBucket;
  /** uid of pods already deleted, so a requeue before the informer sees the deletion does not delete twice. */
  private readonly deleted = new Set<string>();

  constructor(private readonly deps: SidecarRestartDeps) {
    this.bucket = new TokenBucket(deps.restartsPerMinute);
  }

  async restart(key: string, pod: PodView, why: string): Promise<void> {
    if (this.deleted.has(pod.uid)) return;
    const wait = this.bucket.take();
    if (wait > 0) {
      this.deps.log.info('pod restart postponed by the rate limit', {
        pod: pod.name,
        namespace: pod.namespace,
        waitMs: wait,
      });
      this.deps.queue.addAfter(key, wait);
      return;
    }
    const target = { kind: 'Pod', apiVersion: 'v1', namespace: pod.namespace, name: pod.name, uid: pod.uid } as const;
    this.deps.events.record(target, 'Warning', 'SecretRefreshFailed', `Restarting the pod: ${why}`);
    try {
      // The uid precondition: never delete a newer pod that took the name meanwhile.
      await this.deps.kube.delete(podPath(pod.namespace, pod.name), {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        preconditions: { uid: pod.uid },
      });
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 404 || status === 409) return; // gone already, or replaced
      throw err;
    }
    this.deleted.add(pod.uid);
    if (this.deleted.size > 10_000) this.deleted.clear();
    this.deps.metrics.podRestarts.inc();
    this.deps.log.warn('pod restarted: its refresh sidecar failed', {
      pod: pod.name,
      namespace: pod.namespace,
      reason: why,
    });
  }
}
