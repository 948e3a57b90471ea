import type { TCluster } from '@secret-api/contract';
import type { Cluster } from '@secret-api/prisma';

export function clusterView(row: Cluster): TCluster {
  return {
    name: row.name,
    cloud: row.cloud,
    env: row.env,
    controllerSubjects: row.controllerSubjects,
    createdAt: row.createdAt.toISOString(),
  };
}
