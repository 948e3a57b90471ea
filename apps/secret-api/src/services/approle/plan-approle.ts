import type { TAppRolePlanResponse } from '@secret-api/contract';
import type { PrismaClient } from '@secret-api/prisma';
import type { VaultClient } from '@secret-api/vault-client';
import { planChanges } from '@secret-api/vault-policy';
import { loadAttachment } from '../dynamic/attachment.js';
import { desiredDynamicRoles, planDynamic } from './dynamic-roles.js';
import { desiredObjects, readActualObjects, type RenderDeps } from './vault-objects.js';

export type PlanAppRoleDeps = RenderDeps & {
  vault: Pick<VaultClient, 'send'>;
  prisma: Pick<PrismaClient, 'appDynamicProfiles'>;
};

/** Desired vs actual, read-only: what the next ensure would write (dynamic-credential roles last). */
export async function planAppRole(deps: PlanAppRoleDeps, app: string, cluster: string): Promise<TAppRolePlanResponse> {
  const desired = desiredObjects(deps, app, cluster);
  const attachment = await loadAttachment(deps.prisma, app);
  const [plan, dynamic] = await Promise.all([
    readActualObjects(deps.vault, desired).then((actual) => planChanges(desired, actual)),
    attachment ? planDynamic(deps.vault, desiredDynamicRoles(deps, app, cluster, attachment)) : [],
  ]);
  return {
    roleName: plan.roleName,
    changes: [...plan.changes, ...dynamic].map(({ kind, name, action, fields }) => ({
      kind,
      name,
      action,
      ...(fields && { fields }),
    })),
  };
}
