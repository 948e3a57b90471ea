/**
 * `auth/token/lookup`, `lookup-self` and `lookup-accessor`, after Vault's
 * handleLookup / handleLookupSelf / handleUpdateLookupAccessor.
 */
import { errorResponse, VaultError } from '../../../sdk/errors.js';
import type { FieldData, PathSpec } from '../../../sdk/framework.js';
import type { Request, Response } from '../../../sdk/logical.js';
import { sortedRecord } from '../../../sdk/strutil.js';
import { formatRFC3339Nano, millisToNanos } from '../../../sdk/time.js';
import type { TokenEntry } from '../../../vault/token-store.js';
import { lookupTainted, type TokenContext } from './context.js';
import { leaseRenewable, leaseTimesOf, leaseTTL } from './lease.js';

/** The accessor a token is known by (batch tokens have none). */
export function accessorOf(entry: TokenEntry): string {
  return entry.type === 'batch' ? '' : entry.accessor;
}

/** A live service token by accessor (batch tokens have no accessor in Vault). */
export function lookupByAccessor(ctx: TokenContext, accessor: string): TokenEntry | undefined {
  const entry = ctx.core.tokens.lookupByAccessor(accessor);
  return entry && entry.type !== 'batch' ? entry : undefined;
}

/** The `data` of a lookup answer (Go marshals the map with sorted keys). */
export function lookupData(ctx: TokenContext, entry: TokenEntry): Record<string, unknown> {
  const now = ctx.core.now();
  const data: Record<string, unknown> = {
    id: entry.id,
    accessor: accessorOf(entry),
    policies: entry.policies,
    path: entry.path,
    meta: entry.meta,
    display_name: entry.displayName,
    num_uses: entry.numUses,
    orphan: entry.parent === '',
    creation_time: Math.floor(entry.creationTime / 1000),
    creation_ttl: entry.creationTTL,
    expire_time: null,
    ttl: 0,
    explicit_max_ttl: entry.explicitMaxTTL,
    entity_id: entry.entityId,
    type: entry.type,
  };
  if (entry.role !== '') data['role'] = entry.role;
  if (entry.period !== 0) data['period'] = entry.period;
  if (entry.boundCidrs.length > 0) data['bound_cidrs'] = entry.boundCidrs;

  const lease = leaseTimesOf(entry);
  if (lease) {
    if (lease.lastRenewal !== 0) {
      data['last_renewal_time'] = Math.floor(lease.lastRenewal / 1000);
      data['last_renewal'] = formatRFC3339Nano(millisToNanos(lease.lastRenewal));
    }
    if (lease.expireTime !== 0) {
      data['expire_time'] = formatRFC3339Nano(millisToNanos(lease.expireTime));
      data['ttl'] = leaseTTL(lease.expireTime, now);
    }
    data['renewable'] = leaseRenewable(lease, now).ok;
    data['issue_time'] = formatRFC3339Nano(millisToNanos(lease.issueTime));
  }
  return sortedRecord(data);
}

function lookup(ctx: TokenContext, req: Request, id: string): Response {
  const tokenId = id === '' ? req.clientToken : id;
  if (tokenId === '') return errorResponse('missing token ID');
  const entry = lookupTainted(ctx.core.tokens, tokenId);
  if (!entry) return errorResponse('bad token', 403);
  return { data: lookupData(ctx, entry) };
}

function lookupAccessor(ctx: TokenContext, req: Request, data: FieldData): Response {
  const accessor = data.get<string>('accessor');
  if (accessor === '') throw new VaultError('missing accessor', 'bad-request');
  const entry = lookupByAccessor(ctx, accessor);
  if (!entry) throw new VaultError('invalid accessor', 'bad-request');
  const resp = lookup(ctx, req, entry.id);
  if (resp.data) resp.data['id'] = '';
  return resp;
}

export function lookupPaths(ctx: TokenContext): PathSpec[] {
  const tokenField = { token: { type: 'string' as const, description: 'Token to lookup' } };
  return [
    {
      pattern: 'lookup$',
      fields: tokenField,
      operations: {
        read: (req, d) => lookup(ctx, req, d.get<string>('token')),
        update: (req, d) => lookup(ctx, req, d.get<string>('token')),
      },
    },
    {
      pattern: 'lookup-accessor$',
      fields: { accessor: { type: 'string', description: 'Accessor of the token to look up (request body)' } },
      operations: { update: (req, d) => lookupAccessor(ctx, req, d) },
    },
    {
      pattern: 'lookup-self$',
      fields: tokenField,
      operations: {
        read: (req) => lookup(ctx, req, req.clientToken),
        update: (req) => lookup(ctx, req, req.clientToken),
      },
    },
  ];
}
