/**
 * Decommission: remove the app's Vault objects in every cluster (its dynamic-credential roles too), its secrets (every version, from
 * KV v2 and from the history), then the app. An app created later under the same name starts empty:
 * its owners must not inherit the values, nor its pods the read access. Under the app's lock, so no
 * ensure can recreate objects behind us, and with the app's row locked from the start, so no set records a new
 * version meanwhile (pending-row.ts reads the row FOR KEY SHARE). Vault first: if Vault fails half-way the app is still
 * there and the same DELETE finishes the job. The audit trail keeps the record. With If-Match (or
 * If-None-Match), the app's row is locked and compared before anything is removed: a precondition that
 * fails deletes nothing.
 */
import type { PrismaClient } from '@secret-api/prisma';
import type { KvV2, VaultClient } from '@secret-api/vault-client';
import { withAppLock } from '../../db/app-lock.js';
import { requirePreconditions, type Preconditions } from '../entity-tag.js';
import { appEntityTag } from './app-etag.js';
import { lockApp } from './patch-app.js';
import { deleteDynamicRoles, desiredDynamicRoles } from '../approle/dynamic-roles.js';
import { deleteObjects, desiredObjects, type RenderDeps } from '../approle/vault-objects.js';
import { loadAttachment } from '../dynamic/attachment.js';
import { recordDeletion } from '../name-reuse.js';

export type DeleteAppDeps = RenderDeps & {
  prisma: Pick<PrismaClient, '$transaction'>;
  vault: Pick<VaultClient, 'delete'>;
  kv: Pick<KvV2, 'list' | 'deleteMetadata'>;
};

/** Vault calls in flight at once while decommissioning. */
const PARALLELISM = 4;

export async function deleteApp(
  deps: DeleteAppDeps,
  name: string,
  { preconditions = {} }: { preconditions?: Preconditions } = {},
): Promise<void> {
  await withAppLock(
    deps.prisma,
    name,
    async (tx) => {
      // Locked (404 when there is none): a PATCH cannot change what the preconditions were compared with.
      requirePreconditions(preconditions, appEntityTag(await lockApp(tx, name, true)), `app '${name}'`);
      // The history first (its deletion commits with the app's): a set already past its app check (it recorded a
      // pending row before we locked the app) confirms that row after its Vault write, and its confirmation now
      // waits for this transaction, then finds the row gone and removes the key from Vault itself
      // (set-secret.ts). One that confirmed before this had written to Vault before the keys are listed below.
      await tx.secretVersion.deleteMany({ where: { path: { startsWith: `${name}/` } } });
      // An app that had an AppRole keeps its name from a new app while its pods' tokens can still renew
      // (services/name-reuse.ts); one that never had any (no binding: no SecretID was ever issued) does not.
      if ((await tx.appRoleBinding.count({ where: { appName: name } })) > 0) await recordDeletion(tx, 'app', name);
      // Every cluster, not only the recorded bindings: a crash between an ensure's Vault writes and
      // its database write leaves objects without a binding, and they must go too.
      const clusters = await tx.cluster.findMany({ select: { name: true }, orderBy: { name: 'asc' } });
      await inParallel(
        clusters.map((c) => desiredObjects(deps, name, c.name)),
        (objects) => deleteObjects(deps.vault, objects),
      );
      // Every engine's role, attached now or not: a detach not yet applied by an ensure leaves one behind.
      // Only for apps that ever had an attachment: the others never had such roles.
      if (await loadAttachment(tx, name)) {
        const none = { database: [], aws: [], pki: [] };
        await inParallel(
          clusters.map((c) => desiredDynamicRoles(deps, name, c.name, none)),
          (roles) => deleteDynamicRoles(deps.vault, roles),
        );
      }
      // Keys only: an app's folder holds no sub-folders the API writes.
      const keys = (await deps.kv.list(name)).filter((k) => !k.endsWith('/'));
      await inParallel(keys, (key) => deps.kv.deleteMetadata(`${name}/${key}`));
      await tx.app.delete({ where: { name } });
    },
    { timeoutMs: 300_000 },
  );
}

async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(PARALLELISM, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}
