import type { TApp, TCreateAppBody } from '@secret-api/contract';
import type { PrismaClient } from '@secret-api/prisma';
import { isUniqueViolation } from '../../db/errors.js';
import { conflict } from '../../http/api-error.js';
import { appView } from './app-view.js';

export type CreateAppDeps = { prisma: Pick<PrismaClient, 'app'> };

export async function createApp(deps: CreateAppDeps, input: TCreateAppBody, actor: string): Promise<TApp> {
  try {
    const row = await deps.prisma.app.create({
      data: {
        name: input.name,
        ownerGroups: input.ownerGroups,
        deployers: input.deployers,
        revealGroups: input.revealGroups,
        createdBy: actor,
      },
    });
    return appView(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`app '${input.name}' already exists`);
    throw err;
  }
}
