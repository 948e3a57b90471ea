/**
 * Ensure: make Vault hold exactly the rendered objects of one app in one cluster, and the
 * dynamic-credential roles of the profiles attached to it (none left of detached ones), writing only
 * what differs. Idempotent and safe under concurrency: an up-to-date ensure takes no lock and
 * writes nothing; otherwise the app's advisory lock serialises writers across replicas, and the
 * plan is recomputed under it so the losers of a race find nothing left to write.
 */
import type { TEnsureAppRoleResponse } from '@secret-api/contract';
import type { App, Cluster, Prisma, PrismaClient } from '@secret-api/prisma';
import type { VaultClient } from '@secret-api/vault-client';
import { pendingDynamicWrites, pendingWrites, planChanges, type VaultObjects } from '@secret-api/vault-policy';
import { withAppLock } from '../../db/app-lock.js';
import { ApiError, notFound } from '../../http/api-error.js';
import type { Metrics } from '../../observability/metrics.js';
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
  prisma: Pick<PrismaClient, '$transaction' | '$queryRaw' | 'appRoleBinding'>;
  vault: Pick<VaultClient, 'send' | 'write' | 'delete'>;
  metrics: Pick<Metrics, 'ensures'>;
};

type Rows = Pick<PrismaClient, '$queryRaw'> | Pick<Prisma.TransactionClient, '$queryRaw'>;

/**
 * The database's side of an ensure in one round trip: whether the app still exists, its binding in the
 * cluster, and its dynamic-credential attachment (null: never attached). One fixed-shape statement rather
 * than three queries, since every deploy's ensure pays for each round trip.
 */
async function readRows(db: Rows, app: string, cluster: string) {
  const [row] = await db.$queryRaw<
    {
      app_exists: boolean;
      role_id: string | null;
      template_hash: string | null;
      attached: boolean;
      database: string[] | null;
      aws: string[] | null;
      pki: string[] | null;
      namespace: string | null;
    }[]
  >`SELECT EXISTS (SELECT 1 FROM apps WHERE name = ${app}) AS app_exists,
           b.role_id, b.template_hash,
           d.app_name IS NOT NULL AS attached, d.database, d.aws, d.pki, d.namespace
      FROM (SELECT 1) AS one
      LEFT JOIN app_role_bindings b ON b.app_name = ${app} AND b.cluster_name = ${cluster}
      LEFT JOIN app_dynamic_profiles d ON d.app_name = ${app}`;
  if (!row) throw new Error('the ensure rows query returned no row');
  return {
    appExists: row.app_exists,
    binding:
      row.role_id === null || row.template_hash === null
        ? null
        : { roleId: row.role_id, templateHash: row.template_hash },
    attachment: row.attached
      ? { database: row.database ?? [], aws: row.aws ?? [], pki: row.pki ?? [], namespace: row.namespace }
      : null,
  };
}

/**
 * Everything an ensure compares, read at once: the four objects, the RoleID (null while the AppRole does
 * not exist), the dynamic-credential roles of the attachment as `db` sees it, the binding row, and whether
 * the app still exists. The Vault reads and the one database read go out together.
 */
async function readState(
  deps: EnsureDeps,
  db: Rows,
  app: string,
  cluster: string,
  desired: VaultObjects,
  { withRoleId }: { withRoleId: boolean },
) {
  const rows = readRows(db, app, cluster).then((r) => ({
    ...r,
    dynamic: r.attachment && desiredDynamicRoles(deps, app, cluster, r.attachment),
  }));
  const dynamicChanges = rows.then(({ dynamic }) => (dynamic ? planDynamic(deps.vault, dynamic) : []));
  const [actual, roleId, { appExists, dynamic, binding }, dynamicPlan] = await Promise.all([
    readActualObjects(deps.vault, desired),
    withRoleId ? readRoleId(deps.vault, desired) : null,
    rows,
    dynamicChanges,
  ]);
  return {
    appExists,
    writes: pendingWrites(desired, planChanges(desired, actual)),
    dynamicWrites: dynamic ? pendingDynamicWrites(dynamic, dynamicPlan) : [],
    // A RoleID read while the role was absent, or created between the two reads, is not the role's.
    roleId: actual.approle === null ? null : roleId,
    binding,
  };
}

/**
 * The answer, and whether anything another replica caches changed (Vault objects or the binding row): an ensure
 * that changed nothing — every deploy's — must not empty every replica's caches.
 */
export type EnsureOutcome = TEnsureAppRoleResponse & { targetsChanged: boolean };

export async function ensureAppRole(
  deps: EnsureDeps,
  app: App,
  cluster: Cluster,
  actor: string,
): Promise<EnsureOutcome> {
  const desired = desiredObjects(deps, app.name, cluster.name);
  const record = {
    appName: app.name,
    clusterName: cluster.name,
    roleName: desired.roleName,
    templateHash: objectsHash(desired),
    actor,
  };

  // Nothing to write (the common case: every deploy ensures): no lock, and one round of reads in parallel.
  const seen = await readState(deps, deps.prisma, app.name, cluster.name, desired, { withRoleId: true });
  if (seen.writes.length === 0 && seen.dynamicWrites.length === 0 && seen.roleId !== null) {
    const recorded = await recordBinding(deps.prisma, { ...record, roleId: seen.roleId }, seen.binding);
    deps.metrics.ensures.inc({ outcome: 'unchanged' });
    return { roleName: desired.roleName, roleId: seen.roleId, changed: false, targetsChanged: recorded };
  }

  const result = await withAppLock(deps.prisma, app.name, async (tx) => {
    // Under the lock, everything again: another replica may have written it while we waited, the app may
    // be gone (its objects must not come back), and the attachment is the one as it is now.
    // The RoleID only if the role was there before we waited: a role about to be created has none yet.
    const now = await readState(deps, tx, app.name, cluster.name, desired, { withRoleId: seen.roleId !== null });
    if (!now.appExists) throw notFound(`app '${app.name}' does not exist`);
    await writeObjects(deps.vault, now.writes);
    await writeDynamicRoles(deps.vault, now.dynamicWrites);
    // Writing an existing AppRole keeps its RoleID; only a role created just now needs reading.
    const roleId = now.roleId ?? (await requireRoleId(deps.vault, desired));
    const recorded = await recordBinding(tx, { ...record, roleId }, now.binding);
    const changed = now.writes.length + now.dynamicWrites.length > 0;
    return { roleName: desired.roleName, roleId, changed, targetsChanged: changed || recorded };
  });
  deps.metrics.ensures.inc({ outcome: result.changed ? 'changed' : 'unchanged' });
  return result;
}

async function requireRoleId(vault: Pick<VaultClient, 'send'>, desired: VaultObjects): Promise<string> {
  const roleId = await readRoleId(vault, desired);
  // Only if someone deletes the role between our write and this read.
  if (roleId === null)
    throw new ApiError('conflict', `AppRole '${desired.roleName}' vanished while being ensured; retry`);
  return roleId;
}
