/**
 * Leader election with a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it: the holder renews
 * `renewTime` every retry period; a candidate takes the Lease over once it has seen the same record unchanged
 * for a whole lease duration (measured on its own clock, so clocks need not agree); writes carry the
 * resourceVersion, so two candidates cannot both win. A leader that cannot renew before its renew deadline
 * stops working before anyone else may start. On a clean stop the Lease is released for a fast handover.
 *
 * The Lease also carries the leader's small durable state as annotations (the restart-on-change cursor).
 */
import type { KubeClient, KubeObject } from '../kube/client.js';
import type { Logger } from '../log.js';

export interface LeaseElectorOptions {
  namespace: string;
  name: string;
  identity: string;
  durationMs: number;
  /** Retry period: how often the leader renews and candidates look. */
  renewMs: number;
  onStartedLeading(annotations: Record<string, string>): void;
  onStoppedLeading(): void;
  /** Annotations written with every renewal. */
  annotations(): Record<string, string>;
}

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

type Lease = KubeObject & { spec?: LeaseSpec };

const microTime = (d = new Date()) => d.toISOString().replace(/Z$/, '000Z');

export class LeaseElector {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private leading = false;
  private lastRenew = 0;
  private observed = '';
  private observedAt = 0;
  private tick: Promise<void> = Promise.resolve();

  constructor(
    private readonly kube: Pick<KubeClient, 'get' | 'create' | 'replace'>,
    private readonly options: LeaseElectorOptions,
    private readonly log: Logger,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  private get path(): string {
    const { namespace, name } = this.options;
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases/${encodeURIComponent(name)}`;
  }

  start(): void {
    this.stopped = false;
    this.loop(0);
  }

  private loop(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick = this.tryAcquireOrRenew()
        .catch((err: Error) => this.log.warn('lease update failed', { lease: this.options.name, error: err.message }))
        .then(() => {
          // Renew deadline: a leader that could not renew for 2/3 of the duration steps down before it expires.
          if (this.leading && Date.now() - this.lastRenew > (this.options.durationMs * 2) / 3)
            this.stepDown('renew deadline passed');
          this.loop(this.options.renewMs);
        });
    }, ms);
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const now = new Date();
    const spec = (transitions: number, acquireTime: string): LeaseSpec => ({
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.options.durationMs / 1000)),
      acquireTime,
      renewTime: microTime(now),
      leaseTransitions: transitions,
    });
    let lease: Lease;
    try {
      lease = await this.kube.get<Lease>(this.path);
    } catch (err) {
      if ((err as { status?: number }).status !== 404) throw err;
      await this.kube.create(this.path.replace(/\/[^/]+$/, ''), {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: this.options.name,
          namespace: this.options.namespace,
          annotations: this.options.annotations(),
        },
        spec: spec(0, microTime(now)),
      });
      this.becomeLeader({});
      return;
    }
    const held = lease.spec ?? {};
    const record = `${held.holderIdentity ?? ''}|${held.renewTime ?? ''}`;
    if (record !== this.observed) {
      this.observed = record;
      this.observedAt = Date.now();
    }
    const mine = held.holderIdentity === this.options.identity;
    const durationMs = (held.leaseDurationSeconds ?? this.options.durationMs / 1000) * 1000;
    const free = !held.holderIdentity || Date.now() - this.observedAt > durationMs;
    if (!mine && !free) {
      if (this.leading) this.stepDown(`lease held by ${held.holderIdentity}`);
      return;
    }
    const transitions = (held.leaseTransitions ?? 0) + (mine ? 0 : 1);
    const updated: Lease = {
      ...lease,
      metadata: {
        ...lease.metadata,
        annotations: { ...lease.metadata.annotations, ...(this.leading ? this.options.annotations() : {}) },
      },
      spec: spec(transitions, mine && held.acquireTime ? held.acquireTime : microTime(now)),
    };
    try {
      await this.kube.replace(this.path, updated);
    } catch (err) {
      if ((err as { status?: number }).status === 409) {
        if (this.leading) this.stepDown('lost the lease to a concurrent writer');
        return;
      }
      throw err;
    }
    this.becomeLeader(lease.metadata.annotations ?? {});
  }

  private becomeLeader(annotations: Record<string, string>): void {
    this.lastRenew = Date.now();
    if (this.leading) return;
    this.leading = true;
    this.log.info('became the leader', { lease: this.options.name, identity: this.options.identity });
    this.options.onStartedLeading(annotations);
  }

  private stepDown(why: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.log.warn('stopped leading', { lease: this.options.name, reason: why });
    this.options.onStoppedLeading();
  }

  /** Stops taking part; `release` hands the Lease over at once (a clean shutdown), otherwise it just expires. */
  async stop(release: boolean): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.tick;
    const wasLeading = this.leading;
    this.stepDown('shutting down');
    if (!release || !wasLeading) return;
    try {
      const lease = await this.kube.get<Lease>(this.path);
      if (lease.spec?.holderIdentity !== this.options.identity) return;
      await this.kube.replace(this.path, {
        ...lease,
        metadata: { ...lease.metadata, annotations: { ...lease.metadata.annotations, ...this.options.annotations() } },
        spec: { ...lease.spec, holderIdentity: null, acquireTime: null, renewTime: null, leaseDurationSeconds: 1 },
      });
    } catch (err) {
      this.log.warn('could not release the lease', { error: (err as Error).message });
    }
  }
}
