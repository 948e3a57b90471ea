/**
 * Decommission: remove the app's Vault objects in every cluster, then the app. Under the app's
 * lock, so no ensure can recreate objects behind us. Vault first: if Vault fails half-way the
 * app is still there and the same DELETE finishes the job.
 */
import type { PrismaClient } from '@secret-api/prisma';
import type { VaultClient } from '@secret-api/vault-client';
import { withAppLock } from '../../db/app-lock.js';
import { notFound } from '../../http/api-error.js';
import { deleteObjects, desiredObjects, type RenderDeps } from '../approle/vault-objects.js';

export type DeleteAppDeps = RenderDeps & {
  prisma: Pick<PrismaClient, '$transaction'>;
  vault: Pick<VaultClient, 'delete'>;
};

/** Vault calls in flight at once while decommissioning. */
const PARALLELISM = 4;

export async function deleteApp(deps: DeleteAppDeps, name: string): Promise<void> {
  await withAppLock(
    deps.prisma,
    name,
    async (tx) => {
      if (!(await tx.app.findUnique({ where: { name }, select: { name: true } }))) {
        throw notFound(`app '${name}' does not exist`);
      }
      // Every cluster, not only the recorded bindings: a crash between an ensure's Vault writes and
      // its database write leaves objects without a binding, and they must go too.
      const clusters = await tx.cluster.findMany({ select: { name: true }, orderBy: { name: 'asc' } });
      const queue = clusters.map((c) => desiredObjects(deps, name, c.name));
      const workers = Array.from({ length: Math.min(PARALLELISM, queue.length) }, async () => {
        for (let objects = queue.shift(); objects; objects = queue.shift()) await deleteObjects(deps.vault, objects);
      });
      await Promise.all(workers);
      await tx.app.delete({ where: { name } });
    },
    { timeoutMs: 300_000 },
  );
}
