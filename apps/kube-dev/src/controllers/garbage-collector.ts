/** Background cascading deletion: when an owner is gone, its dependents (pods) are deleted. */
import type { Registry } from '../registry/generic.js';
import { pods } from '../registry/index.js';

export class GarbageCollector {
  private unsubscribe?: () => void;

  constructor(private readonly registry: Registry) {}

  start(): void {
    this.unsubscribe = this.registry.store.subscribe((event) => {
      if (event.type !== 'DELETED') return;
      const ownerUid = event.object.metadata.uid;
      setImmediate(() => {
        for (const pod of this.registry.list(pods, undefined)) {
          if (!pod.metadata.ownerReferences?.some((r) => r.uid === ownerUid)) continue;
          try {
            this.registry.delete(pods, pod.metadata.namespace, pod.metadata.name ?? '', {});
          } catch {
            // Deleted meanwhile.
          }
        }
      });
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }
}
