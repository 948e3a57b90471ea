/**
 * What follows a deletion (the garbage collector's and the namespace controller's work): an owner gone takes its
 * dependents of every kind with it (background propagation); a dependent gone may release an owner held by a
 * foreground deletion; the last object of a terminating namespace lets the namespace go.
 */
import type { Registry } from '../registry/generic.js';

export class GarbageCollector {
  private unsubscribe?: () => void;

  constructor(private readonly registry: Registry) {}

  start(): void {
    this.unsubscribe = this.registry.store.subscribe((event) => {
      if (event.type !== 'DELETED') return;
      const gone = event.object;
      setImmediate(() => {
        for (const dependent of this.registry.dependentsOf(gone)) this.registry.deleteQuietly(dependent);
        this.registry.releaseForegroundOwners(gone);
        if (gone.metadata.namespace !== undefined) this.registry.finishNamespace(gone.metadata.namespace);
      });
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }
}
