/**
 * A set's history row from pending to confirmed. The row is recorded unconfirmed before the Vault
 * write, committed waiting for the WAL flush, so that even a crash of the database host leaves
 * this trace of who wrote the version for repair to settle; it is confirmed once Vault holds the
 * version. Where the key's lock lives in PostgreSQL both ride on the lock's own statements: the
 * row is recorded by the statement that takes the lock, and confirmed by the one that releases
 * it — each statement costs the API a socket write, most of a set's CPU.
 */
import { isUniqueViolation } from '../../db/errors.js';
import { TRY_LOCK_CALL, UNLOCK_CALL, type HeldKey, type SessionStatement } from '../../db/key-lock.js';
import { ApiError, notFound } from '../../http/api-error.js';
import type { SecretDeps } from './deps.js';
import { fingerprint } from './fingerprint.js';
import { awaitingVault, type CheckedKey } from './repair.js';
import { ANNOUNCE_CALL } from './secret-changes.js';
import type { SetSecretInput } from './set-secret.js';

/** What the row records of a set: who, why, a fingerprint of what, and the cas it was asked with. */
type PendingInput = Pick<SetSecretInput, 'path' | 'key' | 'value' | 'comment' | 'cas' | 'actor' | 'app'>;

/**
 * Takes the key's lock and, when the history names Vault's current version, records the pending
 * row for the next one — one round trip (the lock's key is the path). For an app's secret ($7, the
 * app; null for a shared scope) the app must exist, read `FOR KEY SHARE`: a decommission holds the
 * app's row `FOR UPDATE` from its start, so no set records a version while the app's secrets are being
 * removed, and one that comes after finds the app gone (`gone`: answered 404). The history names it when no
 * row is pending and the newest row is confirmed and tied to its KV version, or when the key has
 * no row at all (never set: Vault must not have it either). A cas ($6) must match that newest API
 * version. Otherwise nothing is recorded, and the set repairs first.
 *
 * The look reads a snapshot an instant older than the lock, so it may miss a row another process
 * committed just before releasing the key: the insert then collides on (path, version) and does
 * nothing, or the Vault write's check-and-set fails — either way the set repairs. Committed
 * waiting for the WAL flush (the session's default) before the Vault write, so that even a crash of
 * the database host leaves this trace of who wrote the version. Index reads only: (path, version)
 * backwards for the newest row, (confirmed, created_at) for the few pending rows of all keys.
 */
const LOCK_AND_RECORD = `WITH owner AS (SELECT count(*)::int AS n FROM (SELECT 1 FROM apps WHERE name = $7::text FOR KEY SHARE) a),
    l AS (SELECT ${TRY_LOCK_CALL} AS locked, $7::text IS NOT NULL AND (SELECT n FROM owner) = 0 AS gone),
    look AS (
      SELECT l.locked, l.gone, n.version, n.kv_version, n.kv_created_time, n.confirmed,
             l.locked AND EXISTS (SELECT 1 FROM secret_versions p WHERE NOT p.confirmed AND p.path = $2) AS pending
      FROM l LEFT JOIN LATERAL (
        SELECT v.version, v.kv_version, v.kv_created_time, v.confirmed FROM secret_versions v
        WHERE l.locked AND v.path = $2 ORDER BY v.version DESC LIMIT 1
      ) n ON true),
    recorded AS (
      INSERT INTO secret_versions (path, version, kv_version, actor, comment, fingerprint, confirmed)
      SELECT $2, COALESCE(look.version, 0) + 1, COALESCE(look.kv_version, 0) + 1, $3::text, $4::text, $5::text, false
      FROM look
      WHERE look.locked AND NOT look.gone AND NOT look.pending
        AND (look.version IS NULL
             OR (look.confirmed AND look.kv_version IS NOT NULL AND look.kv_created_time IS NOT NULL))
        AND ($6::int IS NULL OR $6::int = COALESCE(look.version, 0))
      ON CONFLICT (path, version) DO NOTHING
      RETURNING id, version, kv_version)
    SELECT look.locked, look.gone, r.id, r.version, r.kv_version AS "kvVersion" FROM look LEFT JOIN recorded r ON true`;

/** {@link LOCK_AND_RECORD} for a set: its key's lock (the path), the row's author and fingerprint, its cas. */
export function lockAndRecord(deps: Pick<SecretDeps, 'historyKey'>, input: PendingInput): SessionStatement {
  return {
    name: 'secret-set-lock-and-record',
    text: LOCK_AND_RECORD,
    values: [
      input.actor,
      input.comment ?? null,
      fingerprint(deps.historyKey, input.value),
      input.cas ?? null,
      input.app ?? null,
    ],
  };
}

/** The 404 of a set whose app was deleted while it waited or wrote. */
export const appGone = (app: string) => notFound(`app '${app}' does not exist (it was deleted)`);

/** Whether {@link lockAndRecord} found the set's app deleted. */
export function foundAppGone(read: Record<string, unknown>[] | undefined): boolean {
  return read?.[0]?.['gone'] === true;
}

/** The pending row {@link lockAndRecord} recorded, if it did. */
export function recordedWithLock(read: Record<string, unknown>[] | undefined): Written | null {
  const row = read?.[0] as { id: string | null; version: number | null; kvVersion: number | null } | undefined;
  if (!row || row.id === null || row.version === null || row.kvVersion === null) return null;
  return { row: { id: BigInt(row.id), version: row.version }, kvVersion: row.kvVersion, kvCreatedTime: null };
}

/**
 * The pending row, numbered one past the key's highest version in the same statement. Committed
 * before the Vault write and waiting for the WAL flush, so that even a crash of the database host
 * leaves this trace of who wrote the version for repair to settle.
 */
export async function insertPending(
  deps: SecretDeps,
  input: PendingInput,
  kvVersion: number,
): Promise<{ id: bigint; version: number }> {
  let row: { id: bigint; version: number } | undefined;
  const app = input.app ?? null;
  try {
    // As in LOCK_AND_RECORD: an app's secret is recorded only while the app exists, read FOR KEY SHARE.
    [row] = await deps.prisma.$queryRaw<{ id: bigint; version: number }[]>`
      WITH owner AS (SELECT 1 FROM apps WHERE name = ${app}::text FOR KEY SHARE)
      INSERT INTO secret_versions (path, version, kv_version, actor, comment, fingerprint, confirmed)
      SELECT ${input.path}, COALESCE(MAX(version), 0) + 1, ${kvVersion}::int, ${input.actor}, ${input.comment ?? null},
             ${fingerprint(deps.historyKey, input.value)}, false
      FROM secret_versions WHERE path = ${input.path}
      HAVING ${app}::text IS NULL OR EXISTS (SELECT 1 FROM owner)
      RETURNING id, version`;
  } catch (err) {
    // Only when the lock was lost with its database session and another process wrote meanwhile.
    if (isUniqueViolation(err)) {
      throw new ApiError('secret_busy', `${input.key} was changed by another request meanwhile; retry`, {
        headers: { 'Retry-After': '1' },
      });
    }
    throw err;
  }
  if (!row) {
    if (input.app !== undefined) throw appGone(input.app);
    throw new Error('the pending history row was not inserted');
  }
  return row;
}

/** A pending row and the KV version it describes (with Vault's creation time, once written). */
export interface Written {
  row: { id: bigint; version: number };
  kvVersion: number;
  kvCreatedTime: string | null;
}

/**
 * Confirms the row once Vault holds the version, in the statement that releases the key's lock
 * and tells the other API processes that the key changed. Committed without waiting for the WAL
 * flush: if a crash of the database host loses the confirmation, the row is pending again and
 * repair confirms it from Vault's metadata (same version, same fingerprint) — nothing is lost but
 * a flush wait.
 */
const CONFIRM_AND_UNLOCK = `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true)),
    confirmed AS (
      UPDATE secret_versions SET confirmed = true, kv_version = $3::int, kv_created_time = $4::text
      FROM async_commit WHERE id = $5::bigint
      RETURNING id)
    SELECT (SELECT count(*)::int FROM confirmed) AS confirmed, ${UNLOCK_CALL} AS unlocked, ${ANNOUNCE_CALL} AS announced`;

/** {@link CONFIRM_AND_UNLOCK} for a written version: its KV version and creation time, its row. */
export function confirmAndUnlock({ row, kvVersion, kvCreatedTime }: Written): SessionStatement {
  return {
    name: 'secret-set-confirm-and-unlock',
    text: CONFIRM_AND_UNLOCK,
    values: [kvVersion, kvCreatedTime, String(row.id)],
  };
}

/**
 * Confirms the row (see {@link CONFIRM_AND_UNLOCK}); false when the row was no longer there to confirm: the app's
 * decommission deleted it while the set wrote to Vault.
 */
export async function confirm(deps: SecretDeps, held: HeldKey, written: Written): Promise<boolean> {
  const { row, kvVersion, kvCreatedTime } = written;
  try {
    const rows = await held.releaseWith(confirmAndUnlock(written));
    if (rows) return rows[0]?.['confirmed'] !== 0;
    // No lock session (an in-process lock, or one lost with its connection): confirm on our own.
  } catch (err) {
    // The lock's session failed under the statement (the lock module releases the lock): Vault
    // has the version, so confirm on our own; if the database is down that fails too, and
    // repair confirms the row later.
    deps.logger?.warn({ err: (err as Error).message }, 'confirming a secret version with its unlock failed');
  }
  const [confirmed] = await deps.prisma.$queryRaw<{ id: bigint }[]>`
    WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true))
    UPDATE secret_versions SET confirmed = true, kv_version = ${kvVersion}::int, kv_created_time = ${kvCreatedTime}
    FROM async_commit WHERE id = ${row.id}
    RETURNING id`;
  return confirmed !== undefined;
}

/** Whether app `name` exists (now, not as the request's cached view had it). */
export async function appExists(deps: Pick<SecretDeps, 'prisma'>, name: string): Promise<boolean> {
  const rows = await deps.prisma.$queryRaw<{ found: number }[]>`SELECT 1 AS found FROM apps WHERE name = ${name}`;
  return rows.length > 0;
}

/** A pending row a set fenced: what it takes to record it again. */
interface FencedRow {
  id: bigint;
  path: string;
  version: number;
  kvVersion: number | null;
  actor: string;
  comment: string | null;
  fingerprint: string;
  createdAt: Date;
}

/**
 * Deletes the pending rows of earlier sets whose Vault writes may still land ({@link awaitingVault}). The set about
 * to write takes their place in the numbering, and its check-and-set on Vault's current version — the same one
 * theirs carry — makes sure they can no longer land once it has. Call under the key's lock; if the set's own write
 * is refused or never sent, {@link unfence} puts them back (one of them may be what Vault applied instead).
 */
export async function fence(deps: Pick<SecretDeps, 'prisma'>, checked: CheckedKey): Promise<FencedRow[]> {
  const current = checked.meta?.current_version ?? 0;
  const ids = checked.rows.filter((r) => awaitingVault(r, current)).map((r) => String(r.id));
  if (ids.length === 0) return [];
  return deps.prisma.$queryRaw<FencedRow[]>`
    DELETE FROM secret_versions WHERE id = ANY(${ids}::bigint[]) AND NOT confirmed
    RETURNING id, path, version, kv_version AS "kvVersion", actor, comment, fingerprint, created_at AS "createdAt"`;
}

/** Records the rows {@link fence} deleted again, as they were: pending, for repair to settle. */
export async function unfence(deps: Pick<SecretDeps, 'prisma'>, fenced: readonly FencedRow[]): Promise<void> {
  if (fenced.length === 0) return;
  await deps.prisma.secretVersion.createMany({ data: fenced.map((row) => ({ ...row, confirmed: false })) });
}
