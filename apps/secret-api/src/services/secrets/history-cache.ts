/**
 * History pages as the API answered them, reused for a short time. A history read costs a Vault
 * metadata read and two statements — three loopback exchanges, most of its CPU — while a key's
 * history changes only when the key is written. Bounds:
 * - A page is served at most `ttlMs` (default 1 s) after it was read: the longest that a version
 *   written, deleted or destroyed in Vault outside the API (or a change whose notice was lost) goes
 *   unseen.
 * - A change of a key through any API process — a set, rollback, delete, or a repair — drops that
 *   key's pages here at once and, through PostgreSQL NOTIFY, in every other process
 *   (secret-changes.ts); a change of apps or clusters drops every page.
 * - A read in flight when its key changes answers its own callers but is not kept.
 * - Not-found and failures are never kept.
 * - At most `maxItems` (default 20,000) history items across all pages, ~0.3 KiB each (≈ 6 MiB),
 *   an empty page counting as one; a page larger than that alone is not kept. The keys held longest
 *   go first. Pages still being read are one per request in flight.
 */
import type { TSecretHistory } from '@secret-api/contract';

export const DEFAULT_HISTORY_TTL_MS = 1_000;
export const DEFAULT_MAX_HISTORY_ITEMS = 20_000;

interface KeyEntry {
  expiresAt: number;
  pages: Map<string, Promise<TSecretHistory>>;
  /** Items of this key's settled pages, counted towards `maxItems`. */
  items: number;
}

export interface HistoryCacheOptions {
  ttlMs?: number | undefined;
  maxItems?: number | undefined;
  now?: (() => number) | undefined;
}

export class HistoryCache {
  private readonly keys = new Map<string, KeyEntry>();
  private items = 0;
  readonly ttlMs: number;
  private readonly maxItems: number;
  private readonly now: () => number;

  constructor(options: HistoryCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_HISTORY_TTL_MS;
    this.maxItems = options.maxItems ?? DEFAULT_MAX_HISTORY_ITEMS;
    this.now = options.now ?? Date.now;
    if (!(this.ttlMs >= 0) || !Number.isInteger(this.maxItems) || this.maxItems < 1) {
      throw new Error('ttlMs must be >= 0 and maxItems a positive integer');
    }
  }

  /**
   * The page `page` (cursor and limit) of the key at `path`: kept, or `read()`'s answer, shared by
   * every caller asking meanwhile.
   */
  get(path: string, page: string, read: () => Promise<TSecretHistory>): Promise<TSecretHistory> {
    let entry = this.keys.get(path);
    if (entry && this.now() >= entry.expiresAt) {
      this.drop(path, entry);
      entry = undefined;
    }
    const kept = entry?.pages.get(page);
    if (kept) return kept;
    if (!entry) {
      entry = { expiresAt: this.now() + this.ttlMs, pages: new Map(), items: 0 };
      this.keys.set(path, entry);
    }
    const answer = read();
    const owner = entry;
    owner.pages.set(page, answer);
    answer.then(
      (history) => this.settled(path, owner, page, answer, history),
      () => this.forgetPage(path, owner, page, answer),
    );
    return answer;
  }

  /** Drops the key's pages: it changed, here or in another process. */
  forget(path: string): void {
    const entry = this.keys.get(path);
    if (entry) this.drop(path, entry);
  }

  /** Drops every page. */
  clear(): void {
    this.keys.clear();
    this.items = 0;
  }

  /** History items held by settled pages. */
  get size(): number {
    return this.items;
  }

  private settled(
    path: string,
    entry: KeyEntry,
    page: string,
    answer: Promise<TSecretHistory>,
    history: TSecretHistory,
  ): void {
    // Forgotten (or expired and replaced) while it was read: its callers have it, nobody else may.
    if (this.keys.get(path) !== entry || entry.pages.get(page) !== answer) return;
    const items = Math.max(1, history.items.length);
    // An empty page counts as one item: the number of keys kept is bounded too.
    if (items > this.maxItems) return this.forgetPage(path, entry, page, answer);
    // Frozen, its callers and every later one share it unchanged, and the pipeline checks and serializes it once.
    freezeDeep(history);
    entry.items += items;
    this.items += items;
    for (const [oldest, held] of this.keys) {
      if (this.items <= this.maxItems) break;
      if (held !== entry) this.drop(oldest, held);
    }
    if (this.items > this.maxItems) this.drop(path, entry);
  }

  private forgetPage(path: string, entry: KeyEntry, page: string, answer: Promise<TSecretHistory>): void {
    if (entry.pages.get(page) !== answer) return;
    entry.pages.delete(page);
    // Reads of keys that do not exist must not leave an entry each behind.
    if (entry.pages.size === 0 && this.keys.get(path) === entry) this.drop(path, entry);
  }

  private drop(path: string, entry: KeyEntry): void {
    this.keys.delete(path);
    this.items -= entry.items;
  }
}

function freezeDeep(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const inner of Object.values(value)) freezeDeep(inner);
}
