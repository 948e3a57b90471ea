/** A key's history, newest first: one indexed range read, whatever the number of versions. */
import type { TSecretHistory } from '@secret-api/contract';
import { notFound } from '../../http/api-error.js';
import type { SecretDeps } from './deps.js';
import { repairIfNeeded } from './repair.js';
import { rowState } from './versions.js';

export async function secretHistory(deps: SecretDeps, path: string, key: string): Promise<TSecretHistory> {
  const meta = await repairIfNeeded(deps, path);
  const rows = await deps.prisma.secretVersion.findMany({
    where: { path, confirmed: true },
    orderBy: { version: 'desc' },
    select: {
      version: true,
      kvVersion: true,
      kvCreatedTime: true,
      actor: true,
      createdAt: true,
      comment: true,
      fingerprint: true,
    },
  });
  if (rows.length === 0 && !meta) throw notFound(`secret ${key} does not exist`);
  return {
    items: rows.map((r) => {
      const state = rowState(meta, r);
      return {
        version: r.version,
        actor: r.actor,
        createdAt: r.createdAt.toISOString(),
        comment: r.comment,
        fingerprint: r.fingerprint,
        deleted: state?.deleted ?? false,
        // Gone from Vault: destroyed, removed with the key's metadata, forgotten by a Vault restored
        // from an older backup, or beyond the mount's max_versions.
        destroyed: state?.destroyed ?? true,
      };
    }),
  };
}
