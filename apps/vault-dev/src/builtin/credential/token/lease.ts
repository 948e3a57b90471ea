/**
 * A token's lease as Vault's expiration manager sees it (vault/expiration.go
 * leaseEntry, FetchLeaseTimesByToken, renewable(), ttl()). Shared by the
 * token store's lookup/renew handlers and the sys/leases endpoints.
 *
 * Which tokens have a lease: every service token the token store or an auth
 * method registers. Tokens made by `rootToken()` (path `auth/token/root`, the
 * dev root token and generate-root results) are created without one. Batch
 * tokens never have one; for them Vault synthesizes lease times from the
 * token itself (issue = creation second, expiry = issue + TTL).
 */
import type { TokenEntry } from '../../../vault/token-store.js';

export const ROOT_TOKEN_PATH = 'auth/token/root';

export interface LeaseTimes {
  /** Epoch ms. */
  issueTime: number;
  /** Epoch ms; 0 = never expires. */
  expireTime: number;
  /** Epoch ms; 0 = never renewed. */
  lastRenewal: number;
  /** The auth's own renewability (le.Auth.Renewable). */
  authRenewable: boolean;
  batch: boolean;
}

/** Whether the expiration manager holds a lease for this token. */
export function hasLease(entry: TokenEntry): boolean {
  return entry.type === 'service' && entry.path !== ROOT_TOKEN_PATH;
}

/** Vault's FetchLeaseTimesByToken; undefined when the token has no lease. */
export function leaseTimesOf(entry: TokenEntry): LeaseTimes | undefined {
  if (entry.type === 'batch') {
    const issueTime = Math.floor(entry.creationTime / 1000) * 1000;
    return {
      issueTime,
      expireTime: issueTime + entry.creationTTL * 1000,
      lastRenewal: 0,
      authRenewable: false,
      batch: true,
    };
  }
  if (!hasLease(entry)) return undefined;
  return {
    issueTime: entry.creationTime,
    expireTime: entry.expireTime,
    lastRenewal: entry.lastRenewal,
    authRenewable: entry.renewable,
    batch: false,
  };
}

/** leaseEntry.renewable(): whether the lease may be renewed, and if not, why (null = silently no). */
export function leaseRenewable(lease: LeaseTimes, now: number): { ok: boolean; error: string | null } {
  if (lease.expireTime === 0) return { ok: false, error: 'lease is not renewable' };
  if (lease.batch) return { ok: false, error: null };
  if (lease.expireTime < now) return { ok: false, error: 'lease expired' };
  if (!lease.authRenewable) return { ok: false, error: 'lease is not renewable' };
  return { ok: true, error: null };
}

/** leaseEntry.ttl(): whole seconds from `now` rounded to the second until expiry, truncated. */
export function leaseTTL(expireTime: number, now: number): number {
  const roundedNow = Math.round(now / 1000) * 1000;
  return Math.trunc((expireTime - roundedNow) / 1000);
}
