/**
 * RoleIDs as Vault answered them, reused for a short time. Vault stays the source of truth: a role
 * deleted or re-created in Vault (a new RoleID) is noticed at most `ttlMs` (default 1 s) after it
 * happened, in every process, since each entry expires on its own clock. Reads of one role while
 * its entry is being fetched share the one Vault read. Not-found is never cached. At most
 * `maxEntries` (default 10,000) roles, ~200 bytes each.
 */
export const DEFAULT_ROLE_ID_TTL_MS = 1_000;
export const DEFAULT_MAX_ROLE_IDS = 10_000;

interface Entry {
  roleId: Promise<string | null>;
  expiresAt: number;
}

export class RoleIdCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly ttlMs = DEFAULT_ROLE_ID_TTL_MS,
    private readonly maxEntries = DEFAULT_MAX_ROLE_IDS,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ttlMs >= 0) || !Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new Error('ttlMs must be >= 0 and maxEntries a positive integer');
    }
  }

  /** The cached RoleID of `rolePath`, or `read()`'s answer (shared with concurrent callers). */
  get(rolePath: string, read: () => Promise<string | null>): Promise<string | null> {
    const hit = this.entries.get(rolePath);
    if (hit && this.now() < hit.expiresAt) return hit.roleId;
    if (!hit && this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    const entry: Entry = { roleId: read(), expiresAt: this.now() + this.ttlMs };
    this.entries.set(rolePath, entry);
    const forget = () => {
      if (this.entries.get(rolePath) === entry) this.entries.delete(rolePath);
    };
    entry.roleId.then((roleId) => roleId === null && forget(), forget);
    return entry.roleId;
  }

  /** Drops one role's entry: this process just changed or removed the role. */
  forget(rolePath: string): void {
    this.entries.delete(rolePath);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
