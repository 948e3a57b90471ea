/** The app and cluster a path names; their absence is a 404 for any authenticated caller. */
import type { App, Cluster, PrismaClient } from '@secret-api/prisma';
import { notFound } from '../http/api-error.js';

export async function loadApp(prisma: Pick<PrismaClient, 'app'>, name: string): Promise<App> {
  const app = await prisma.app.findUnique({ where: { name } });
  if (!app) throw notFound(`app '${name}' does not exist`);
  return app;
}

export async function loadCluster(prisma: Pick<PrismaClient, 'cluster'>, name: string): Promise<Cluster> {
  const cluster = await prisma.cluster.findUnique({ where: { name } });
  if (!cluster) throw notFound(`cluster '${name}' does not exist`);
  return cluster;
}
