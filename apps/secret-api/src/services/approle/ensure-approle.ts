/**
 * Ensure: make Vault hold exactly the rendered objects of one app in one cluster, and the
 * dynamic-credential roles of the profiles attached to it (none left of detached ones), writing only
 * what differs. Idempotent and safe under concurrency: an up-to-date ensure takes no lock and
 * writes nothing; otherwise the app's advisory lock serialises writers across replicas, and the
 * plan is recomputed under it so the losers of a race find nothing left to write.
 */
import type { TEnsureAppRoleResponse } from '@secret-api/contract';
import type { App, Cluster, PrismaClient } from '@secret-api/prisma';
import type { VaultClient } from '@secret-api/vault-client';
import {
  isUpToDate,
  pendingDynamicWrites,
  pendingWrites,
  planChanges,
  type DynamicRoles,
  type VaultObjects,
} from '@secret-api/vault-policy';
import { withAppLock } from '../../db/app-lock.js';
import { ApiError, notFound } from '../../http/api-error.js';
import type { Metrics } from '../../observability/metrics.js';
import { loadAttachment } from '../dynamic/attachment.js';
import { recordBinding } from './binding.js';
import { desiredDynamicRoles, planDynamic, writeDynamicRoles } from './dynamic-roles.js';
import {
  desiredObjects,
  objectsHash,
  readActualObjects,
  readRoleId,
  writeObjects,
  type RenderDeps,
} from './vault-objects.js';

export type EnsureDeps = RenderDeps & {
  prisma: Pick<PrismaClient, '$transaction' | 'appRoleBinding' | 'appDynamicProfiles'>;
  vault: Pick<VaultClient, 'send' | 'write' | 'delete'>;
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

  const dynamicOf = async (db: Parameters<typeof loadAttachment>[0]): Promise<DynamicRoles | null> => {
    const attachment = await loadAttachment(db, app.name);
    return attachment && desiredDynamicRoles(deps, app.name, cluster.name, attachment);
  };
  const dynamicUpToDate = async (dynamic: DynamicRoles | null) =>
    dynamic === null || (await planDynamic(deps.vault, dynamic)).every((c) => c.action === 'unchanged');

  const [baseUpToDate, rolesUpToDate] = await Promise.all([
    readActualObjects(deps.vault, desired).then((actual) => isUpToDate(planChanges(desired, actual))),
    dynamicOf(deps.prisma).then(dynamicUpToDate),
  ]);
  if (baseUpToDate && rolesUpToDate) {
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
    // Under the lock: the attachment as it is now, not as it was before we waited.
    const dynamic = await dynamicOf(tx);
    const dynamicWrites = dynamic ? pendingDynamicWrites(dynamic, await planDynamic(deps.vault, dynamic)) : [];
    await writeObjects(deps.vault, writes);
    await writeDynamicRoles(deps.vault, dynamicWrites);
    const roleId = await requireRoleId(deps.vault, desired);
    await recordBinding(tx, { ...binding, roleId });
    return { roleName: desired.roleName, roleId, changed: writes.length + dynamicWrites.length > 0 };
  });
  deps.metrics.ensures.inc({ outcome: result.changed ? 'changed' : 'unchanged' });
  return result;
}
