/**
 * The stream of secret changes one cluster cares about, read straight from the history table by its
 * primary key (`id > after ORDER BY id`): an index range scan, cheap however often a controller polls.
 *
 * A row is only reported once it is settled — confirmed (Vault has the version) and older than a short
 * settle window. The scan stops at the first row that is not settled yet, so the cursor never passes a
 * version that may still become visible: ids are handed out before the row commits and a set confirms its
 * row only after the Vault write. A row left unconfirmed past {@link UNCONFIRMED_GIVE_UP_MS} (its write
 * failed, or a crash awaits repair) no longer holds the stream back.
 *
 * An app's own secrets are reported only for apps with an AppRole in the cluster: the controller of one cluster
 * learns nothing of the keys of apps that never run there.
 */
import type { TChangesQuery, TChangesResponse, TSecretChange } from '@secret-api/contract';
import { splitClusterName } from '@secret-api/contract';
import type { PrismaClient } from '@secret-api/prisma';

export const SETTLE_MS = 1_000;
export const UNCONFIRMED_GIVE_UP_MS = 60_000;
const DEFAULT_LIMIT = 500;

export type ListChangesDeps = { prisma: Pick<PrismaClient, 'secretVersion' | '$queryRaw'> };

interface HistoryRow {
  id: bigint;
  path: string;
  version: number;
  confirmed: boolean;
  createdAt: Date;
}

/** The change a history row stands for, when its path concerns the cluster; undefined otherwise. */
export function changeFor(
  row: Pick<HistoryRow, 'path' | 'version' | 'createdAt'>,
  cluster: string,
): TSecretChange | undefined {
  const { cloud, env } = splitClusterName(cluster);
  const parts = row.path.split('/');
  const key = parts[parts.length - 1] as string;
  const base = { key, version: row.version, changedAt: row.createdAt.toISOString() };
  if (parts[0] === 'global' && parts.length === 2) return { scope: 'global', ...base };
  if (parts[0] === 'project' && parts.length === 3)
    return parts[1] === cloud ? { scope: 'project', ...base } : undefined;
  if (parts[0] === 'cluster' && parts.length === 4)
    return parts[1] === cloud && parts[2] === env ? { scope: 'cluster', ...base } : undefined;
  if (parts.length === 2) return { scope: 'app', app: parts[0] as string, ...base };
  return undefined;
}

/** The database's clock and its newest history id, in one round trip (the id's index answers max at once). */
async function databaseState(deps: ListChangesDeps): Promise<{ now: number; newest: bigint }> {
  const [row] = await deps.prisma.$queryRaw<{ now: Date; newest: bigint | null }[]>`
    SELECT now() AS now, (SELECT max(id) FROM secret_versions) AS newest`;
  return { now: (row?.now ?? new Date()).getTime(), newest: row?.newest ?? 0n };
}

export async function listChanges(
  deps: ListChangesDeps,
  cluster: string,
  query: TChangesQuery,
): Promise<TChangesResponse> {
  const { now, newest } = await databaseState(deps);
  const settled = (row: HistoryRow): boolean => {
    const age = now - row.createdAt.getTime();
    return age >= SETTLE_MS && (row.confirmed || age >= UNCONFIRMED_GIVE_UP_MS);
  };
  const select = { id: true, path: true, version: true, confirmed: true, createdAt: true } as const;

  if (query.after === undefined) {
    // The head: what is confirmed now is history; a write still under way is not, so the head stops before it.
    const blocking = await deps.prisma.secretVersion.findFirst({
      where: { confirmed: false, createdAt: { gte: new Date(now - UNCONFIRMED_GIVE_UP_MS) } },
      orderBy: { id: 'asc' },
      select: { id: true },
    });
    return page([], blocking ? blocking.id - 1n : newest, false);
  }

  const limit = query.limit ?? DEFAULT_LIMIT;
  const rows = await deps.prisma.secretVersion.findMany({
    where: { id: { gt: BigInt(query.after) } },
    orderBy: { id: 'asc' },
    take: limit + 1,
    select,
  });
  // A cursor past the newest row (a database restored from a backup, reset, or a cursor from elsewhere) would
  // wait, unanswered, until new ids caught up with it: the reader is moved back to the head instead.
  if (rows.length === 0 && BigInt(query.after) > newest) return page([], newest, false);
  const runsHere = await appsIn(deps, cluster, rows);
  const items: TSecretChange[] = [];
  let cursor = BigInt(query.after);
  let scanned = 0;
  for (const row of rows.slice(0, limit)) {
    if (!settled(row)) return page(items, cursor, false);
    scanned++;
    cursor = row.id;
    if (!row.confirmed) continue; // given up on: its write never completed
    const change = changeFor(row, cluster);
    if (change && (change.scope !== 'app' || runsHere.has(change.app as string))) items.push(change);
  }
  return page(items, cursor, rows.length > limit && scanned === limit);
}

/**
 * The apps of these rows that have an AppRole in the cluster: one query, and none for a poll with no app rows. The
 * names go as one array parameter, so the statement's text is the same whatever their number (query-shapes test).
 */
async function appsIn(deps: ListChangesDeps, cluster: string, rows: HistoryRow[]): Promise<Set<string>> {
  const apps = [...new Set(rows.map((row) => changeFor(row, cluster)?.app).filter((app) => app !== undefined))];
  if (apps.length === 0) return new Set();
  const bound = await deps.prisma.$queryRaw<{ app: string }[]>`
    SELECT app_name AS app FROM app_role_bindings WHERE cluster_name = ${cluster} AND app_name = ANY(${apps}::text[])`;
  return new Set(bound.map((b) => b.app));
}

/** `cursor` is `nextCursor` under its first name, kept for controllers older than the API they poll. */
function page(items: TSecretChange[], position: bigint, more: boolean): TChangesResponse {
  const nextCursor = position.toString();
  return { items, nextCursor, cursor: nextCursor, more };
}
