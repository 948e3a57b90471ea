/**
 * The things kept alive — the token and each lease — and the Vault calls for each kind:
 * look up (at start), renew, revoke. An item's id in logs and status is its lease id, or for
 * the token its accessor: neither is a secret.
 */
import type { Hint } from './config.js';
import type { VaultClient, VaultEnvelope } from './vault.js';

export type ItemState = 'starting' | 'ok' | 'retrying' | 'lost' | 'revoked' | 'left';

export interface Item {
  kind: 'token' | 'lease';
  /** Lease id, or `token` / `token <accessor>`. */
  label: string;
  leaseId: string | undefined;
  accessor: string | undefined;
  /** The Vault path that created a lease, when known. */
  path: string | undefined;
  renewable: boolean;
  /** Seconds each renewal asks for: the TTL the item was first granted. */
  askSeconds: number;
  /** Seconds the last lookup or renewal granted. */
  grantedSeconds: number;
  /** ms since the epoch; null for a token that never expires. */
  expiresAt: number | null;
  lastRenewal: number | null;
  renewals: number;
  state: ItemState;
  /** Why the last attempt failed, or why it was lost (no secrets: Vault's error text or ours). */
  problem: string | undefined;
}

export function tokenItem(hint: (Hint & { accessor: string | undefined }) | undefined): Item {
  return {
    kind: 'token',
    label: hint?.accessor ? `token ${hint.accessor}` : 'token',
    leaseId: undefined,
    accessor: hint?.accessor,
    path: undefined,
    renewable: hint?.renewable ?? true,
    askSeconds: hint?.ttl ?? 0,
    grantedSeconds: hint?.ttl ?? 0,
    expiresAt: hint?.expiresAt?.getTime() ?? null,
    lastRenewal: null,
    renewals: 0,
    state: 'starting',
    problem: undefined,
  };
}

export function leaseItem(lease: { leaseId: string; path: string | undefined; hint: Hint | undefined }): Item {
  return {
    kind: 'lease',
    label: lease.leaseId,
    leaseId: lease.leaseId,
    accessor: undefined,
    path: lease.path,
    renewable: lease.hint?.renewable ?? true,
    askSeconds: lease.hint?.ttl ?? 0,
    grantedSeconds: lease.hint?.ttl ?? 0,
    expiresAt: lease.hint?.expiresAt?.getTime() ?? null,
    lastRenewal: null,
    renewals: 0,
    state: 'starting',
    problem: undefined,
  };
}

/** Reads the item's current TTL from Vault and updates it. */
export async function lookup(vault: VaultClient, item: Item, timeoutMs: number, now: () => number): Promise<void> {
  if (item.kind === 'token') {
    // GET: the default policy grants only `read` on lookup-self.
    const env = await vault.call({ method: 'GET', path: 'auth/token/lookup-self', timeoutMs });
    const d = env.data ?? {};
    const ttl = num(d['ttl']);
    const accessor = typeof d['accessor'] === 'string' && d['accessor'] ? d['accessor'] : item.accessor;
    item.accessor = accessor;
    item.label = accessor ? `token ${accessor}` : 'token';
    item.renewable = d['renewable'] === true;
    if (ttl === 0 && d['expire_time'] == null) {
      item.expiresAt = null; // a token without a TTL: nothing to renew
      item.grantedSeconds = 0;
      return;
    }
    // Periodic tokens are always renewed to their period; others ask again for what they were created with.
    const base = num(d['period']) || item.askSeconds || num(d['creation_ttl']) || ttl;
    item.askSeconds = base;
    item.grantedSeconds = Math.max(base, ttl);
    item.expiresAt = now() + ttl * 1000;
    return;
  }
  const env = await vault.call({
    method: 'PUT',
    path: 'sys/leases/lookup',
    body: { lease_id: item.leaseId },
    timeoutMs,
  });
  const d = env.data ?? {};
  const ttl = num(d['ttl']);
  item.renewable = d['renewable'] === true;
  item.expiresAt = now() + ttl * 1000;
  if (!item.askSeconds) {
    // No lease file: the TTL it was last granted is expire_time minus its last renewal (or issue).
    const end = Date.parse(String(d['expire_time']));
    const from = Date.parse(String(d['last_renewal'] ?? d['issue_time']));
    item.askSeconds =
      Number.isFinite(end) && Number.isFinite(from) && end > from ? Math.round((end - from) / 1000) : ttl;
  }
  item.grantedSeconds = Math.max(item.askSeconds, ttl);
}

/** Renews the item, asking for `askSeconds`; answers the seconds granted. */
export async function renew(
  vault: VaultClient,
  item: Item,
  timeoutMs: number,
): Promise<{ granted: number; renewable: boolean; warnings: string[] }> {
  let env: VaultEnvelope;
  if (item.kind === 'token') {
    env = await vault.call({
      method: 'POST',
      path: 'auth/token/renew-self',
      body: { increment: item.askSeconds },
      timeoutMs,
    });
    return { granted: num(env.auth?.lease_duration), renewable: env.auth?.renewable === true, warnings: warnings(env) };
  }
  env = await vault.call({
    method: 'PUT',
    path: 'sys/leases/renew',
    body: { lease_id: item.leaseId, increment: item.askSeconds },
    timeoutMs,
  });
  return { granted: num(env.lease_duration), renewable: env.renewable === true, warnings: warnings(env) };
}

export async function revoke(vault: VaultClient, item: Item, timeoutMs: number): Promise<void> {
  if (item.kind === 'token') {
    await vault.call({ method: 'POST', path: 'auth/token/revoke-self', timeoutMs });
    return;
  }
  await vault.call({ method: 'PUT', path: 'sys/leases/revoke', body: { lease_id: item.leaseId }, timeoutMs });
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

function warnings(env: VaultEnvelope): string[] {
  return Array.isArray(env.warnings) ? env.warnings.filter((w): w is string => typeof w === 'string') : [];
}
