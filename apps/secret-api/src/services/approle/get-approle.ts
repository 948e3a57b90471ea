import type { TGetAppRoleResponse } from '@secret-api/contract';
import type { PrismaClient } from '@secret-api/prisma';
import type { VaultClient } from '@secret-api/vault-client';
import { notFound } from '../../http/api-error.js';
import { requireBinding } from './binding.js';
import { desiredObjects, readRoleId, type RenderDeps } from './vault-objects.js';

export type GetAppRoleDeps = RenderDeps & {
  prisma: Pick<PrismaClient, 'appRoleBinding'>;
  vault: Pick<VaultClient, 'send'>;
};

/** The RoleID as Vault has it now (Vault is the source of truth; the database only says it was ensured). */
export async function getAppRole(deps: GetAppRoleDeps, app: string, cluster: string): Promise<TGetAppRoleResponse> {
  await requireBinding(deps.prisma, app, cluster);
  const desired = desiredObjects(deps, app, cluster);
  const roleId = await readRoleId(deps.vault, desired);
  if (roleId === null) {
    throw notFound(`AppRole '${desired.roleName}' no longer exists in Vault; ensure it again`);
  }
  return { roleName: desired.roleName, roleId };
}
