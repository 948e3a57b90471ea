/**
 * Kubernetes Events for what a person must see (`kubectl describe pod` / `kubectl get events`). Recording is
 * best effort and never on the path of the work it reports: `record` queues the event and returns. A few are
 * written at a time, so a storm of a thousand deliveries neither holds a thousand requests in memory nor takes the
 * API server connections the deliveries need; beyond `maxBacklog` waiting events new ones are dropped (counted and
 * logged), as client-go's event broadcaster drops when its queue is full. An event that cannot be written is
 * logged, never retried.
 */
import type { Logger } from '../log.js';
import type { KubeClient } from './client.js';

export interface EventTarget {
  kind: 'Pod' | 'Deployment';
  apiVersion: string;
  namespace: string;
  name: string;
  uid?: string | undefined;
}

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  /** Events written at the same time. */
  concurrency?: number;
  /** Events waiting to be written before new ones are dropped. */
  maxBacklog?: number;
}

interface PendingEvent {
  namespace: string;
  reason: string;
  object: string;
  body: unknown;
}

export class EventRecorder {
  private readonly backlog: PendingEvent[] = [];
  private active = 0;
  private drained: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly maxBacklog: number;
  /** Events dropped because the backlog was full. */
  dropped = 0;

  constructor(
    private readonly client: Pick<KubeClient, 'createQuietly'>,
    private readonly instance: string,
    private readonly log: Logger,
    options: EventRecorderOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 4;
    this.maxBacklog = options.maxBacklog ?? 1000;
  }

  record(target: EventTarget, type: EventType, reason: string, message: string): void {
    if (this.backlog.length >= this.maxBacklog) {
      this.dropped++;
      // One line per hundred, so the drop itself cannot flood the log.
      if (this.dropped % 100 === 1) {
        this.log.warn('event backlog full; dropping events', { reason, dropped: this.dropped });
      }
      return;
    }
    const now = new Date().toISOString();
    this.backlog.push({
      namespace: target.namespace,
      reason,
      object: target.name,
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { generateName: `${target.name}.`, namespace: target.namespace },
        involvedObject: {
          kind: target.kind,
          apiVersion: target.apiVersion,
          namespace: target.namespace,
          name: target.name,
          ...(target.uid ? { uid: target.uid } : {}),
        },
        type,
        reason,
        message: message.slice(0, 1024),
        source: { component: 'secret-controller' },
        reportingComponent: 'secret-api.dev/secret-controller',
        reportingInstance: this.instance,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
    this.pump();
  }

  private pump(): void {
    while (this.active < this.concurrency && this.backlog.length > 0) {
      const event = this.backlog.shift() as PendingEvent;
      this.active++;
      this.client
        .createQuietly(`/api/v1/namespaces/${encodeURIComponent(event.namespace)}/events`, event.body)
        .catch((err: Error) =>
          this.log.warn('could not record an event', {
            reason: event.reason,
            namespace: event.namespace,
            object: event.object,
            error: err.message,
          }),
        )
        .finally(() => {
          this.active--;
          this.pump();
          if (this.active === 0 && this.backlog.length === 0) for (const resolve of this.drained.splice(0)) resolve();
        });
    }
  }

  /** Waits for the queued events to be written (on shutdown). */
  flush(): Promise<void> {
    if (this.active === 0 && this.backlog.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }
}
