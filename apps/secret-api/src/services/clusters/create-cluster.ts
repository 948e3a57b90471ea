import { splitClusterName, type TCluster, type TCreateClusterBody } from '@secret-api/contract';
import { isUniqueViolation } from '../../db/errors.js';
import { conflict } from '../../http/api-error.js';
import { createUnlessTooSoon, type NameReuseDeps } from '../name-reuse.js';
import { clusterView } from './cluster-view.js';

export type CreateClusterDeps = NameReuseDeps;

export async function createCluster(
  deps: CreateClusterDeps,
  input: TCreateClusterBody,
  actor: string,
): Promise<TCluster> {
  const { cloud, env } = splitClusterName(input.name);
  try {
    const row = await createUnlessTooSoon(deps, 'cluster', input.name, `cluster '${input.name}'`, (tx) =>
      tx.cluster.create({
        data: { name: input.name, cloud, env, controllerSubjects: input.controllerSubjects, createdBy: actor },
      }),
    );
    return clusterView(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`cluster '${input.name}' already exists`);
    throw err;
  }
}
