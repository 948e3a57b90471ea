/**
 * A key's history, newest first, a page at a time: one indexed range read of `limit` rows, whatever the number of
 * versions (a hot key gains thousands; returning them all on every read made each read dearer than the last). A page
 * read a moment ago is answered again until the key changes (history-cache.ts).
 */
import type { TSecretHistory, TSecretHistoryQuery } from '@secret-api/contract';
import { Prisma } from '@secret-api/prisma';
import { notFound } from '../../http/api-error.js';
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor, positiveIntegerUpTo } from '../pagination.js';
import type { SecretDeps } from './deps.js';
import { shownFingerprint } from './fingerprint.js';
import { repairKeysIfNeeded } from './repair.js';
import { rowState } from './versions.js';

const isVersion = positiveIntegerUpTo(2_147_483_647n);

interface HistoryRow {
  version: number;
  kvVersion: number | null;
  kvCreatedTime: string | null;
  actor: string;
  createdAt: Date;
  comment: string | null;
  fingerprint: string;
}

/**
 * `limit + 1` confirmed rows below `before` (or from the newest), newest first: a range read of the
 * (path, version) index. One statement with or without a cursor. Exported so that bench/secrets
 * explains the very statement the API sends.
 */
export function historyPageQuery(path: string, before: number | null, limit: number): Prisma.Sql {
  return Prisma.sql`
    SELECT version, kv_version AS "kvVersion", kv_created_time AS "kvCreatedTime", actor, created_at AS "createdAt",
           comment, fingerprint
    FROM secret_versions
    WHERE path = ${path} AND confirmed AND (${before}::int IS NULL OR version < ${before}::int)
    ORDER BY version DESC
    LIMIT ${limit + 1}`;
}

function pageOf(deps: SecretDeps, path: string, before: number | null, limit: number): Promise<HistoryRow[]> {
  return deps.prisma.$queryRaw<HistoryRow[]>(historyPageQuery(path, before, limit));
}

export function secretHistory(
  deps: SecretDeps,
  path: string,
  key: string,
  query: TSecretHistoryQuery = {},
): Promise<TSecretHistory> {
  const cursor = decodeCursor(query.cursor, isVersion);
  const before = cursor === undefined ? null : Number(cursor);
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  return deps.histories.get(path, `${before}:${limit}`, () => readHistory(deps, path, key, before, limit));
}

async function readHistory(
  deps: SecretDeps,
  path: string,
  key: string,
  before: number | null,
  limit: number,
): Promise<TSecretHistory> {
  const metaRead = await deps.kv.metadata(path);
  // The page is read alongside repair's check; only when the key needed repair is it read again.
  const [checked, firstPage] = await Promise.all([
    repairKeysIfNeeded(deps, [{ path, meta: metaRead }]),
    pageOf(deps, path, before, limit),
  ]);
  const checkedKey = checked.get(path);
  const meta = checkedKey?.meta ?? metaRead;
  const found = checkedKey?.repaired ? await pageOf(deps, path, before, limit) : firstPage;
  if (found.length === 0 && !meta && before === null) throw notFound(`secret ${key} does not exist`);
  const rows = found.slice(0, limit);
  const last = rows[rows.length - 1];
  return {
    ...(found.length > limit && last && { nextCursor: encodeCursor(String(last.version)) }),
    items: rows.map((r) => {
      const state = rowState(meta, r);
      return {
        version: r.version,
        actor: r.actor,
        // When Vault created the version, as a read of it and the list say (the row is recorded just before).
        createdAt: (r.kvCreatedTime ? new Date(r.kvCreatedTime) : r.createdAt).toISOString(),
        comment: r.comment,
        fingerprint: shownFingerprint(deps.historyKey, path, r.fingerprint),
        deleted: state?.deleted ?? false,
        // Gone from Vault: destroyed, removed with the key's metadata, forgotten by a Vault restored
        // from an older backup, or beyond the mount's max_versions.
        destroyed: state?.destroyed ?? true,
      };
    }),
  };
}
