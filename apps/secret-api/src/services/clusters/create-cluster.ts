import { splitClusterName, type TCluster, type TCreateClusterBody } from '@secret-api/contract';
import type { PrismaClient } from '@secret-api/prisma';
import { isUniqueViolation } from '../../db/errors.js';
import { conflict } from '../../http/api-error.js';
import { refuseReuseTooSoon, type NameReuseDeps } from '../name-reuse.js';
import { clusterView } from './cluster-view.js';

export type CreateClusterDeps = { prisma: Pick<PrismaClient, 'cluster' | 'auditEvent'> } & Pick<
  NameReuseDeps,
  'template'
>;

export async function createCluster(
  deps: CreateClusterDeps,
  input: TCreateClusterBody,
  actor: string,
): Promise<TCluster> {
  const { cloud, env } = splitClusterName(input.name);
  // Only a forced delete removes AppRoles (a plain one is refused while there are any).
  await refuseReuseTooSoon(deps, `cluster '${input.name}'`, {
    action: 'cluster.delete.force',
    target: `clusters/${input.name}`,
  });
  try {
    const row = await deps.prisma.cluster.create({
      data: { name: input.name, cloud, env, controllerSubjects: input.controllerSubjects, createdBy: actor },
    });
    return clusterView(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`cluster '${input.name}' already exists`);
    throw err;
  }
}
