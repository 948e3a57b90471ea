/**
 * Which stores make up the server's state, and the bridge to the data dir.
 *
 * Core-wide stores register a named section; each mounted backend with a
 * `persistence` store is its own section `mount/<mount uuid>` (found through
 * the mount table at commit time, so mounts made later are covered). Saved
 * sections wait here until their store registers or claims them, so a store
 * that comes to life lazily still gets its state back.
 */
import type { PersistedEntries, Persistable } from './persistable.js';

/** What the registry writes through (a DataDir). */
export interface StateWriter {
  commit(sources: ReadonlyMap<string, Persistable>, keep: ReadonlySet<string>): void;
}

export const MOUNT_SECTION_PREFIX = 'mount/';

export function mountSection(uuid: string): string {
  return `${MOUNT_SECTION_PREFIX}${uuid}`;
}

export class PersistRegistry {
  private readonly named = new Map<string, Persistable>();
  private readonly pending = new Map<string, PersistedEntries>();
  private writer: StateWriter | undefined;

  constructor(private readonly mounts: () => Iterable<{ uuid: string; backend: { persistence?: Persistable } }>) {}

  /**
   * Restores the stores registered so far from saved state (in registration
   * order), keeps the rest for stores that register later, and from now on
   * commits through `writer`.
   */
  load(sections: Map<string, PersistedEntries>, writer: StateWriter): void {
    for (const [name, entries] of sections) this.pending.set(name, entries);
    for (const [name, store] of this.named) {
      const saved = this.claim(name);
      if (saved) store.restore(saved);
    }
    this.writer = writer;
  }

  /** Adds a core-wide store; if saved state for `section` is waiting, the store is restored from it now. */
  register(section: string, store: Persistable): void {
    this.named.set(section, store);
    const saved = this.claim(section);
    if (saved) store.restore(saved);
  }

  /** Takes the saved entries of a section (once). */
  claim(section: string): PersistedEntries | undefined {
    const saved = this.pending.get(section);
    this.pending.delete(section);
    return saved;
  }

  get persisting(): boolean {
    return this.writer !== undefined;
  }

  /** Every store that makes up the state now, by section. */
  sources(): Map<string, Persistable> {
    const sources = new Map(this.named);
    for (const mount of this.mounts()) {
      if (mount.backend.persistence) sources.set(mountSection(mount.uuid), mount.backend.persistence);
    }
    return sources;
  }

  /** Puts every change since the last commit on disk (no-op without a data dir). */
  commit(): void {
    if (!this.writer) return;
    this.writer.commit(this.sources(), new Set(this.pending.keys()));
  }

  /**
   * `commit()` for changes made between requests (expiry, housekeeping): a
   * failed write is not lost (the next commit compares everything) and has
   * no request to fail.
   */
  commitQuietly(): void {
    try {
      this.commit();
    } catch {
      // The next request or housekeeping round writes the same changes again.
    }
  }
}
