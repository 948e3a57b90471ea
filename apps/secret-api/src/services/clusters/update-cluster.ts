import type { TCluster, TPatchClusterBody } from '@secret-api/contract';
import type { PrismaClient } from '@secret-api/prisma';
import { isRecordNotFound } from '../../db/errors.js';
import { notFound } from '../../http/api-error.js';
import { clusterView } from './cluster-view.js';

export type UpdateClusterDeps = { prisma: Pick<PrismaClient, 'cluster'> };

/**
 * Replaces the controller subjects. No Vault object names a controller (the API checks the caller
 * against this list on every SecretID request), so the change takes effect on the next request.
 */
export async function updateCluster(
  deps: UpdateClusterDeps,
  name: string,
  input: TPatchClusterBody,
): Promise<TCluster> {
  try {
    const row = await deps.prisma.cluster.update({
      where: { name },
      data: { controllerSubjects: input.controllerSubjects },
    });
    return clusterView(row);
  } catch (err) {
    if (isRecordNotFound(err)) throw notFound(`cluster '${name}' does not exist`);
    throw err;
  }
}
