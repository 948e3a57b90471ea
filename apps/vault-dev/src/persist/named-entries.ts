/**
 * A store's family of named items persisted one entry each (`role/<name>`, `config/<name>`), the way Vault
 * keeps them in a mount's storage: every change marks exactly its entry, so a commit journals only what a
 * request touched. Stores compose one per family instead of repeating the map, the marks and the
 * snapshot/restore plumbing.
 */
import { type ChangeMarks, type JsonValue, type PersistedEntries, objectEntry } from './persistable.js';

export class NamedEntries<T extends object> {
  // A Map, not an object: a name such as `__proto__` is a valid Vault name.
  private items = new Map<string, T>();

  constructor(
    /** The entry-name prefix, e.g. `role/`. */
    readonly prefix: string,
    private readonly changes: ChangeMarks,
    /** Names the store in a StateFormatError, e.g. `database`. */
    private readonly owner: string,
  ) {}

  get(name: string): T | undefined {
    return this.items.get(name);
  }

  /** Stores a copy, so a caller's later edits to `value` are not silently part of the state. */
  put(name: string, value: T): void {
    this.items.set(name, structuredClone(value));
    this.changes.mark(this.prefix + name);
  }

  delete(name: string): void {
    this.items.delete(name);
    this.changes.mark(this.prefix + name);
  }

  names(): string[] {
    return [...this.items.keys()].sort();
  }

  /** Adds every item's entry to `out`. */
  snapshotInto(out: PersistedEntries): void {
    for (const [name, value] of this.items) out[this.prefix + name] = value as unknown as JsonValue;
  }

  owns(key: string): boolean {
    return key.startsWith(this.prefix);
  }

  /** The live object of an entry of this family (plain JSON already), or undefined. */
  entry(key: string): JsonValue | undefined {
    return this.items.get(key.slice(this.prefix.length)) as unknown as JsonValue | undefined;
  }

  /** Replaces the family with the entries of a snapshot that belong to it. */
  restoreFrom(entries: PersistedEntries): void {
    this.items = new Map();
    for (const [key, value] of Object.entries(entries)) {
      if (this.owns(key))
        this.items.set(key.slice(this.prefix.length), objectEntry(value, `${this.owner} ${key}`) as T);
    }
  }
}
