import type { TCluster } from '@secret-api/contract';
import { strongEntityTag } from '../entity-tag.js';

/** The cluster's ETag: everything its representation shows (the creation time tells a re-registered cluster apart). */
export function clusterEntityTag(cluster: TCluster): string {
  return strongEntityTag([cluster.name, cluster.cloud, cluster.env, cluster.createdAt, cluster.controllerSubjects]);
}
