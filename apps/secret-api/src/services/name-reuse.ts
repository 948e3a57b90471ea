/**
 * A name the API deleted Vault objects under is not given out again until the tokens those objects issued are dead.
 * Deleting an app (or force-deleting a cluster) removes its AppRoles, so its pods' tokens can no longer renew (Vault
 * checks the AppRole's name at each renewal) and expire within one token period or TTL. An AppRole re-created under
 * the same name before then would let those tokens renew again — with the read policy of the new app, whose
 * secrets an old pod of the deleted one would then read. Vault has no way to revoke the tokens of one AppRole (they
 * share one lease prefix), so the name waits instead; the audit trail says when it was deleted.
 */
import type { PrismaClient } from '@secret-api/prisma';
import type { PolicyTemplate } from '@secret-api/vault-policy';
import { ApiError } from '../http/api-error.js';

/** Beyond the token lifetime: Vault's clock and ours, and a renewal sent just before the deletion. */
const MARGIN_MS = 30_000;

export interface NameReuseDeps {
  prisma: Pick<PrismaClient, 'auditEvent'>;
  template: Pick<PolicyTemplate, 'approle'>;
}

/** How long a deleted AppRole's tokens can live on: the longest they are granted at a login or renewal. */
export function tokenLifetimeMs(template: Pick<PolicyTemplate, 'approle'>): number {
  const { token_period: period, token_ttl: ttl } = template.approle;
  return Math.max(period, ttl) * 1000;
}

/**
 * Refuses (409, with Retry-After) a name whose Vault objects were deleted more recently than their tokens can live.
 * `what` names it in the message (`app 'myapp'`); `deletion` is the audit event that removed them.
 */
export async function refuseReuseTooSoon(
  deps: NameReuseDeps,
  what: string,
  deletion: { action: string; target: string },
  now = new Date(),
): Promise<void> {
  const waitMs = tokenLifetimeMs(deps.template) + MARGIN_MS;
  const last = await deps.prisma.auditEvent.findFirst({
    where: {
      action: deletion.action,
      target: deletion.target,
      result: 'success',
      time: { gte: new Date(now.getTime() - waitMs) },
    },
    orderBy: { time: 'desc' },
    select: { time: true },
  });
  if (!last) return;
  const free = new Date(last.time.getTime() + waitMs);
  const seconds = Math.max(1, Math.ceil((free.getTime() - now.getTime()) / 1000));
  throw new ApiError(
    'conflict',
    `${what} was deleted at ${last.time.toISOString()}, and the Vault tokens of its pods may live until ` +
      `${free.toISOString()} (they can no longer renew); create it again after that, in ${seconds} s`,
    { headers: { 'Retry-After': String(seconds) } },
  );
}
