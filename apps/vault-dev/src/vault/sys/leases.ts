/**
 * The lease endpoints of the `sys/` mount, after Vault's
 * logical_system_paths.go leasePaths and logical_system.go handleLease*,
 * handleRenew, handleRevoke and handleRevokePrefixCommon, over the
 * expiration manager's Renew / Revoke / RevokePrefix (vault/expiration.go).
 *
 * Two kinds of lease: token leases (every service token except those made
 * by rootToken(), such as the dev root token, has the lease `<creation
 * path>/<salted id>`), and secret leases from the expiration manager (database
 * and AWS credentials, PKI certificates with generate_lease).
 */
import { hasLease, leaseRenewable, leaseTimesOf, leaseTTL } from '../../builtin/credential/token/lease.js';
import { errorResponse } from '../../sdk/errors.js';
import type { FieldData, PathSpec } from '../../sdk/framework.js';
import type { Response } from '../../sdk/logical.js';
import { formatRFC3339Nano, millisToNanos } from '../../sdk/time.js';
import { expirationManagerOf, LeaseError } from '../expiration.js';
import type { TokenEntry, TokenStore } from '../token-store.js';

/** What the lease endpoints need of the core. */
export interface LeaseCore {
  readonly tokens: TokenStore;
  now(): number;
}

/** Root-protected (sudo) lease paths, relative to `sys/`. */
export const LEASE_ROOT_PATHS = [
  'leases/revoke-prefix/*',
  'leases/revoke-force/*',
  'leases/lookup/*',
  'revoke-prefix/*',
  'revoke-force/*',
];

export const LEASE_TIDY_WARNING =
  "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.";

/** 202 with no body (Vault's RespondWithStatusCode(nil, nil, 202)). */
const ACCEPTED: Response = { raw: { status: 202 }, status: 202 };

/** The token holding this lease, if the lease exists. */
function tokenOfLease(core: LeaseCore, leaseId: string): TokenEntry | undefined {
  const entry = core.tokens.lookupByLeaseId(leaseId);
  return entry && hasLease(entry) ? entry : undefined;
}

/** Every live lease id: tokens with a lease, and secret leases. */
function leaseIdsWithPrefix(core: LeaseCore, prefix: string): string[] {
  return [
    ...core.tokens.leaseIdsWithPrefix(prefix).filter((id) => tokenOfLease(core, id) !== undefined),
    ...expirationManagerOf(core).leaseIdsWithPrefix(prefix),
  ];
}

/**
 * ExpirationManager.Revoke: revoking a token lease revokes the token's tree, a
 * secret lease goes through its engine (force: even when the engine fails);
 * unknown ids are fine.
 */
async function revokeLease(core: LeaseCore, leaseId: string, force = false): Promise<void> {
  const entry = tokenOfLease(core, leaseId);
  if (entry) core.tokens.revokeTree(entry.id);
  const secrets = expirationManagerOf(core);
  await (force ? secrets.revokeForce(leaseId) : secrets.revoke(leaseId));
}

function isLease(core: LeaseCore, leaseId: string): boolean {
  return tokenOfLease(core, leaseId) !== undefined || expirationManagerOf(core).lookup(leaseId) !== undefined;
}

/** ExpirationManager.RevokePrefix: an exact lease id, else everything under `prefix/`. */
export async function revokePrefix(core: LeaseCore, prefix: string, force: boolean): Promise<void> {
  if (!prefix.endsWith('/') && isLease(core, prefix)) {
    await revokeLease(core, prefix, force);
    return;
  }
  const dir = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const ids = leaseIdsWithPrefix(core, dir);
  for (const [i, leaseId] of ids.entries()) {
    try {
      await revokeLease(core, leaseId, force);
    } catch (err) {
      throw new LeaseError(`failed to revoke ${JSON.stringify(leaseId)} (${i + 1} / ${ids.length}): ${messageOf(err)}`);
    }
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function leaseIdOf(data: FieldData): string {
  const fromBody = data.get<string>('lease_id');
  return fromBody !== '' ? fromBody : data.get<string>('url_lease_id');
}

function handleLookup(core: LeaseCore, data: FieldData): Response {
  const leaseId = data.get<string>('lease_id');
  if (leaseId === '') return errorResponse('lease_id must be specified');
  const secret = expirationManagerOf(core).lookup(leaseId);
  const entry = tokenOfLease(core, leaseId);
  const lease = secret
    ? { ...secret, authRenewable: secret.renewable, batch: false }
    : entry
      ? leaseTimesOf(entry)
      : undefined;
  if (!lease) return errorResponse('invalid lease');
  const now = core.now();
  const out: Record<string, unknown> = {
    expire_time: null,
    id: leaseId,
    issue_time: formatRFC3339Nano(millisToNanos(lease.issueTime)),
    last_renewal: null,
    renewable: leaseRenewable(lease, now).ok,
    ttl: 0,
  };
  if (lease.lastRenewal !== 0) out['last_renewal'] = formatRFC3339Nano(millisToNanos(lease.lastRenewal));
  if (lease.expireTime !== 0) {
    out['expire_time'] = formatRFC3339Nano(millisToNanos(lease.expireTime));
    out['ttl'] = leaseTTL(lease.expireTime, now);
  }
  return { data: out };
}

/** The lease id suffixes directly under `prefix` (sub-paths end in `/`), as a storage LIST gives them. */
function handleLookupList(core: LeaseCore, data: FieldData): Response {
  let prefix = data.get<string>('prefix');
  if (prefix !== '' && !prefix.endsWith('/')) prefix = `${prefix}/`;
  const keys = new Set<string>();
  for (const leaseId of leaseIdsWithPrefix(core, prefix)) {
    const rest = leaseId.slice(prefix.length);
    const slash = rest.indexOf('/');
    keys.add(slash === -1 ? rest : rest.slice(0, slash + 1));
  }
  return { data: { keys: [...keys].sort() } };
}

async function handleRenew(core: LeaseCore, data: FieldData): Promise<Response> {
  const leaseId = leaseIdOf(data);
  if (leaseId === '') return errorResponse('lease_id must be specified');
  const secrets = expirationManagerOf(core);
  if (secrets.lookup(leaseId)) {
    try {
      const { lease, ttl, warnings } = await secrets.renew(leaseId, data.get<number>('increment'));
      return {
        data: null,
        leaseId,
        secret: { ttl, maxTTL: 0, renewable: lease.renewable },
        ...(warnings.length > 0 ? { warnings } : {}),
      };
    } catch (err) {
      return errorResponse(messageOf(err));
    }
  }
  const entry = tokenOfLease(core, leaseId);
  const lease = entry ? leaseTimesOf(entry) : undefined;
  if (!lease) return errorResponse('lease not found');
  const renewable = leaseRenewable(lease, core.now());
  if (renewable.error) return errorResponse(renewable.error);
  // Every lease here belongs to a token; tokens renew through auth/token/renew*.
  return errorResponse('tokens cannot be renewed through this endpoint');
}

async function handleRevoke(core: LeaseCore, data: FieldData): Promise<Response | null> {
  const leaseId = leaseIdOf(data);
  if (leaseId === '') return errorResponse('lease_id must be specified');
  try {
    await revokeLease(core, leaseId);
  } catch (err) {
    return errorResponse(`failed to revoke entry: resp: (*logical.Response)(nil) err: ${messageOf(err)}`);
  }
  return data.get<boolean>('sync') ? null : { ...ACCEPTED };
}

async function handleRevokePrefix(core: LeaseCore, data: FieldData, force: boolean): Promise<Response | null> {
  try {
    await revokePrefix(core, data.get<string>('prefix'), force);
  } catch (err) {
    return errorResponse(messageOf(err));
  }
  const sync = force || data.get<boolean>('sync');
  return sync ? null : { ...ACCEPTED };
}

export function leasePaths(core: LeaseCore): PathSpec[] {
  const leaseIdFields = {
    url_lease_id: { type: 'string' as const, description: 'The lease identifier to renew.' },
    lease_id: { type: 'string' as const, description: 'The lease identifier to renew.' },
  };
  const sync = {
    type: 'bool' as const,
    default: true,
    description: 'Whether or not to perform the revocation synchronously',
  };
  return [
    {
      pattern: 'leases/lookup/(?<prefix>.*)$',
      fields: { prefix: { type: 'string', description: 'The path to list leases under.' } },
      operations: { list: (_req, d) => handleLookupList(core, d) },
    },
    {
      pattern: 'leases/lookup$',
      fields: { lease_id: { type: 'string', description: 'The lease identifier to look up.' } },
      operations: { update: (_req, d) => handleLookup(core, d) },
    },
    {
      pattern: '(leases/)?renew(/(?<url_lease_id>.+))?$',
      fields: {
        ...leaseIdFields,
        increment: { type: 'durationSecond', description: 'The desired increment in seconds to the lease' },
      },
      operations: { update: (_req, d) => handleRenew(core, d) },
    },
    {
      pattern: '(leases/)?revoke(/(?<url_lease_id>.+))?$',
      fields: { ...leaseIdFields, sync },
      operations: { update: (_req, d) => handleRevoke(core, d) },
    },
    {
      pattern: '(leases/)?revoke-force/(?<prefix>.+)$',
      fields: { prefix: { type: 'string', description: 'The path to revoke keys under.' } },
      operations: { update: (_req, d) => handleRevokePrefix(core, d, true) },
    },
    {
      pattern: '(leases/)?revoke-prefix/(?<prefix>.+)$',
      fields: { prefix: { type: 'string', description: 'The path to revoke keys under.' }, sync },
      operations: { update: (_req, d) => handleRevokePrefix(core, d, false) },
    },
    {
      pattern: 'leases/tidy$',
      operations: {
        update: () => {
          core.tokens.sweepExpired();
          return { status: 202, warnings: [LEASE_TIDY_WARNING] };
        },
      },
    },
    {
      // Irrevocable-lease counts: vault-dev never has irrevocable leases.
      pattern: 'leases/count$',
      fields: {
        type: {
          type: 'string',
          description: 'Type of leases to get counts for (currently only supporting irrevocable).',
        },
        include_child_namespaces: { type: 'bool', default: false },
      },
      operations: {
        read: (_req, d) =>
          d.get<string>('type').toLowerCase() === 'irrevocable' ? { data: { counts: {}, lease_count: 0 } } : null,
      },
    },
    {
      pattern: 'leases$',
      fields: {
        type: { type: 'string', description: 'Type of leases to retrieve (currently only supporting irrevocable).' },
        include_child_namespaces: { type: 'bool', default: false },
        limit: { type: 'string', default: '' },
      },
      operations: {
        read: (_req, d) =>
          d.get<string>('type').toLowerCase() === 'irrevocable' ? { data: { lease_count: 0, leases: [] } } : null,
      },
    },
  ];
}
