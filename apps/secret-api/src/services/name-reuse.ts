/**
 * A name the API deleted AppRoles under is not given out again until the tokens those AppRoles issued are dead.
 * Deleting an app (or force-deleting a cluster) removes its AppRoles, so its pods' tokens can no longer renew (Vault
 * checks the AppRole's name at each renewal) and expire within one token period or TTL. An AppRole re-created under
 * the same name before then would let those tokens renew again — with the read policy of the new app, whose
 * secrets an old pod of the deleted one would then read. Vault cannot revoke the tokens of one AppRole (they share
 * one lease prefix), so the name waits instead.
 *
 * The deletion is recorded in the deleting transaction, under the name's lock, and a create checks it under the
 * same lock: a create sent while the deletion finishes waits for it, then sees it.
 */
import type { Prisma, PrismaClient } from '@secret-api/prisma';
import type { PolicyTemplate } from '@secret-api/vault-policy';
import { withAppLock } from '../db/app-lock.js';
import { ApiError } from '../http/api-error.js';

/** Beyond the token lifetime: Vault's clock and ours, and a renewal sent just before the deletion. */
const MARGIN_MS = 30_000;

export type DeletedKind = 'app' | 'cluster';

/** The lock a name's creation and deletion share: the app's own, or one per cluster name (no app name has a ':'). */
export const nameLockKey = (kind: DeletedKind, name: string): string => (kind === 'app' ? name : `cluster:${name}`);

/** How long a deleted AppRole's tokens can live on: the longest they are granted at a login or renewal. */
export function tokenLifetimeMs(template: Pick<PolicyTemplate, 'approle'>): number {
  const { token_period: period, token_ttl: ttl } = template.approle;
  return Math.max(period, ttl) * 1000;
}

/** Records, in the deleting transaction (holding the name's lock), that `name`'s AppRoles were deleted just now. */
export async function recordDeletion(tx: Prisma.TransactionClient, kind: DeletedKind, name: string): Promise<void> {
  const deletedAt = new Date();
  await tx.deletedName.upsert({
    where: { kind_name: { kind, name } },
    create: { kind, name, deletedAt },
    update: { deletedAt },
  });
}

export interface NameReuseDeps {
  prisma: Pick<PrismaClient, '$transaction'>;
  template: Pick<PolicyTemplate, 'approle'>;
}

/**
 * Runs `create` under the name's lock, unless the name's AppRoles were deleted more recently than their tokens can
 * live: then 409, with Retry-After. `what` names it in the message (`app 'myapp'`).
 */
export function createUnlessTooSoon<T>(
  deps: NameReuseDeps,
  kind: DeletedKind,
  name: string,
  what: string,
  create: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T> {
  return withAppLock(deps.prisma, nameLockKey(kind, name), async (tx) => {
    const deleted = await tx.deletedName.findUnique({ where: { kind_name: { kind, name } } });
    const waitMs = tokenLifetimeMs(deps.template) + MARGIN_MS;
    const now = Date.now();
    if (deleted && deleted.deletedAt.getTime() + waitMs > now) {
      const free = new Date(deleted.deletedAt.getTime() + waitMs);
      const seconds = Math.max(1, Math.ceil((free.getTime() - now) / 1000));
      throw new ApiError(
        'conflict',
        `${what} was deleted at ${deleted.deletedAt.toISOString()}, and the Vault tokens of its pods may live until ` +
          `${free.toISOString()} (they can no longer renew); create it again after that, in ${seconds} s`,
        { headers: { 'Retry-After': String(seconds) } },
      );
    }
    return create(tx);
  });
}
