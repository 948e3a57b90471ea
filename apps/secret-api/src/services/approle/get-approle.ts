import type { TGetAppRoleResponse } from '@secret-api/contract';
import type { VaultClient } from '@secret-api/vault-client';
import { notFound } from '../../http/api-error.js';
import type { RoleIdCache } from './role-id-cache.js';
import { desiredObjects, readRoleId, type RenderDeps } from './vault-objects.js';

export type GetAppRoleDeps = RenderDeps & { vault: Pick<VaultClient, 'send'>; roleIds?: RoleIdCache };

/**
 * The RoleID as Vault has it. Vault is the source of truth (a role recreated by hand has a new
 * RoleID), so this is one Vault read and no database query beyond the pipeline's — or, since it is
 * what every deploy calls, the answer of such a read at most `roleIds.ttlMs` old (role-id-cache.ts).
 */
export async function getAppRole(deps: GetAppRoleDeps, app: string, cluster: string): Promise<TGetAppRoleResponse> {
  const desired = desiredObjects(deps, app, cluster);
  const read = () => readRoleId(deps.vault, desired);
  const roleId = await (deps.roleIds ? deps.roleIds.get(desired.approle.path, read) : read());
  if (roleId === null) {
    throw notFound(
      `app '${app}' has no AppRole in cluster '${cluster}'; ensure it first (PUT /v1/apps/${app}/clusters/${cluster}/approle)`,
    );
  }
  return { roleName: desired.roleName, roleId };
}
