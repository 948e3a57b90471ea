import type { TApp } from '@secret-api/contract';
import type { App } from '@secret-api/prisma';

export function appView(row: App): TApp {
  return {
    name: row.name,
    ownerGroups: row.ownerGroups,
    deployers: row.deployers,
    revealGroups: row.revealGroups,
    createdAt: row.createdAt.toISOString(),
  };
}
