import type { TDynamicProfiles } from '@secret-api/contract';
import type { PrismaClient } from '@secret-api/prisma';
import { dynamicView } from './attachment.js';

export type GetDynamicDeps = { prisma: Pick<PrismaClient, 'appDynamicProfiles'> };

/** The app's attached profiles; an app that never had any shows empty lists. */
export async function getDynamic(deps: GetDynamicDeps, app: string): Promise<TDynamicProfiles> {
  return dynamicView(app, await deps.prisma.appDynamicProfiles.findUnique({ where: { appName: app } }));
}
