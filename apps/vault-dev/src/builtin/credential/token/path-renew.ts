/**
 * `auth/token/renew`, `renew-self` and `renew-accessor`, after Vault's
 * handleRenew and the expiration manager's RenewToken: the lease must exist
 * and be renewable; the auth is re-validated by the backend that issued it
 * (the token store's own authRenew for `auth/token/*` tokens, the login
 * backend's renewAuth otherwise); CalculateTTL decides the new TTL against
 * that mount's TTLs, measured from the lease's issue time.
 */
import { errorResponse, VaultError } from '../../../sdk/errors.js';
import type { FieldData, PathSpec, SystemView } from '../../../sdk/framework.js';
import { goQuote } from '../../../sdk/go-text.js';
import type { Auth, Request, Response } from '../../../sdk/logical.js';
import { systemViewOf } from '../../../vault/mounts.js';
import type { TokenEntry } from '../../../vault/token-store.js';
import { calculateTTL, PastMaxTTLError } from '../../../vault/ttl.js';
import { TOKEN_MOUNT, type TokenContext } from './context.js';
import { leaseRenewable, leaseTimesOf } from './lease.js';
import { lookupByAccessor } from './path-lookup.js';

interface RenewTerms {
  ttl: number;
  period: number;
  maxTTL: number;
  explicitMaxTTL: number;
}

type RenewPlan = { refused: Response } | { refused?: undefined; terms: RenewTerms; system: SystemView; auth?: Auth };

function renewFailed(err: unknown): VaultError {
  const message = err instanceof Error ? err.message : String(err);
  const kind = err instanceof VaultError ? err.kind : 'internal';
  return new VaultError(`failed to renew entry: ${message}`, kind);
}

/** The auth a login token was issued with, as its backend gets it back on renewal. */
function loginAuthOf(entry: TokenEntry): Auth {
  if (entry.auth) return { ...entry.auth, ttl: entry.lastTTL };
  return {
    policies: entry.policies,
    metadata: entry.meta ?? {},
    displayName: entry.displayName,
    ttl: entry.lastTTL,
    maxTTL: entry.maxTTL,
    explicitMaxTTL: entry.explicitMaxTTL,
    period: entry.period,
    numUses: entry.numUses,
    renewable: entry.renewable,
    noDefaultPolicy: false,
    boundCidrs: entry.boundCidrs,
    tokenType: entry.type,
  };
}

/** Re-validates the token's auth with whoever issued it; the terms CalculateTTL works with. */
async function renewTerms(ctx: TokenContext, req: Request, entry: TokenEntry): Promise<RenewPlan> {
  if (entry.path.startsWith(TOKEN_MOUNT)) {
    // The token store's authRenew: the role's current period and explicit max, else the token's own.
    let period = entry.period;
    let explicitMaxTTL = entry.explicitMaxTTL;
    if (entry.role !== '') {
      const role = ctx.roles.get(entry.role);
      if (!role) {
        throw renewFailed(new Error(`original token role ${goQuote(entry.role)} could not be found, not renewing`));
      }
      period = role.tokenPeriod;
      explicitMaxTTL = role.tokenExplicitMaxTTL;
    }
    return { terms: { ttl: entry.lastTTL, period, maxTTL: entry.maxTTL, explicitMaxTTL }, system: ctx.system };
  }

  const backend = ctx.core.backendAt(entry.mountPoint);
  if (!backend) throw renewFailed(new Error(`no handler for route ${goQuote(entry.path)}`));
  if (!backend.renewAuth) return { refused: errorResponse("this auth type doesn't support renew") };
  let auth: Auth;
  try {
    auth = await backend.renewAuth(req, loginAuthOf(entry));
  } catch (err) {
    throw renewFailed(err);
  }
  const mount = ctx.core.router.byRoutePrefix(entry.mountPoint);
  return {
    terms: { ttl: auth.ttl, period: auth.period, maxTTL: auth.maxTTL, explicitMaxTTL: auth.explicitMaxTTL },
    system: mount ? systemViewOf(mount.config) : ctx.system,
    auth,
  };
}

export async function renewToken(ctx: TokenContext, req: Request, id: string, increment: number): Promise<Response> {
  if (id === '') return errorResponse('missing token ID');
  const entry = ctx.core.tokens.lookup(id);
  if (!entry) return errorResponse('token not found');
  if (entry.type === 'batch') return errorResponse('batch tokens cannot be renewed');

  const lease = leaseTimesOf(entry);
  if (!lease) return errorResponse('invalid lease ID');
  const now = ctx.core.now();
  const renewable = leaseRenewable(lease, now);
  if (renewable.error) return errorResponse(renewable.error);

  const plan = await renewTerms(ctx, req, entry);
  if (plan.refused) return plan.refused;
  const { terms: t, system, auth } = plan;

  let result: { ttl: number; warnings: string[] };
  try {
    // Vault truncates both instants to the second.
    result = calculateTTL(system, {
      increment,
      backendTTL: t.ttl,
      period: t.period,
      backendMaxTTL: t.maxTTL,
      explicitMaxTTL: t.explicitMaxTTL,
      issueTime: Math.floor(lease.issueTime / 1000) * 1000,
      now: Math.floor(now / 1000) * 1000,
    });
  } catch (err) {
    if (err instanceof PastMaxTTLError) throw new VaultError(err.message);
    throw err;
  }

  ctx.core.tokens.setTTL(entry, result.ttl);
  if (auth) entry.auth = { ...auth, ttl: result.ttl };

  const resp: Response = { issuedToken: { entry, leaseDuration: result.ttl } };
  if (result.warnings.length > 0) resp.warnings = result.warnings;
  return resp;
}

async function renewAccessor(ctx: TokenContext, req: Request, data: FieldData): Promise<Response> {
  const accessor = data.get<string>('accessor');
  if (accessor === '') throw new VaultError('missing accessor', 'bad-request');
  const entry = lookupByAccessor(ctx, accessor);
  if (!entry) throw new VaultError('invalid accessor', 'bad-request');
  const resp = await renewToken(ctx, req, entry.id, data.get<number>('increment'));
  // The caller knew only the accessor: the answer must not hand out the token.
  if (!resp.error) resp.hideClientToken = true;
  return resp;
}

export function renewPaths(ctx: TokenContext): PathSpec[] {
  const increment = {
    type: 'durationSecond' as const,
    default: 0,
    description: 'The desired increment in seconds to the token expiration',
  };
  return [
    {
      pattern: 'renew-accessor$',
      fields: { accessor: { type: 'string', description: 'Accessor of the token to renew (request body)' }, increment },
      operations: { update: (req, d) => renewAccessor(ctx, req, d) },
    },
    {
      pattern: 'renew-self$',
      fields: { token: { type: 'string', description: 'Token to renew (unused, does not need to be set)' }, increment },
      operations: { update: (req, d) => renewToken(ctx, req, req.clientToken, d.get<number>('increment')) },
    },
    {
      pattern: 'renew$',
      fields: { token: { type: 'string', description: 'Token to renew (request body)' }, increment },
      operations: { update: (req, d) => renewToken(ctx, req, d.get<string>('token'), d.get<number>('increment')) },
    },
  ];
}
