import type { TGetAppRoleResponse } from '@secret-api/contract';
import type { VaultClient } from '@secret-api/vault-client';
import { notFound } from '../../http/api-error.js';
import { desiredObjects, readRoleId, type RenderDeps } from './vault-objects.js';

export type GetAppRoleDeps = RenderDeps & { vault: Pick<VaultClient, 'send'> };

/**
 * The RoleID as Vault has it now. Vault is the source of truth (a role recreated by hand has a new
 * RoleID), so this is one Vault read and no database query beyond the pipeline's: it is what every
 * deploy calls.
 */
export async function getAppRole(deps: GetAppRoleDeps, app: string, cluster: string): Promise<TGetAppRoleResponse> {
  const desired = desiredObjects(deps, app, cluster);
  const roleId = await readRoleId(deps.vault, desired);
  if (roleId === null) {
    throw notFound(
      `app '${app}' has no AppRole in cluster '${cluster}'; ensure it first (PUT /v1/apps/${app}/clusters/${cluster}/approle)`,
    );
  }
  return { roleName: desired.roleName, roleId };
}
