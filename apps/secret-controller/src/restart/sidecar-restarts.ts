/**
 * Restarts (deletes) a pod whose refresh sidecar failed: its Vault token and leases are no longer being kept
 * alive, so the app will soon hold dead credentials; a new pod gets fresh ones. Rate-limited by a token bucket
 * (SECRET_CONTROLLER_RESTARTS_PER_MINUTE) so a Vault outage that fails every sidecar at once cannot take every
 * pod of the cluster down together; a pod over the limit is looked at again when a token is due. And held while a
 * new pod could not start (the Secret API or its Vault down): the pod keeps serving on what it rendered, its sidecar
 * (restarted by the kubelet) may yet renew the token once Vault is back, and if not, the pod goes then.
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
  /** Whether a new pod could get its SecretID now (the Secret API's readiness; cached here for a few seconds). */
  canServeNewPods: () => Promise<boolean>;
  /** How long one readiness answer is trusted; {@link READINESS_TTL_MS} unless a test passes its own. */
  readinessTtlMs?: number;
}

/** How soon a held restart is looked at again, and how long one readiness answer is trusted. */
const HOLD_RECHECK_MS = 10_000;
const READINESS_TTL_MS = 5_000;

export class SidecarRestarts {
  private readonly bucket: TokenBucket;
  /** uid of pods already deleted, so a requeue before the informer sees the deletion does not delete twice. */
  private readonly deleted = new Set<string>();
  /** uid of pods whose held restart was said, so it is said once. */
  private readonly held = new Set<string>();
  private readiness: { at: number; answer: Promise<boolean> } | undefined;

  constructor(private readonly deps: SidecarRestartDeps) {
    this.bucket = new TokenBucket(deps.restartsPerMinute);
  }

  /** One readiness question for every restart within a few seconds: a Vault outage fails many sidecars at once. */
  private canServeNewPods(): Promise<boolean> {
    const now = Date.now();
    if (!this.readiness || now - this.readiness.at > (this.deps.readinessTtlMs ?? READINESS_TTL_MS)) {
      this.readiness = { at: now, answer: this.deps.canServeNewPods() };
    }
    return this.readiness.answer;
  }

  async restart(key: string, pod: PodView, why: string): Promise<void> {
    if (this.deleted.has(pod.uid)) return;
    if (!(await this.canServeNewPods())) {
      if (!this.held.has(pod.uid)) {
        this.held.add(pod.uid);
        if (this.held.size > 10_000) this.held.clear();
        this.deps.log.warn('holding the restart of a pod whose refresh sidecar failed: a new pod could not start now', {
          pod: pod.name,
          namespace: pod.namespace,
          reason: why,
          waitingFor: 'the Secret API and Vault to be ready',
        });
      }
      this.deps.queue.addAfter(key, HOLD_RECHECK_MS);
      return;
    }
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
