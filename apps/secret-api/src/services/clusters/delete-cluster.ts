/**
 * Removing a cluster. An AppRole ensured there is a live deploy path (pods log in with it), so a
 * cluster with bindings is refused (409) unless `force`, which first decommissions every app's
 * Vault objects in that cluster — AppRole, policy, token role and its dynamic-credential roles (a
 * database role left behind would still mint logins for a cluster that no longer exists) — each under its app's lock (an ensure cannot recreate them behind
 * us), Vault before the database, so a failure half-way leaves a cluster the same DELETE finishes.
 * Shared secrets of the cluster scope (`/v1/scopes/cluster/:cluster`) are kept: they are admin data,
 * not derived objects, and a cluster registered again under the same name finds them. With If-Match
 * (or If-None-Match) the cluster is compared before anything is decommissioned and again, locked, as it
 * is deleted: a precondition that fails at the first look removes nothing.
 */
import { Prisma, type PrismaClient } from '@secret-api/prisma';
import type { VaultClient } from '@secret-api/vault-client';
import { withAppLock } from '../../db/app-lock.js';
import { isRecordNotFound } from '../../db/errors.js';
import { conflict, notFound } from '../../http/api-error.js';
import { requirePreconditions, type Preconditions } from '../entity-tag.js';
import { clusterEntityTag } from './cluster-etag.js';
import { lockCluster } from './update-cluster.js';
import { deleteDynamicRoles, desiredDynamicRoles } from '../approle/dynamic-roles.js';
import { deleteObjects, desiredObjects, type RenderDeps } from '../approle/vault-objects.js';
import { loadAttachment } from '../dynamic/attachment.js';
import { nameLockKey, recordDeletion } from '../name-reuse.js';

export type DeleteClusterDeps = RenderDeps & {
  prisma: Pick<PrismaClient, '$transaction' | 'appRoleBinding' | 'cluster'>;
  vault: Pick<VaultClient, 'delete'>;
};

const NO_PROFILES = { database: [], aws: [], pki: [] };

export interface DeleteClusterOptions {
  force: boolean;
  preconditions?: Preconditions;
}

export async function deleteCluster(
  deps: DeleteClusterDeps,
  name: string,
  options: DeleteClusterOptions,
): Promise<void> {
  const conditional = options.preconditions?.ifMatch !== undefined || options.preconditions?.ifNoneMatch !== undefined;
  const compare = async (tx: Prisma.TransactionClient) =>
    requirePreconditions(
      options.preconditions ?? {},
      clusterEntityTag(await lockCluster(tx, name)),
      `cluster '${name}'`,
    );
  if (conditional) await deps.prisma.$transaction(compare);
  const bindings = await deps.prisma.appRoleBinding.findMany({
    where: { clusterName: name },
    select: { appName: true },
    orderBy: { appName: 'asc' },
  });
  if (bindings.length > 0 && !options.force) {
    const apps = bindings.map((b) => b.appName);
    const shown = apps.length > 5 ? `${apps.slice(0, 5).join(', ')} and ${apps.length - 5} more` : apps.join(', ');
    throw conflict(
      `cluster '${name}' still has AppRoles ensured for ${apps.length} app${apps.length === 1 ? '' : 's'} (${shown}); ` +
        'delete with force=true to decommission them too',
    );
  }
  for (const { appName } of bindings) {
    await withAppLock(deps.prisma, appName, async (tx) => {
      await deleteObjects(deps.vault, desiredObjects(deps, appName, name));
      // Every engine's role, attached now or not: a detach not yet applied by an ensure leaves one behind.
      if (await loadAttachment(tx, appName)) {
        await deleteDynamicRoles(deps.vault, desiredDynamicRoles(deps, appName, name, NO_PROFILES));
      }
      await tx.appRoleBinding.deleteMany({ where: { appName, clusterName: name } });
    });
  }
  try {
    // Under the name's lock, with the record that keeps the name from a new cluster while the tokens of the AppRoles
    // deleted above can still renew (services/name-reuse.ts). Always: a delete that finishes an earlier forced one
    // which failed half-way finds no bindings, though AppRoles were deleted.
    await withAppLock(deps.prisma, nameLockKey('cluster', name), async (tx) => {
      if (conditional) await compare(tx);
      await recordDeletion(tx, 'cluster', name);
      await tx.cluster.delete({ where: { name } });
    });
  } catch (err) {
    if (isRecordNotFound(err)) throw notFound(`cluster '${name}' does not exist`);
    // An ensure bound an app between our check and the delete (the binding's foreign key is RESTRICT).
    if (isForeignKeyViolation(err)) {
      throw conflict(`an AppRole was ensured in cluster '${name}' meanwhile; nothing more was deleted, try again`);
    }
    throw err;
  }
}

/** P2003: a foreign key refused the change (here: a binding still names the cluster). */
function isForeignKeyViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && (err.code === 'P2003' || err.code === 'P2014');
}
