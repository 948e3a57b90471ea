import type { TClusterList, TListQuery } from '@secret-api/contract';
import type { PrismaClient } from '@secret-api/prisma';
import { DEFAULT_PAGE_SIZE, decodeCursor, page } from '../pagination.js';
import { clusterView } from './cluster-view.js';

export type ListClustersDeps = { prisma: Pick<PrismaClient, 'cluster'> };

export async function listClusters(deps: ListClustersDeps, query: TListQuery): Promise<TClusterList> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const after = decodeCursor(query.cursor);
  const rows = await deps.prisma.cluster.findMany({
    ...(after !== undefined && { where: { name: { gt: after } } }),
    orderBy: { name: 'asc' },
    take: limit + 1,
  });
  const result = page(rows, limit, (r) => r.name);
  return { ...result, items: result.items.map(clusterView) };
}
