/**
 * Identities of tokens that already passed verification, so a client sending the same bearer token
 * on every request pays one signature check, not one per request.
 *
 * Bounds (why a cached answer is as good as a fresh one):
 * - Keyed by the token's SHA-256, so the cache never holds a usable credential.
 * - An entry expires at the token's own `exp`, never later: the clock-skew leeway that verification
 *   grants is not extended. Only successful verifications are cached; a rejected token is checked
 *   again each time.
 * - At most `maxEntries` (default 10,000) entries, ~1 KiB each with a typical group list: ≤ ~10 MiB.
 *   When full, the oldest entry goes; expired entries go when next looked up.
 */
import { hash } from 'node:crypto';
import type { Identity } from './identity.js';

export const DEFAULT_MAX_VERIFIED_TOKENS = 10_000;

interface Entry {
  identity: Identity;
  /** Milliseconds since the epoch: the token's `exp`. */
  expiresAt: number;
}

export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = DEFAULT_MAX_VERIFIED_TOKENS,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error('maxEntries must be a positive integer');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The token's SHA-256: what entries are keyed by. One-shot: no Hash object per request. */
  static keyOf(token: string): string {
    return hash('sha256', token, 'base64url');
  }

  get(key: string): Identity | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.identity;
  }

  /** `expSeconds` is the verified token's `exp` claim; a token already past it is not stored. */
  set(key: string, identity: Identity, expSeconds: number): void {
    const expiresAt = expSeconds * 1000;
    if (!Number.isFinite(expiresAt) || this.now() >= expiresAt) return;
    if (!this.entries.has(key) && this.entries.size >= this.maxEntries) this.evict();
    // Frozen: every request with this token shares the object.
    const shared = Object.freeze({ ...identity, groups: Object.freeze([...identity.groups]) });
    this.entries.set(key, { identity: shared, expiresAt });
  }

  clear(): void {
    this.entries.clear();
  }

  /** O(1): Map iteration is insertion order, so the first key is the oldest entry. */
  private evict(): void {
    this.entries.delete(this.entries.keys().next().value as string);
  }
}
