/** What both kinds of SecretID material start from: the app's objects in a cluster where it was ensured. */
import type { PrismaClient } from '@secret-api/prisma';
import type { VaultClient } from '@secret-api/vault-client';
import type { VaultObjects } from '@secret-api/vault-policy';
import type { Metrics } from '../../observability/metrics.js';
import { requireBinding } from '../approle/binding.js';
import { desiredObjects, type RenderDeps } from '../approle/vault-objects.js';

export type SecretIdDeps = RenderDeps & {
  prisma: Pick<PrismaClient, 'appRoleBinding'>;
  vault: Pick<VaultClient, 'write'>;
  metrics: Pick<Metrics, 'secretIdsIssued'>;
};

/** The rendered objects, or a 404 when the app has no AppRole in the cluster yet. */
export async function ensuredObjects(deps: SecretIdDeps, app: string, cluster: string): Promise<VaultObjects> {
  await requireBinding(deps.prisma, app, cluster);
  return desiredObjects(deps, app, cluster);
}
