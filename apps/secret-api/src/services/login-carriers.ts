/**
 * "Neither carrier alone can log in" (product.md §1), as configuration: an app's deployer patterns may not match a
 * controller subject of any cluster, since that principal could read the app's RoleID and be issued its SecretID.
 * The request pipeline refuses such an identity either half anyway (authz/permissions.ts); refusing the lists as
 * they are written says so to the admin who wrote them, not to a pod that later cannot start.
 */
import type { PrismaClient } from '@secret-api/prisma';
import { subjectMatches } from '../authz/roles.js';
import { conflict } from '../http/api-error.js';

export type LoginCarriersDeps = { prisma: Pick<PrismaClient, 'app' | 'cluster'> };

interface Overlap {
  app: string;
  pattern: string;
  cluster: string;
  subject: string;
}

function overlaps(
  apps: readonly { name: string; deployers: readonly string[] }[],
  clusters: readonly { name: string; controllerSubjects: readonly string[] }[],
): Overlap | undefined {
  for (const app of apps) {
    for (const pattern of app.deployers) {
      for (const cluster of clusters) {
        const subject = cluster.controllerSubjects.find((s) => subjectMatches(pattern, s));
        if (subject !== undefined) return { app: app.name, pattern, cluster: cluster.name, subject };
      }
    }
  }
  return undefined;
}

function refuse(found: Overlap | undefined): void {
  if (!found) return;
  throw conflict(
    `separation of duties: deployer pattern '${found.pattern}' of app '${found.app}' matches '${found.subject}', a ` +
      `controller of cluster '${found.cluster}', which could then fetch both the app's RoleID and a SecretID and log ` +
      'in alone; deployers and controllers must be different identities (narrow the pattern)',
  );
}

/** Refuses an app's deployer patterns (as created or replaced) that match a controller of any cluster. */
export async function refuseDeployersThatControl(deps: LoginCarriersDeps, app: string, deployers: readonly string[]) {
  if (deployers.length === 0) return;
  const clusters = await deps.prisma.cluster.findMany({ select: { name: true, controllerSubjects: true } });
  refuse(overlaps([{ name: app, deployers }], clusters));
}

/** Refuses a cluster's controller subjects (as created or replaced) that an app's deployer pattern matches. */
export async function refuseControllersThatDeploy(
  deps: LoginCarriersDeps,
  cluster: string,
  controllerSubjects: readonly string[],
) {
  if (controllerSubjects.length === 0) return;
  const apps = await deps.prisma.app.findMany({
    where: { NOT: { deployers: { isEmpty: true } } },
    select: { name: true, deployers: true },
    orderBy: { name: 'asc' },
  });
  refuse(overlaps(apps, [{ name: cluster, controllerSubjects }]));
}
