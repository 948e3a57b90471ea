/** A key's history, newest first: one indexed range read, whatever the number of versions. */
import type { TSecretHistory } from '@secret-api/contract';
import { notFound } from '../../http/api-error.js';
import type { SecretDeps } from './deps.js';
import { repairIfNeeded } from './repair.js';

export async function secretHistory(deps: SecretDeps, path: string, key: string): Promise<TSecretHistory> {
  const meta = await repairIfNeeded(deps, path);
  const rows = await deps.prisma.secretVersion.findMany({
    where: { path, confirmed: true },
    orderBy: { version: 'desc' },
    select: { version: true, actor: true, createdAt: true, comment: true, fingerprint: true },
  });
  if (rows.length === 0 && !meta) throw notFound(`secret ${key} does not exist`);
  return {
    items: rows.map((r) => {
      const info = meta?.versions[String(r.version)];
      return {
        version: r.version,
        actor: r.actor,
        createdAt: r.createdAt.toISOString(),
        comment: r.comment,
        fingerprint: r.fingerprint,
        deleted: info ? info.deletion_time !== '' : false,
        // Gone from Vault: destroyed, removed with the key, or beyond the mount's max_versions.
        destroyed: info ? info.destroyed : true,
      };
    }),
  };
}
