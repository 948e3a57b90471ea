/** What both kinds of SecretID material start from: the app's objects in a cluster where it was ensured. */
import type { PrismaClient } from '@secret-api/prisma';
import { VaultNotFoundError, VaultRequestError, type VaultClient } from '@secret-api/vault-client';
import type { VaultObjects } from '@secret-api/vault-policy';
import { ApiError } from '../../http/api-error.js';
import type { Metrics } from '../../observability/metrics.js';
import { requireBinding } from '../approle/binding.js';
import { desiredObjects, readObject, type RenderDeps } from '../approle/vault-objects.js';
import type { TargetCache } from '../targets.js';

export type SecretIdDeps = RenderDeps & {
  prisma: Pick<PrismaClient, 'appRoleBinding'>;
  /** Cached bindings (services/targets.ts); without it, one query per issue. */
  targets?: Pick<TargetCache, 'binding'>;
  vault: Pick<VaultClient, 'write' | 'send'>;
  metrics: Pick<Metrics, 'secretIdsIssued'>;
};

/** The rendered objects, or a 404 when the app has no AppRole in the cluster yet. */
export async function ensuredObjects(deps: SecretIdDeps, app: string, cluster: string): Promise<VaultObjects> {
  await (deps.targets ? deps.targets.binding(app, cluster) : requireBinding(deps.prisma, app, cluster));
  return desiredObjects(deps, app, cluster);
}

/**
 * Runs a Vault call that needs one of the app's objects (`what`: the AppRole or the token role). The database
 * says the app was ensured, but Vault is the truth: when the call fails because the object is gone (deleted by
 * hand, a Vault restored from an old backup), the controller gets a 409 that says so and how to repair it —
 * never a 500. Any other failure is what it was.
 */
export async function withEnsuredObject<T>(
  deps: Pick<SecretIdDeps, 'vault'>,
  objects: VaultObjects,
  what: 'approle' | 'tokenRole',
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof VaultNotFoundError || err instanceof VaultRequestError)) throw err;
    const path = what === 'approle' ? objects.approle.path : objects.tokenRole.path;
    if ((await readObject(deps.vault, path)) !== null) throw err;
    const name = what === 'approle' ? `AppRole ${objects.roleName}` : `token role ${objects.tokenRole.name}`;
    throw new ApiError(
      'vault_drift',
      `the ${name} of app '${objects.app}' in cluster '${objects.cluster.name}' no longer exists in Vault; ` +
        `an owner or deployer must ensure it again (deployer roleid ${objects.app} --cluster ${objects.cluster.name}), ` +
        `then pods get a new RoleID with their next deploy`,
    );
  }
}
