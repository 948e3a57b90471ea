/**
 * Token storage, after Vault's `vault/token_store.go` and the token half of
 * `vault/expiration.go`: entries by id and accessor, the parent/child tree that
 * makes revocation cascade, use counts, and each service token's lease (issue
 * time, expiry, renewals). The `auth/token/*` HTTP paths live in
 * `builtin/credential/token/`; this module is the state they act on.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import {
  ChangeMarks,
  StateFormatError,
  objectEntry,
  type JsonValue,
  type Persistable,
  type PersistedEntries,
} from '../persist/persistable.js';
import type { Auth, TokenInfo } from '../sdk/logical.js';

/** Persisted entry name prefix: one entry per token. */
const TOKEN = 'token/';

export const SYSTEM_DEFAULT_TTL = 768 * 3600;
export const SYSTEM_MAX_TTL = 768 * 3600;

export interface TokenEntry {
  id: string;
  /** '' for batch tokens, which have no accessor in Vault. */
  accessor: string;
  /** Parent token id; '' for orphans. */
  parent: string;
  policies: string[];
  /** Creation path (`auth/token/create`, `auth/approle/login`, ...). */
  path: string;
  meta: Record<string, string> | null;
  displayName: string;
  /** Remaining uses; 0 = unlimited; -1 = last use spent, revocation pending. */
  numUses: number;
  /** Creation time, epoch milliseconds. */
  creationTime: number;
  /** TTL at creation in seconds (0 = never expires). */
  creationTTL: number;
  explicitMaxTTL: number;
  period: number;
  role: string;
  type: 'service' | 'batch';
  boundCidrs: string[];
  entityId: string;
  renewable: boolean;
  /** Epoch ms when the token expires; 0 = never. */
  expireTime: number;
  /** Epoch ms of the last renewal; 0 = never renewed. */
  lastRenewal: number;
  /** The most recent TTL granted (creation or renewal), used as the default renewal increment. */
  lastTTL: number;
  /** The login's auth block, for re-validation by the auth backend on renewal. */
  auth?: Auth;
  /** The auth mount that issued the token (`auth/approle/`), for renewal and lease prefixes. */
  mountPoint: string;
  /** Backend-specific cap on the token's life (role/backend max TTL), seconds; 0 = none. */
  maxTTL: number;
  /** Policy `response-wrapping` tokens: the cubbyhole holds the wrapped response. */
  isWrapping: boolean;
}

export interface NewToken {
  id?: string;
  parent: string;
  policies: string[];
  path: string;
  mountPoint: string;
  meta?: Record<string, string> | null;
  displayName: string;
  numUses?: number;
  ttl: number;
  explicitMaxTTL?: number;
  maxTTL?: number;
  period?: number;
  role?: string;
  type?: 'service' | 'batch';
  boundCidrs?: string[];
  entityId?: string;
  renewable: boolean;
  auth?: Auth;
  isWrapping?: boolean;
}

type RevocationListener = (entry: TokenEntry) => void;

export class TokenStore implements Persistable {
  private readonly byId = new Map<string, TokenEntry>();
  private readonly byAccessor = new Map<string, string>();
  private readonly byLeaseId = new Map<string, string>();
  private readonly children = new Map<string, Set<string>>();
  private salt = randomBytes(32);
  private readonly revocationListeners: RevocationListener[] = [];
  /**
   * Persistence marks: callers change entries in place (uses, renewals), so
   * every entry handed out is marked, as is every entry indexed or revoked.
   */
  readonly changes = new ChangeMarks();

  constructor(private readonly now: () => number = Date.now) {}

  /** Called for every revoked token (expiration revokes its leases, cubbyhole drops its storage). */
  onRevoke(listener: RevocationListener): void {
    this.revocationListeners.push(listener);
  }

  create(spec: NewToken): TokenEntry {
    const now = this.now();
    const type = spec.type ?? 'service';
    const id = spec.id ?? `${type === 'batch' ? 'hvb' : 'hvs'}.${randomToken(24)}`;
    const entry: TokenEntry = {
      id,
      accessor: type === 'batch' ? '' : randomToken(24),
      parent: spec.parent,
      policies: [...spec.policies],
      path: spec.path,
      meta: spec.meta ?? null,
      displayName: spec.displayName,
      numUses: spec.numUses ?? 0,
      creationTime: now,
      creationTTL: spec.ttl,
      explicitMaxTTL: spec.explicitMaxTTL ?? 0,
      period: spec.period ?? 0,
      role: spec.role ?? '',
      type,
      boundCidrs: spec.boundCidrs ?? [],
      entityId: spec.entityId ?? '',
      renewable: spec.renewable,
      expireTime: spec.ttl > 0 ? now + spec.ttl * 1000 : 0,
      lastRenewal: 0,
      lastTTL: spec.ttl,
      ...(spec.auth ? { auth: spec.auth } : {}),
      mountPoint: spec.mountPoint,
      maxTTL: spec.maxTTL ?? 0,
      isWrapping: spec.isWrapping ?? false,
    };
    this.index(entry);
    return entry;
  }

  private index(entry: TokenEntry): void {
    this.changes.mark(TOKEN + entry.id);
    this.byId.set(entry.id, entry);
    if (entry.accessor) this.byAccessor.set(entry.accessor, entry.id);
    this.byLeaseId.set(this.leaseIdOf(entry), entry.id);
    if (entry.parent) {
      let set = this.children.get(entry.parent);
      if (!set) this.children.set(entry.parent, (set = new Set()));
      set.add(entry.id);
    }
  }

  /** The salt (lease ids are HMACs under it, so it must survive too) and one entry per token. */
  snapshot(): PersistedEntries {
    const out: PersistedEntries = { salt: this.salt.toString('base64') };
    // Entries are plain JSON already and the snapshot is serialized at once: no copy needed.
    for (const [id, entry] of this.byId) out[TOKEN + id] = entry as unknown as JsonValue;
    return out;
  }

  entry(name: string): JsonValue | undefined {
    if (name === 'salt') return this.salt.toString('base64');
    return name.startsWith(TOKEN) ? (this.byId.get(name.slice(TOKEN.length)) as unknown as JsonValue) : undefined;
  }

  /**
   * Replaces every token with saved ones, as they were: expiry is wall-clock
   * time, so a token that ran out while the server was down is revoked on
   * first sight (or by the next sweep), like any expired token.
   */
  restore(entries: PersistedEntries): void {
    const salt = entries['salt'];
    if (typeof salt !== 'string' || salt === '') throw new StateFormatError('tokens: the salt is missing');
    this.byId.clear();
    this.byAccessor.clear();
    this.byLeaseId.clear();
    this.children.clear();
    this.salt = Buffer.from(salt, 'base64');
    this.changes.markAll();
    for (const [key, value] of Object.entries(entries)) {
      if (!key.startsWith('token/')) continue;
      const entry = objectEntry(value, `token ${key}`) as unknown as TokenEntry;
      if (typeof entry.id !== 'string' || typeof entry.expireTime !== 'number' || !Array.isArray(entry.policies)) {
        throw new StateFormatError('tokens: a saved token is incomplete');
      }
      this.index(entry);
    }
  }

  /** A live token by id: unknown, expired and spent tokens are undefined (expired ones are revoked). */
  lookup(id: string): TokenEntry | undefined {
    const entry = this.unexpired(id);
    if (!entry || entry.numUses === -1) return undefined;
    return entry;
  }

  /**
   * The entry even when its last use is being spent (revocation pending),
   * unless expired or gone: Vault's lookupTainted.
   */
  lookupTainted(id: string): TokenEntry | undefined {
    return this.unexpired(id);
  }

  /**
   * The entry unless it is gone or its lease has run out. Vault's expiration
   * manager revokes a token the moment it expires, and with it the token's
   * whole subtree: an expired token, or a token under an expired ancestor, is
   * revoked here (on first sight) rather than waiting for the sweep.
   */
  private unexpired(id: string): TokenEntry | undefined {
    if (!id) return undefined;
    const entry = this.byId.get(id);
    if (!entry) return undefined;
    this.changes.mark(TOKEN + id);
    const expired = this.topmostExpired(entry);
    if (expired) {
      this.revokeTree(expired.id);
      return undefined;
    }
    return entry;
  }

  /** The highest expired token on the path from this entry up to its root, if any. */
  private topmostExpired(entry: TokenEntry): TokenEntry | undefined {
    let found = this.isExpired(entry) ? entry : undefined;
    const seen = new Set([entry.id]);
    let parentId = entry.parent;
    while (parentId && !seen.has(parentId)) {
      seen.add(parentId);
      const parent = this.byId.get(parentId);
      if (!parent) break;
      if (this.isExpired(parent)) found = parent;
      parentId = parent.parent;
    }
    return found;
  }

  lookupByAccessor(accessor: string): TokenEntry | undefined {
    const id = this.byAccessor.get(accessor);
    return id === undefined ? undefined : this.lookup(id);
  }

  lookupByLeaseId(leaseId: string): TokenEntry | undefined {
    const id = this.byLeaseId.get(leaseId);
    return id === undefined ? undefined : this.lookup(id);
  }

  /** The token's lease id: `<creation path>/h<hmac of id>`, as Vault builds it. */
  leaseIdOf(entry: TokenEntry): string {
    return `${entry.path}/${this.saltedId(entry.id)}`;
  }

  saltedId(id: string): string {
    return `h${createHmac('sha256', this.salt).update(id).digest('hex')}`;
  }

  isExpired(entry: TokenEntry): boolean {
    return entry.expireTime > 0 && this.now() >= entry.expireTime;
  }

  /** Remaining TTL in whole seconds (0 for non-expiring tokens). */
  remainingTTL(entry: TokenEntry): number {
    if (entry.expireTime === 0) return 0;
    return Math.max(0, Math.round((entry.expireTime - this.now()) / 1000));
  }

  /**
   * Spends one use. Returns true when that was the last use: the token still
   * serves this request, then must be revoked (Vault's tokenRevocationPending).
   */
  use(entry: TokenEntry): boolean {
    this.changes.mark(TOKEN + entry.id);
    if (entry.numUses <= 0) return false;
    entry.numUses -= 1;
    if (entry.numUses === 0) {
      entry.numUses = -1;
      return true;
    }
    return false;
  }

  /** Extends a token's lease to `ttl` seconds from now. */
  setTTL(entry: TokenEntry, ttl: number): void {
    this.changes.mark(TOKEN + entry.id);
    const now = this.now();
    entry.expireTime = ttl > 0 ? now + ttl * 1000 : entry.expireTime;
    entry.lastRenewal = now;
    entry.lastTTL = ttl;
  }

  /** Revokes the token and every descendant; orphans are not descendants. */
  revokeTree(id: string): void {
    const stack = [id];
    const order: string[] = [];
    while (stack.length > 0) {
      const current = stack.pop() as string;
      order.push(current);
      for (const child of this.children.get(current) ?? []) stack.push(child);
    }
    // Children first, as Vault revokes leaves before their parents.
    for (const tokenId of order.reverse()) this.revokeOne(tokenId);
  }

  /** Revokes only this token; its children become orphans (revoke-orphan). */
  revokeOrphan(id: string): void {
    for (const child of this.children.get(id) ?? []) {
      const entry = this.byId.get(child);
      if (entry) entry.parent = '';
      this.changes.mark(TOKEN + child);
    }
    this.children.delete(id);
    this.revokeOne(id);
  }

  private revokeOne(id: string): void {
    const entry = this.byId.get(id);
    if (!entry) return;
    this.byId.delete(id);
    this.changes.mark(TOKEN + id);
    if (entry.accessor) this.byAccessor.delete(entry.accessor);
    this.byLeaseId.delete(this.leaseIdOf(entry));
    this.children.delete(id);
    if (entry.parent) this.children.get(entry.parent)?.delete(id);
    for (const listener of this.revocationListeners) listener(entry);
  }

  /** Every live token whose lease id starts with `prefix` (revoke-prefix, leases lookup). */
  leaseIdsWithPrefix(prefix: string): string[] {
    const out: string[] = [];
    for (const [leaseId, id] of this.byLeaseId) {
      const entry = this.byId.get(id);
      if (entry && !this.topmostExpired(entry) && leaseId.startsWith(prefix)) out.push(leaseId);
    }
    return out;
  }

  accessors(): string[] {
    return [...this.byAccessor.keys()];
  }

  /** Revokes expired tokens; the core calls this periodically. */
  sweepExpired(): void {
    for (const entry of [...this.byId.values()]) {
      if (this.byId.has(entry.id) && this.isExpired(entry)) this.revokeTree(entry.id);
    }
  }

  info(entry: TokenEntry): TokenInfo {
    return {
      id: entry.id,
      accessor: entry.accessor,
      policies: entry.policies,
      displayName: entry.displayName,
      entityId: entry.entityId,
      numUses: entry.numUses,
      path: entry.path,
      meta: entry.meta,
      type: entry.type,
      parent: entry.parent,
    };
  }
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random base62 string, like Vault's token and accessor suffixes. */
export function randomToken(length: number): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  for (let i = 0; i < bytes.length && out.length < length; i++) {
    const b = bytes[i] as number;
    if (b < 248) out += BASE62[b % 62];
  }
  return out.length === length ? out : out + randomToken(length - out.length);
}

export { randomUUID };
