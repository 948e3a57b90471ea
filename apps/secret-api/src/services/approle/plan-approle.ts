import type { TAppRolePlanResponse } from '@secret-api/contract';
import type { VaultClient } from '@secret-api/vault-client';
import { planChanges } from '@secret-api/vault-policy';
import { desiredObjects, readActualObjects, type RenderDeps } from './vault-objects.js';

export type PlanAppRoleDeps = RenderDeps & { vault: Pick<VaultClient, 'send'> };

/** Desired vs actual, read-only: what the next ensure would write. */
export async function planAppRole(deps: PlanAppRoleDeps, app: string, cluster: string): Promise<TAppRolePlanResponse> {
  const desired = desiredObjects(deps, app, cluster);
  const plan = planChanges(desired, await readActualObjects(deps.vault, desired));
  return {
    roleName: plan.roleName,
    changes: plan.changes.map(({ kind, name, action, fields }) => ({ kind, name, action, ...(fields && { fields }) })),
  };
}
