/** Background cascading deletion: when an owner is gone, its dependents (pods) are deleted. */
import type { Registry } from '../registry/generic.js';
import { pods } from '../registry/index.js';
import { groupResource } from '../registry/types.js';

export class GarbageCollector {
  private unsubscribe?: () => void;

  constructor(private readonly registry: Registry) {}

  start(): void {
    this.unsubscribe = this.registry.store.subscribe((event) => {
      if (event.type !== 'DELETED') return;
      const ownerUid = event.object.metadata.uid;
      setImmediate(() => {
        // Read in place (every deletion looks at every pod: copying them all made deleting N pods O(N²) copies).
        const dependents: { namespace: string | undefined; name: string }[] = [];
        for (const pod of this.registry.store.peekAll(groupResource(pods))) {
          if (pod.metadata.ownerReferences?.some((r) => r.uid === ownerUid))
            dependents.push({ namespace: pod.metadata.namespace, name: pod.metadata.name ?? '' });
        }
        for (const { namespace, name } of dependents) {
          try {
            this.registry.delete(pods, namespace, name, {});
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
