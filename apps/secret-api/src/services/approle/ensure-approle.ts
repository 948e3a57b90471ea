/**
 * Ensure: make Vault hold exactly the rendered objects of one app in one cluster, writing only
 * what differs. Idempotent and safe under concurrency: an up-to-date ensure takes no lock and
 * writes nothing; otherwise the app's advisory lock serialises writers across replicas, and the
 * plan is recomputed under it so the losers of a race find nothing left to write.
 */
import type { TEnsureAppRoleResponse } from '@secret-api/contract';
import type { App, Cluster, PrismaClient } from '@secret-api/prisma';
import type { VaultClient } from '@secret-api/vault-client';
import { isUpToDate, pendingWrites, planChanges, type VaultObjects } from '@secret-api/vault-policy';
import { withAppLock } from '../../db/app-lock.js';
import { ApiError, notFound } from '../../http/api-error.js';
import type { Metrics } from '../../observability/metrics.js';
import { recordBinding } from './binding.js';
import {
  desiredObjects,
  objectsHash,
  readActualObjects,
  readRoleId,
  writeObjects,
  type RenderDeps,
} from './vault-objects.js';

export type EnsureDeps = RenderDeps & {
  prisma: Pick<PrismaClient, '$transaction' | 'appRoleBinding'>;
  vault: Pick<VaultClient, 'send' | 'write'>;
  metrics: Pick<Metrics, 'ensures'>;
};

async function requireRoleId(vault: Pick<VaultClient, 'send'>, desired: VaultObjects): Promise<string> {
  const roleId = await readRoleId(vault, desired);
  // Only if someone deletes the role between our write and this read.
  if (roleId === null)
    throw new ApiError('conflict', `AppRole '${desired.roleName}' vanished while being ensured; retry`);
  return roleId;
}

export async function ensureAppRole(
  deps: EnsureDeps,
  app: App,
  cluster: Cluster,
  actor: string,
): Promise<TEnsureAppRoleResponse> {
  const desired = desiredObjects(deps, app.name, cluster.name);
  const binding = {
    appName: app.name,
    clusterName: cluster.name,
    roleName: desired.roleName,
    templateHash: objectsHash(desired),
    actor,
  };

  if (isUpToDate(planChanges(desired, await readActualObjects(deps.vault, desired)))) {
    const roleId = await requireRoleId(deps.vault, desired);
    await recordBinding(deps.prisma, { ...binding, roleId });
    deps.metrics.ensures.inc({ outcome: 'unchanged' });
    return { roleName: desired.roleName, roleId, changed: false };
  }

  const result = await withAppLock(deps.prisma, app.name, async (tx) => {
    if (!(await tx.app.findUnique({ where: { name: app.name }, select: { name: true } }))) {
      throw notFound(`app '${app.name}' does not exist`);
    }
    const writes = pendingWrites(desired, planChanges(desired, await readActualObjects(deps.vault, desired)));
    await writeObjects(deps.vault, writes);
    const roleId = await requireRoleId(deps.vault, desired);
    await recordBinding(tx, { ...binding, roleId });
    return { roleName: desired.roleName, roleId, changed: writes.length > 0 };
  });
  deps.metrics.ensures.inc({ outcome: result.changed ? 'changed' : 'unchanged' });
  return result;
}
