/**
 * Kubernetes Events for what a person must see (`kubectl describe pod` / `kubectl get events`). Recording is
 * best effort: an event that cannot be written is logged, never retried, and never fails the work it reports.
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

export class EventRecorder {
  private pending = new Set<Promise<void>>();

  constructor(
    private readonly client: KubeClient,
    private readonly instance: string,
    private readonly log: Logger,
  ) {}

  record(target: EventTarget, type: EventType, reason: string, message: string): void {
    const now = new Date().toISOString();
    const body = {
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
    };
    const p = this.client
      .create(`/api/v1/namespaces/${encodeURIComponent(target.namespace)}/events`, body)
      .then(
        () => undefined,
        (err: Error) =>
          this.log.warn('could not record an event', {
            reason,
            namespace: target.namespace,
            object: target.name,
            error: err.message,
          }),
      )
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Waits for the events being written (on shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
