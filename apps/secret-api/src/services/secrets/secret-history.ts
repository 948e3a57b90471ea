/**
 * A key's history, newest first, a page at a time: one indexed range read of `limit` rows, whatever the number of
 * versions (a hot key gains thousands; returning them all on every read made each read dearer than the last).
 */
import type { TSecretHistory, TSecretHistoryQuery } from '@secret-api/contract';
import { notFound } from '../../http/api-error.js';
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor, positiveIntegerUpTo } from '../pagination.js';
import type { SecretDeps } from './deps.js';
import { repairIfNeeded } from './repair.js';
import { rowState } from './versions.js';

const isVersion = positiveIntegerUpTo(2_147_483_647n);

export async function secretHistory(
  deps: SecretDeps,
  path: string,
  key: string,
  query: TSecretHistoryQuery = {},
): Promise<TSecretHistory> {
  const before = decodeCursor(query.cursor, isVersion);
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const meta = await repairIfNeeded(deps, path);
  const found = await deps.prisma.secretVersion.findMany({
    where: { path, confirmed: true, ...(before !== undefined && { version: { lt: Number(before) } }) },
    orderBy: { version: 'desc' },
    take: limit + 1,
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
  if (found.length === 0 && !meta && before === undefined) throw notFound(`secret ${key} does not exist`);
  const rows = found.slice(0, limit);
  const last = rows[rows.length - 1];
  return {
    ...(found.length > limit && last && { nextCursor: encodeCursor(String(last.version)) }),
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
