/** The database's record of an ensured AppRole: which (app, cluster) have Vault objects, and their RoleID. */
import type { AppRoleBinding, Prisma, PrismaClient } from '@secret-api/prisma';
import { isUniqueViolation } from '../../db/errors.js';
import { notFound } from '../../http/api-error.js';

type Bindings = Pick<PrismaClient, 'appRoleBinding'> | Pick<Prisma.TransactionClient, 'appRoleBinding'>;

export interface BindingRecord {
  appName: string;
  clusterName: string;
  roleName: string;
  roleId: string;
  templateHash: string;
  actor: string;
}

/** The binding as the database has it, or null. */
export function findBinding(db: Bindings, app: string, cluster: string): Promise<AppRoleBinding | null> {
  return db.appRoleBinding.findUnique({ where: { appName_clusterName: { appName: app, clusterName: cluster } } });
}

/**
 * Upserts the binding; a no-op (no write) when it already says the same. `existing` is the row as the
 * caller read it alongside its Vault reads (null: none), so the common case costs no query here.
 */
export async function recordBinding(
  db: Bindings,
  record: BindingRecord,
  existing?: Pick<AppRoleBinding, 'roleId' | 'templateHash'> | null,
): Promise<boolean> {
  const where = { appName_clusterName: { appName: record.appName, clusterName: record.clusterName } };
  if (existing === undefined) existing = await db.appRoleBinding.findUnique({ where });
  if (existing && existing.roleId === record.roleId && existing.templateHash === record.templateHash) return false;
  const data = {
    roleName: record.roleName,
    roleId: record.roleId,
    templateHash: record.templateHash,
    ensuredBy: record.actor,
    ensuredAt: new Date(),
  };
  try {
    await db.appRoleBinding.upsert({
      where,
      create: { appName: record.appName, clusterName: record.clusterName, ...data },
      update: data,
    });
  } catch (err) {
    // Another replica recorded the same binding between our read and write: it says the same.
    if (!isUniqueViolation(err)) throw err;
  }
  return true;
}

export async function requireBinding(db: Bindings, app: string, cluster: string): Promise<AppRoleBinding> {
  const binding = await findBinding(db, app, cluster);
  if (!binding) {
    throw notFound(
      `app '${app}' has no AppRole in cluster '${cluster}'; ensure it first (PUT /v1/apps/${app}/clusters/${cluster}/approle)`,
    );
  }
  return binding;
}
