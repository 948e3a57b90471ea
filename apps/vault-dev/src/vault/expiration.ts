/**
 * The secret half of Vault's expiration manager (vault/expiration.go): every
 * leased secret a secrets engine hands out (database credentials, AWS keys,
 * PKI certificates with `generate_lease`) is registered here under
 * `<request path>/<24 base62>`, indexed by the token that asked for it, and
 * revoked by its engine when it expires, when `sys/leases/revoke*` says so, or
 * when that token is revoked. Token leases stay with the token store.
 *
 * Lease entries are plain data, persisted one entry per lease (`lease/<id>`,
 * section `core/expiration`); the engines that revoke and renew them attach
 * themselves by mount point when they are mounted. Expiry is wall-clock time,
 * so after a restart every timer is armed again from the saved expire time
 * and a lease that ran out while the server was down is revoked at once.
 */
import {
  ChangeMarks,
  objectEntry,
  type JsonValue,
  type Persistable,
  type PersistedEntries,
} from '../persist/persistable.js';
import type { TokenInfo } from '../sdk/logical.js';
import { randomToken, type TokenStore } from './token-store.js';

export interface SecretLease {
  leaseId: string;
  /** Route prefix of the issuing mount (`database/`). */
  mountPoint: string;
  /** The engine's secret type (`creds`, `access_keys`, `pki`). */
  secretType: string;
  /** What the engine needs to revoke and renew (username, role, serial...). */
  internalData: Record<string, unknown>;
  /** The token the lease is indexed by; '' when none (orphan batch tokens). */
  tokenId: string;
  /** Epoch ms. */
  issueTime: number;
  /** Epoch ms. */
  expireTime: number;
  /** Epoch ms; 0 = never renewed. */
  lastRenewal: number;
  renewable: boolean;
}

/** What an engine does when one of its leases is revoked or renewed. */
export interface LeaseHandler {
  revoke(lease: SecretLease): Promise<void>;
  /** Renews for `increment` seconds (0 = the engine's default); answers the granted TTL. */
  renew(lease: SecretLease, increment: number): Promise<{ ttl: number; warnings: string[] }>;
}

export class LeaseError extends Error {}

/** Vault retries a failed revocation 6 times before it calls the lease irrevocable. */
const MAX_REVOKE_ATTEMPTS = 6;
const REVOKE_RETRY_BASE_MS = 1_000;
/** setTimeout's ceiling; longer leases re-arm when the timer fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const LEASE = 'lease/';

export class ExpirationManager implements Persistable {
  private readonly leases = new Map<string, SecretLease>();
  private readonly handlers = new Map<string, LeaseHandler>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  private readonly backgroundListeners: Array<() => void> = [];
  readonly changes = new ChangeMarks();

  constructor(
    private readonly tokens: TokenStore,
    private readonly now: () => number,
  ) {
    tokens.onRevoke((entry) => this.revokeByToken(entry.id));
  }

  /** An engine mounted at `mountPoint` revokes and renews the leases issued there. */
  attach(mountPoint: string, handler: LeaseHandler): void {
    this.handlers.set(mountPoint, handler);
  }

  /** The engine at `mountPoint` is gone (unmounted): its leases can no longer be renewed or revoked through it. */
  detach(mountPoint: string, handler: LeaseHandler): void {
    if (this.handlers.get(mountPoint) === handler) this.handlers.delete(mountPoint);
  }

  /** Called after a lease changed outside any request (expiry, a revoked token's leases): time to save. */
  onBackgroundChange(listener: () => void): void {
    this.backgroundListeners.push(listener);
  }

  /**
   * Registers a new lease for a secret just issued at `path` and answers its
   * id. Leases from a batch token are indexed by its parent (Vault's rule).
   */
  register(input: {
    path: string;
    mountPoint: string;
    secretType: string;
    internalData: Record<string, unknown>;
    token: TokenInfo | undefined;
    ttl: number;
    renewable: boolean;
  }): SecretLease {
    const now = this.now();
    const token = input.token;
    const lease: SecretLease = {
      leaseId: `${input.path.replace(/\/+$/, '')}/${randomToken(24)}`,
      mountPoint: input.mountPoint,
      secretType: input.secretType,
      internalData: input.internalData,
      tokenId: token ? (token.type === 'batch' ? token.parent : token.id) : '',
      issueTime: now,
      expireTime: now + input.ttl * 1000,
      lastRenewal: 0,
      renewable: input.renewable,
    };
    this.leases.set(lease.leaseId, lease);
    this.changes.mark(LEASE + lease.leaseId);
    this.schedule(lease);
    return lease;
  }

  /** A live lease (one that has not been revoked), expired or not. */
  lookup(leaseId: string): SecretLease | undefined {
    return this.leases.get(leaseId);
  }

  leaseIdsWithPrefix(prefix: string): string[] {
    return [...this.leases.keys()].filter((id) => id.startsWith(prefix));
  }

  /** sys/leases/renew: Vault's checks and texts, then the engine's renewal. */
  async renew(leaseId: string, increment: number): Promise<{ lease: SecretLease; ttl: number; warnings: string[] }> {
    const lease = this.leases.get(leaseId);
    if (!lease) throw new LeaseError('lease not found');
    const now = this.now();
    if (lease.expireTime < now) throw new LeaseError('lease expired');
    if (!lease.renewable) throw new LeaseError('lease is not renewable');
    const handler = this.handlers.get(lease.mountPoint);
    if (!handler) throw new LeaseError('failed to renew entry: no backend for the lease');
    let granted: { ttl: number; warnings: string[] };
    try {
      granted = await handler.renew(lease, increment);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new LeaseError(`failed to renew entry: resp: (*logical.Response)(nil) err: ${detail}`);
    }
    const { ttl, warnings } = granted;
    const after = this.now();
    lease.expireTime = after + ttl * 1000;
    lease.lastRenewal = after;
    this.changes.mark(LEASE + leaseId);
    this.schedule(lease);
    return { lease, ttl, warnings };
  }

  /** Revokes one lease through its engine; unknown ids are fine. Throws when the engine fails. */
  async revoke(leaseId: string): Promise<void> {
    const lease = this.leases.get(leaseId);
    if (!lease) return;
    const handler = this.handlers.get(lease.mountPoint);
    if (handler) await handler.revoke(lease);
    this.forget(leaseId);
  }

  /** revoke-force: drops the lease even when the engine cannot revoke it. */
  async revokeForce(leaseId: string): Promise<void> {
    try {
      await this.revoke(leaseId);
    } catch {
      this.forget(leaseId);
    }
  }

  /**
   * A revoked token takes its leases with it (in the background, as Vault). Like Vault's RevokeByToken, each lease
   * expires now, before the revoke answers: a lookup or renewal meanwhile finds it over (ttl 0), never still live.
   */
  revokeByToken(tokenId: string): void {
    const now = this.now();
    for (const lease of this.leases.values()) {
      if (lease.tokenId !== tokenId) continue;
      if (lease.expireTime > now) {
        lease.expireTime = now;
        this.changes.mark(LEASE + lease.leaseId);
      }
      void this.revokeInBackground(lease.leaseId);
    }
  }

  snapshot(): PersistedEntries {
    const out: PersistedEntries = {};
    for (const [id, lease] of this.leases) out[LEASE + id] = lease as unknown as JsonValue;
    return out;
  }

  /** The live lease: plain JSON already, and serialized at once (Persistable's contract). */
  entry(key: string): JsonValue | undefined {
    return key.startsWith(LEASE) ? (this.leases.get(key.slice(LEASE.length)) as unknown as JsonValue) : undefined;
  }

  /**
   * Takes the saved leases back and arms their timers from the wall clock: a
   * lease that expired while the server was down is revoked right away, as is
   * one whose token is gone (Vault revokes a token's leases with it).
   * Runs after the mounts are back, so every engine is attached.
   */
  restore(entries: PersistedEntries): void {
    this.close();
    this.leases.clear();
    this.failures.clear();
    for (const [key, value] of Object.entries(entries)) {
      if (!key.startsWith(LEASE)) continue;
      const lease = objectEntry(value, `lease ${key}`) as unknown as SecretLease;
      this.leases.set(lease.leaseId, lease);
    }
    this.changes.markAll();
    for (const lease of this.leases.values()) {
      if (lease.tokenId !== '' && !this.tokens.lookup(lease.tokenId)) {
        this.arm(lease.leaseId, 0, () => void this.revokeInBackground(lease.leaseId));
      } else {
        this.schedule(lease);
      }
    }
  }

  /** Stops every timer (server shutdown); leases stay registered. */
  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(lease: SecretLease): void {
    const delay = Math.min(Math.max(lease.expireTime - this.now(), 0), MAX_TIMER_MS);
    this.arm(lease.leaseId, delay, () => {
      const current = this.leases.get(lease.leaseId);
      if (!current) return;
      if (current.expireTime > this.now()) this.schedule(current);
      else void this.revokeInBackground(current.leaseId);
    });
  }

  private arm(leaseId: string, delay: number, fire: () => void): void {
    clearTimeout(this.timers.get(leaseId));
    const timer = setTimeout(fire, delay);
    timer.unref();
    this.timers.set(leaseId, timer);
  }

  /** Revocations under way in the background, which a shutdown lets finish (see {@link settle}). */
  private readonly inFlight = new Set<Promise<void>>();

  /**
   * Waits, at most `ms`, for the background revocations under way: a token revoked just before the server stops
   * (a pod's sidecar revoking as its cluster shuts down) still takes its database users with it. Vault does the
   * same work from its persisted leases after a restart; this server would too, but only at its next start.
   */
  async settle(ms: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
  }

  private revokeInBackground(leaseId: string): Promise<void> {
    const work = this.revokeNow(leaseId);
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }

  /** Revocation with Vault's retries; after the last failure the lease stays, irrevocable. */
  private async revokeNow(leaseId: string): Promise<void> {
    try {
      await this.revoke(leaseId);
      for (const listener of this.backgroundListeners) listener();
    } catch {
      const attempts = (this.failures.get(leaseId) ?? 0) + 1;
      this.failures.set(leaseId, attempts);
      if (attempts >= MAX_REVOKE_ATTEMPTS) return;
      this.arm(leaseId, REVOKE_RETRY_BASE_MS * 2 ** (attempts - 1), () => void this.revokeInBackground(leaseId));
    }
  }

  private forget(leaseId: string): void {
    clearTimeout(this.timers.get(leaseId));
    this.timers.delete(leaseId);
    this.failures.delete(leaseId);
    if (this.leases.delete(leaseId)) this.changes.mark(LEASE + leaseId);
  }
}

const managers = new WeakMap<TokenStore, ExpirationManager>();

/**
 * The expiration manager of the core owning `tokens` (one per core). Engines
 * and the sys/leases endpoints find the same one through the token store they
 * share, so the core needs no field of its own for it.
 */
export function expirationManagerOf(core: { readonly tokens: TokenStore; now(): number }): ExpirationManager {
  let manager = managers.get(core.tokens);
  if (!manager) {
    manager = new ExpirationManager(core.tokens, () => core.now());
    managers.set(core.tokens, manager);
  }
  return manager;
}
