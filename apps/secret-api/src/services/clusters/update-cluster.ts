import type { TCluster, TPatchClusterBody } from '@secret-api/contract';
import type { Prisma, PrismaClient } from '@secret-api/prisma';
import { notFound } from '../../http/api-error.js';
import { LOCKED_EDIT_BOUNDS, requirePreconditions, type Preconditions } from '../entity-tag.js';
import { clusterEntityTag } from './cluster-etag.js';
import { clusterView } from './cluster-view.js';

export type UpdateClusterDeps = { prisma: Pick<PrismaClient, '$transaction'> };

export interface UpdateClusterOptions {
  /** The request's If-Match / If-None-Match, compared with the cluster's current ETag. */
  preconditions?: Preconditions;
  /** Refuses the change (by throwing) given the cluster as it is under the lock, e.g. making oneself a controller. */
  check?: (current: TCluster) => void;
}

export interface UpdatedCluster {
  before: TCluster;
  after: TCluster;
  etag: string;
}

/**
 * Replaces the controller subjects. No Vault object names a controller (the API checks the caller
 * against this list on every SecretID request), so the change takes effect on the next request.
 * The row is locked from the read to the write: the If-Match comparison, the checks and the audit's
 * "before" see the state this change replaces.
 */
export async function updateCluster(
  deps: UpdateClusterDeps,
  name: string,
  input: TPatchClusterBody,
  options: UpdateClusterOptions = {},
): Promise<UpdatedCluster> {
  return deps.prisma.$transaction(async (tx) => {
    const before = await lockCluster(tx, name);
    requirePreconditions(options.preconditions ?? {}, clusterEntityTag(before), `cluster '${name}'`);
    options.check?.(before);
    const after = clusterView(
      await tx.cluster.update({ where: { name }, data: { controllerSubjects: input.controllerSubjects } }),
    );
    return { before, after, etag: clusterEntityTag(after) };
  }, LOCKED_EDIT_BOUNDS);
}

/** The cluster as it is, its row locked until the transaction ends (a concurrent PATCH waits here). */
/** The cluster, its row locked until the transaction ends (404 when there is none). */
export async function lockCluster(tx: Prisma.TransactionClient, name: string): Promise<TCluster> {
  const [row] = await tx.$queryRaw<
    { name: string; cloud: string; env: string; controller_subjects: string[]; created_at: Date }[]
  >`SELECT name, cloud, env, controller_subjects, created_at FROM clusters WHERE name = ${name} FOR UPDATE`;
  if (!row) throw notFound(`cluster '${name}' does not exist`);
  return {
    name: row.name,
    cloud: row.cloud,
    env: row.env,
    controllerSubjects: row.controller_subjects,
    createdAt: row.created_at.toISOString(),
  };
}
