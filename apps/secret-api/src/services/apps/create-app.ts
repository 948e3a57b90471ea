import type { TApp, TCreateAppBody } from '@secret-api/contract';
import type { PrismaClient } from '@secret-api/prisma';
import { isUniqueViolation } from '../../db/errors.js';
import { conflict } from '../../http/api-error.js';
import { refuseReuseTooSoon, type NameReuseDeps } from '../name-reuse.js';
import { appView } from './app-view.js';

export type CreateAppDeps = { prisma: Pick<PrismaClient, 'app' | 'auditEvent'> } & Pick<NameReuseDeps, 'template'>;

export async function createApp(deps: CreateAppDeps, input: TCreateAppBody, actor: string): Promise<TApp> {
  // Before the row: a name refused now is still free for later.
  await refuseReuseTooSoon(deps, `app '${input.name}'`, { action: 'app.delete', target: `apps/${input.name}` });
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
