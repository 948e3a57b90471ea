/**
 * The status document served on /status: each item's expiry and last renewal. Built from the
 * items field by field, so nothing else — least of all the token — can slip into it.
 */
import type { Source } from './config.js';
import type { Item } from './items.js';

export type Phase = 'starting' | 'running' | 'lost' | 'stopping';

export interface StatusItem {
  kind: 'token' | 'lease';
  leaseId?: string;
  accessor?: string;
  path?: string;
  state: Item['state'];
  renewable: boolean;
  ttlSeconds: number | null;
  expiresAt: string | null;
  lastRenewal: string | null;
  renewals: number;
  problem?: string;
}

export interface Status {
  phase: Phase;
  source: Source;
  vaultAddr: string;
  token: StatusItem;
  leases: StatusItem[];
}

export function statusOf(phase: Phase, source: Source, vaultAddr: string, items: readonly Item[], now: number): Status {
  const view = (i: Item): StatusItem => ({
    kind: i.kind,
    ...(i.leaseId ? { leaseId: i.leaseId } : {}),
    ...(i.accessor ? { accessor: i.accessor } : {}),
    ...(i.path ? { path: i.path } : {}),
    state: i.state,
    renewable: i.renewable,
    ttlSeconds: i.expiresAt === null ? null : Math.max(0, Math.round((i.expiresAt - now) / 1000)),
    expiresAt: i.expiresAt === null ? null : new Date(i.expiresAt).toISOString(),
    lastRenewal: i.lastRenewal === null ? null : new Date(i.lastRenewal).toISOString(),
    renewals: i.renewals,
    ...(i.problem ? { problem: i.problem } : {}),
  });
  const token = items.find((i) => i.kind === 'token')!;
  return {
    phase,
    source,
    vaultAddr,
    token: view(token),
    leases: items.filter((i) => i.kind === 'lease').map(view),
  };
}
