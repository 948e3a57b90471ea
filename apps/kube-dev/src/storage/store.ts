/**
 * The versioned object store, standing in for etcd behind the apiserver's
 * generic registry: one global revision counter (so resourceVersion is the
 * store revision, as with etcd), an event log that watches resume from, and
 * compaction that makes old revisions answer 410 Expired.
 */
import { clone, type KubeObject } from '../api/object.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  /** `group/resource`. */
  gr: string;
  revision: number;
  object: KubeObject;
  /** The state before a MODIFIED or DELETED, to decide selector transitions. */
  previous?: KubeObject;
}

export type StoreListener = (event: StoreEvent) => void;

export class RevisionTooOldError extends Error {
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

export interface StoreOptions {
  /** Events kept for watches to resume from; older revisions answer 410. */
  historySize?: number;
}

function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export class Store {
  private revision = 1;
  /** Watches from a revision below this one are expired (compacted away). */
  private compactedRevision = 1;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<StoreListener>();
  private readonly historySize: number;

  constructor(options: StoreOptions = {}) {
    this.historySize = options.historySize ?? 10_000;
  }

  currentRevision(): number {
    return this.revision;
  }

  get(gr: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.peek(gr, namespace, name);
    return found ? clone(found) : undefined;
  }

  /** The stored object itself, for reading only (comparisons, lookups): no copy. */
  peek(gr: string, namespace: string | undefined, name: string): Readonly<KubeObject> | undefined {
    return this.objects.get(gr)?.get(keyOf(namespace, name));
  }

  /** The stored objects of a resource, unordered, for reading only. */
  peekAll(gr: string): IterableIterator<Readonly<KubeObject>> {
    return (this.objects.get(gr) ?? new Map<string, KubeObject>()).values();
  }

  /** Objects of a resource, in one namespace or all, ordered like etcd keys. */
  list(gr: string, namespace?: string): KubeObject[] {
    const all = [...(this.objects.get(gr)?.entries() ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return all
      .map(([, obj]) => obj)
      .filter((obj) => namespace === undefined || obj.metadata.namespace === namespace)
      .map((obj) => clone(obj));
  }

  /** Stores a new object; the caller has checked that it does not exist. */
  create(gr: string, obj: KubeObject): KubeObject {
    const stored = this.stamp(obj);
    this.bucket(gr).set(keyOf(stored.metadata.namespace, stored.metadata.name ?? ''), stored);
    this.emit({ type: 'ADDED', gr, revision: this.revision, object: clone(stored) });
    return clone(stored);
  }

  update(gr: string, obj: KubeObject): KubeObject {
    const key = keyOf(obj.metadata.namespace, obj.metadata.name ?? '');
    const previous = this.bucket(gr).get(key);
    const stored = this.stamp(obj);
    this.bucket(gr).set(key, stored);
    this.emit({
      type: 'MODIFIED',
      gr,
      revision: this.revision,
      object: clone(stored),
      // The replaced object left the store: the event may keep it as it is.
      ...(previous ? { previous } : {}),
    });
    return clone(stored);
  }

  /** Removes an object; the DELETED event carries its last state stamped with the delete's revision. */
  delete(gr: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = keyOf(namespace, name);
    const previous = this.bucket(gr).get(key);
    if (!previous) return undefined;
    this.bucket(gr).delete(key);
    const last = this.stamp(previous);
    this.emit({ type: 'DELETED', gr, revision: this.revision, object: clone(last), previous });
    return clone(last);
  }

  /**
   * Events of one resource after `fromRevision`, for a watch that resumes.
   * Throws RevisionTooOldError when they were compacted away.
   */
  eventsSince(gr: string, fromRevision: number): StoreEvent[] {
    if (fromRevision < this.compactedRevision) throw new RevisionTooOldError(fromRevision, this.compactedRevision);
    return this.history.filter((e) => e.gr === gr && e.revision > fromRevision).map((e) => clone(e));
  }

  /** Forgets the history before the current revision, like an etcd compaction. */
  compact(): void {
    this.compactedRevision = this.revision;
    this.history.length = 0;
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private stamp(obj: KubeObject): KubeObject {
    this.revision += 1;
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(this.revision);
    return stored;
  }

  private bucket(gr: string): Map<string, KubeObject> {
    let bucket = this.objects.get(gr);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(gr, bucket);
    }
    return bucket;
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.historySize) {
      const dropped = this.history.splice(0, this.history.length - this.historySize);
      this.compactedRevision = (dropped.at(-1)?.revision ?? this.compactedRevision) + 0;
    }
    for (const listener of this.listeners) listener(event);
  }
}
