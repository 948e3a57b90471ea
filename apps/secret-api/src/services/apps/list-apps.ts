import type { TAppList, TListQuery } from '@secret-api/contract';
import type { PrismaClient } from '@secret-api/prisma';
import { DEFAULT_PAGE_SIZE, decodeCursor, page } from '../pagination.js';
import { appView } from './app-view.js';

export type ListAppsDeps = { prisma: Pick<PrismaClient, 'app'> };

export async function listApps(deps: ListAppsDeps, query: TListQuery): Promise<TAppList> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const after = decodeCursor(query.cursor);
  const rows = await deps.prisma.app.findMany({
    ...(after !== undefined && { where: { name: { gt: after } } }),
    orderBy: { name: 'asc' },
    take: limit + 1,
  });
  const result = page(rows, limit, (r) => r.name);
  return { ...result, items: result.items.map(appView) };
}
