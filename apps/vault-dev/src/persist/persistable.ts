/**
 * The one thing a store implements to survive a restart when vault-dev runs
 * with a data dir (`-dev-data-dir`, `startVaultDev({ dataDir })`).
 *
 * A store describes its whole state as named entries (think of Vault's
 * storage keys: `role/web`, `k/app/db`); each value is plain JSON. After every
 * request the data dir compares each entry with what it last wrote and
 * journals only the entries that changed, so pick entry names at the
 * granularity one request touches (one per KV key, one per role), not one
 * entry for the whole store.
 *
 * Secrets engines expose their store as `Backend.persistence`; the core finds
 * it per mount (section `mount/<mount uuid>`) and restores it after the mount
 * table, before the first request. Core-wide stores register a named section
 * with `PersistRegistry.register` instead.
 *
 * A store whose state can grow (one entry per key, token, lease) should also
 * track its changes (`changes` + `entry`): then a commit looks at the entries
 * marked since the last one instead of the whole snapshot, so a request costs
 * what it touched, not what the server holds.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A store's state: entry name → JSON value. */
export type PersistedEntries = Record<string, JsonValue>;

export interface Persistable {
  /**
   * Every entry of the current state. Must be deterministic (same state, same
   * JSON). Runs after every request unless the store tracks its changes
   * (then only at start-up and after a failed write), so keep it cheap: the values are
   * serialized at once and not kept, so live objects that are already plain
   * JSON may be returned as they are (no defensive copies).
   */
  snapshot(): PersistedEntries;
  /**
   * Replaces the state with one `snapshot()` produced earlier (maybe by an
   * older build: tolerate missing fields). Called at most once, before the
   * server answers requests. Throw `StateFormatError` for data it cannot use.
   */
  restore(entries: PersistedEntries): void;
  /**
   * Optional change tracking: every method that may change an entry marks
   * its name here (marking too often is harmless: an unchanged entry is not
   * written). Without it the store is compared whole after every request.
   */
  readonly changes?: ChangeMarks;
  /** With `changes`: one entry's current value, undefined once it is gone. Same JSON as `snapshot()` gives. */
  entry?(name: string): JsonValue | undefined;
}

/**
 * The entry names a store changed since the data dir last looked. Starts
 * (and after `markAll`) as "everything", so a fresh or restored store is
 * compared whole once.
 */
export class ChangeMarks {
  private names = new Set<string>();
  private all = true;

  mark(name: string): void {
    if (!this.all) this.names.add(name);
  }

  /** A wholesale change (restore, clear): the next commit compares the whole snapshot. */
  markAll(): void {
    this.all = true;
    this.names.clear();
  }

  /** The marks so far, cleared: a set of names, or 'all'. */
  take(): ReadonlySet<string> | 'all' {
    if (this.all) {
      this.all = false;
      return 'all';
    }
    const taken = this.names;
    this.names = new Set();
    return taken;
  }
}

/** Saved state a store cannot make sense of; start-up fails with this message. */
export class StateFormatError extends Error {}

/** Nanosecond timestamps (bigint) as JSON: decimal text. */
export function nanosToJson(value: bigint): string {
  return value.toString();
}

export function nanosFromJson(value: JsonValue | undefined): bigint {
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new StateFormatError(`expected a nanosecond timestamp, found ${JSON.stringify(value)}`);
}

/** A deep copy that is plain JSON (for snapshotting objects that are JSON already). */
export function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
}

/** Reads back an object entry a store wrote itself. */
export function objectEntry(value: JsonValue | undefined, what: string): { [key: string]: JsonValue } {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
  throw new StateFormatError(`${what}: expected an object`);
}
