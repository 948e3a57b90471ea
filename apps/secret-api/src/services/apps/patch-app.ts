import type { TApp, TPatchAppBody } from '@secret-api/contract';
import type { PrismaClient } from '@secret-api/prisma';
import { isRecordNotFound } from '../../db/errors.js';
import { notFound } from '../../http/api-error.js';
import { appView } from './app-view.js';

export type PatchAppDeps = { prisma: Pick<PrismaClient, 'app'> };

/** Replaces each list given. The app's Vault objects do not depend on these lists: nothing to re-ensure. */
export async function patchApp(deps: PatchAppDeps, name: string, input: TPatchAppBody): Promise<TApp> {
  try {
    const row = await deps.prisma.app.update({
      where: { name },
      data: {
        ...(input.ownerGroups !== undefined && { ownerGroups: input.ownerGroups }),
        ...(input.deployers !== undefined && { deployers: input.deployers }),
        ...(input.revealGroups !== undefined && { revealGroups: input.revealGroups }),
      },
    });
    return appView(row);
  } catch (err) {
    if (isRecordNotFound(err)) throw notFound(`app '${name}' does not exist`);
    throw err;
  }
}
