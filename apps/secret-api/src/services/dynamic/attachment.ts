/** The database's record of which dynamic-credential profiles are attached to an app. */
import type { TDynamicProfiles } from '@secret-api/contract';
import type { Prisma, PrismaClient } from '@secret-api/prisma';
import type { DynamicAttachment } from '@secret-api/vault-policy';

/** A row of app_dynamic_profiles (the package exports no name for this model's type). */
export type AppDynamicProfiles = Prisma.AppDynamicProfilesGetPayload<object>;

export type Attachments =
  Pick<PrismaClient, 'appDynamicProfiles'> | Pick<Prisma.TransactionClient, 'appDynamicProfiles'>;

/**
 * The app's attachment, or null when profiles were never attached: then ensures leave the database,
 * AWS and PKI engines alone (no reads, so a Vault policy without those paths keeps working).
 */
export async function loadAttachment(db: Attachments, app: string): Promise<DynamicAttachment | null> {
  const row = await db.appDynamicProfiles.findUnique({ where: { appName: app } });
  return row && toAttachment(row);
}

export function toAttachment(row: AppDynamicProfiles): DynamicAttachment {
  return { database: row.database, aws: row.aws, pki: row.pki, namespace: row.namespace };
}

export function dynamicView(app: string, row: AppDynamicProfiles | null): TDynamicProfiles {
  if (!row) return { app, database: [], aws: [], pki: [], namespace: app };
  return {
    app,
    database: row.database,
    aws: row.aws,
    pki: row.pki,
    namespace: row.namespace ?? app,
    updatedAt: row.updatedAt.toISOString(),
    updatedBy: row.updatedBy,
  };
}
