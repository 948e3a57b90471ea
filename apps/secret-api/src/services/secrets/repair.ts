/**
 * Keeps the history and Vault in agreement. A set writes its history row (unconfirmed) before the
 * Vault write and confirms it after, all under the key's lock; a crash or a database failure in
 * between leaves an unconfirmed row, and a write made outside the Secret API leaves a version with
 * no row. Vault can also fall behind its history: KV metadata deleted, or Vault restored from an
 * older backup, forgets versions the history remembers. Repair, under the same lock (so no set of
 * this key is in flight), settles all of it against the key's KV v2 metadata: no version lost,
 * none recorded twice, versions Vault forgot kept in the history as destroyed.
 */
import { randomUUID } from 'node:crypto';
import type { KvMetadata } from '@secret-api/vault-client';
import { KeyBusyError } from '../../db/key-lock.js';
import type { SecretDeps } from './deps.js';
import { fingerprint } from './fingerprint.js';
import { SYSTEM_ACTOR, latestVersion } from './history-rows.js';
import { valueOf } from './kv-value.js';
import { auditTarget, locateKvPath } from './location.js';
import { withKeyLock } from './secret-lock.js';
import { rowState } from './versions.js';

export { SYSTEM_ACTOR as REPAIR_ACTOR } from './history-rows.js';
const OUTSIDE_COMMENT = 'recorded by repair: written outside the Secret API';
/**
 * How long after a set records its row its Vault write can still be applied: the Vault client's whole budget for
 * a request (retries included, VAULT_TIMEOUT_MS) is far less, and the clocks of Vault and the database may differ.
 */
const OWN_WRITE_WINDOW_MS = 5 * 60_000;

export interface RowState {
  id: bigint;
  path: string;
  version: number;
  kvVersion: number | null;
  kvCreatedTime: string | null;
  confirmed: boolean;
  fingerprint: string;
  actor: string;
  /** When the row was recorded (for a pending row: just before its Vault write was sent). */
  createdAt: Date;
}

/** A key as repair sees it: Vault's metadata and the history rows that matter for it. */
export interface CheckedKey {
  meta: KvMetadata | null;
  rows: RowState[];
  /** The key needed repair and was repaired just now: anything read of it before is stale. */
  repaired?: boolean;
}

async function versionFingerprint(deps: SecretDeps, path: string, kvVersion: number): Promise<string | null> {
  const secret = await deps.kv.get(path, { version: kvVersion });
  const value = secret ? valueOf(secret) : null;
  return value === null ? null : fingerprint(deps.historyKey, value);
}

/**
 * A pending row whose version Vault does not have yet, recorded so recently that its write may still be applied: a
 * request can wait in a slow Vault well after the API stopped waiting for its answer. Repair leaves it pending
 * (deleting it would credit the version to nobody when it lands); a set fences it (see set-secret.ts).
 */
export function awaitingVault(row: RowState, current: number, now = Date.now()): boolean {
  return (
    !row.confirmed &&
    row.kvVersion !== null &&
    row.kvVersion > current &&
    now - row.createdAt.getTime() <= OWN_WRITE_WINDOW_MS
  );
}

/**
 * True when no row is pending, every row loaded describes a version Vault has (checked by creation
 * time), and every version Vault has is described by a row.
 */
function consistent(meta: KvMetadata | null, rows: readonly RowState[]): boolean {
  if (rows.some((r) => !r.confirmed || r.kvCreatedTime === null || rowState(meta, r) === null)) return false;
  const have = new Set(rows.map((r) => r.kvVersion));
  return Object.keys(meta?.versions ?? {}).every((v) => have.has(Number(v)));
}

/**
 * The rows that matter for each key (a handful per key): those of the KV versions Vault still
 * keeps, any unconfirmed one, and any tied to a KV version beyond Vault's current one (Vault has
 * forgotten it). One statement for any number of keys — a list checks all its keys at once — and
 * its text is the same for any number of keys and versions: they travel as array parameters (see
 * test/query-shapes.test.ts). Each part reads an index: (path, kv_version) for the first and the
 * last, (confirmed, created_at) for the unconfirmed rows.
 */
export async function loadRowsOfKeys(
  deps: SecretDeps,
  keys: readonly { path: string; meta: KvMetadata | null }[],
): Promise<Map<string, RowState[]>> {
  const byPath = new Map<string, RowState[]>(keys.map((k) => [k.path, []]));
  if (keys.length === 0) return byPath;
  const paths = keys.map((k) => k.path);
  const currents = keys.map((k) => k.meta?.current_version ?? 0);
  const keptPaths: string[] = [];
  const keptVersions: number[] = [];
  for (const { path, meta } of keys) {
    for (const v of Object.keys(meta?.versions ?? {})) {
      keptPaths.push(path);
      keptVersions.push(Number(v));
    }
  }
  const rows = await deps.prisma.$queryRaw<RowState[]>`
    SELECT v.id, v.path, v.version, v.kv_version AS "kvVersion", v.kv_created_time AS "kvCreatedTime",
           v.confirmed, v.fingerprint, v.actor, v.created_at AS "createdAt"
    FROM secret_versions v
    JOIN unnest(${keptPaths}::text[], ${keptVersions}::int[]) AS kept(path, kv_version)
      ON v.path = kept.path AND v.kv_version = kept.kv_version
    UNION
    SELECT v.id, v.path, v.version, v.kv_version, v.kv_created_time, v.confirmed, v.fingerprint, v.actor, v.created_at
    FROM secret_versions v
    WHERE NOT v.confirmed AND v.path = ANY(${paths}::text[])
    UNION
    SELECT v.id, v.path, v.version, v.kv_version, v.kv_created_time, v.confirmed, v.fingerprint, v.actor, v.created_at
    FROM secret_versions v
    JOIN unnest(${paths}::text[], ${currents}::int[]) AS k(path, current_version)
      ON v.path = k.path AND v.kv_version > k.current_version`;
  for (const row of rows) byPath.get(row.path)?.push(row);
  return byPath;
}

async function loadRows(deps: SecretDeps, path: string, meta: KvMetadata | null): Promise<RowState[]> {
  return (await loadRowsOfKeys(deps, [{ path, meta }])).get(path) ?? [];
}

/** Repairs one key. Call only while holding the key's lock. Returns the key's metadata. */
export async function repairLocked(deps: SecretDeps, path: string): Promise<KvMetadata | null> {
  return (await checkLocked(deps, path)).meta;
}

/**
 * Repairs one key if it needs it (call only while holding the key's lock) and returns the key as
 * it is then: Vault's metadata and the rows that matter (see {@link loadRowsOfKeys}). The common
 * case, nothing to repair, costs one metadata read and one query.
 */
export async function checkLocked(deps: SecretDeps, path: string): Promise<CheckedKey> {
  const meta = await deps.kv.metadata(path);
  const rows = await loadRows(deps, path, meta);
  if (consistent(meta, rows)) return { meta, rows };
  const repaired = await settle(deps, path, meta, rows);
  return { meta: repaired, rows: await loadRows(deps, path, repaired) };
}

/** Brings the history of one key in line with `meta` (read under the key's lock). */
async function settle(
  deps: SecretDeps,
  path: string,
  meta: KvMetadata | null,
  rows: readonly RowState[],
): Promise<KvMetadata | null> {
  const current = meta?.current_version ?? 0;
  const infoOf = (kvVersion: number | null) => (kvVersion === null ? undefined : meta?.versions[String(kvVersion)]);
  /** KV versions with a confirmed row describing them. */
  const recorded = new Set<number>();
  /** API versions whose value Vault no longer has. */
  const lost: number[] = [];
  const detach = async (row: RowState) => {
    await deps.prisma.secretVersion.update({ where: { id: row.id }, data: { kvVersion: null } });
    lost.push(row.version);
  };

  for (const row of rows.filter((r) => r.confirmed && r.kvVersion !== null)) {
    const kvVersion = row.kvVersion as number;
    const info = infoOf(kvVersion);
    if (kvVersion > current || (info && row.kvCreatedTime !== null && row.kvCreatedTime !== info.created_time)) {
      // Vault's numbering restarted: this version is gone, and its number may now be another's.
      await detach(row);
    } else if (info && row.kvCreatedTime === null) {
      // Recorded before creation times were: check once that Vault's version is the one described.
      const actual = await versionFingerprint(deps, path, kvVersion);
      if (actual === null || actual === row.fingerprint) {
        await deps.prisma.secretVersion.update({ where: { id: row.id }, data: { kvCreatedTime: info.created_time } });
        recorded.add(kvVersion);
      } else {
        await detach(row);
      }
    } else if (info) {
      recorded.add(kvVersion);
    }
  }

  for (const row of rows.filter((r) => !r.confirmed)) {
    const info = infoOf(row.kvVersion);
    if (awaitingVault(row, current)) continue;
    if (row.kvVersion === null || row.kvVersion > current || recorded.has(row.kvVersion)) {
      // Its Vault write never happened.
      await deps.prisma.secretVersion.delete({ where: { id: row.id } });
      continue;
    }
    const actual = info ? await versionFingerprint(deps, path, row.kvVersion) : null;
    const kvCreatedTime = info?.created_time ?? null;
    // A set's write is sent right after its row is recorded and is never resent later: a version Vault created
    // well after that, whose value can no longer be read to compare, is taken for someone else's.
    const tooLate = kvCreatedTime !== null && Date.parse(kvCreatedTime) - row.createdAt.getTime() > OWN_WRITE_WINDOW_MS;
    // The same value is the set's own write however late it landed; an unreadable one only within the window.
    if (actual === row.fingerprint || (!tooLate && actual === null)) {
      // Vault holds our write (or no longer shows the value, and under the lock with cas only ours could be there).
      await deps.prisma.secretVersion.update({ where: { id: row.id }, data: { confirmed: true, kvCreatedTime } });
      await auditApplied(deps, path, row);
    } else {
      // Someone outside the API wrote this version; our write lost its check-and-set (or never happened).
      await deps.prisma.secretVersion.update({
        where: { id: row.id },
        data: {
          confirmed: true,
          kvCreatedTime,
          actor: SYSTEM_ACTOR,
          comment: OUTSIDE_COMMENT,
          fingerprint: actual ?? '',
          ...(kvCreatedTime !== null && { createdAt: new Date(kvCreatedTime) }),
        },
      });
    }
    recorded.add(row.kvVersion);
  }

  const missing = Object.entries(meta?.versions ?? {})
    .map(([v, info]) => ({ kvVersion: Number(v), createdTime: info.created_time }))
    .filter((v) => !recorded.has(v.kvVersion))
    .sort((a, b) => a.kvVersion - b.kvVersion);
  let next = missing.length > 0 ? (await latestVersion(deps, path)) + 1 : 0;
  for (const v of missing) {
    const fp = await versionFingerprint(deps, path, v.kvVersion);
    await deps.prisma.secretVersion.create({
      data: {
        path,
        version: next++,
        kvVersion: v.kvVersion,
        kvCreatedTime: v.createdTime,
        actor: SYSTEM_ACTOR,
        comment: OUTSIDE_COMMENT,
        fingerprint: fp ?? '',
        confirmed: true,
        createdAt: new Date(v.createdTime),
      },
      select: { id: true },
    });
  }
  if (lost.length > 0) {
    deps.logger?.warn(
      { path, versions: lost.sort((a, b) => a - b) },
      'Vault no longer has these versions of a secret (its KV metadata is behind the history): the history shows them destroyed',
    );
  }
  return meta;
}

/**
 * The audit event of a set Vault applied though the request that sent it failed (Vault's answer was lost, or the
 * database failed before the confirmation): that request was audited as an error, and this version would
 * otherwise have no event. In the set's name, as `secret.set`, marked as recorded by repair.
 */
async function auditApplied(deps: SecretDeps, path: string, row: RowState): Promise<void> {
  if (!deps.audit) return;
  const { loc, key } = locateKvPath(path);
  await deps.audit.record({
    actor: row.actor,
    action: 'secret.set',
    target: auditTarget(loc, key),
    app: loc.app,
    result: 'success',
    requestId: randomUUID(),
    details: {
      version: row.version,
      recordedBy: 'repair',
      why: 'Vault applied this write although the request that sent it ended in an error',
      requestedAt: row.createdAt.toISOString(),
    },
  });
}

/**
 * Repairs a key if it needs it; cheap (one metadata read, one indexed query) when it does not.
 * Never waits for the key: if it is busy, a write is in flight (and repairs first), so a read
 * answers from what Vault says now.
 */
export async function repairIfNeeded(deps: SecretDeps, path: string): Promise<KvMetadata | null> {
  const meta = await deps.kv.metadata(path);
  const checked = (await repairKeysIfNeeded(deps, [{ path, meta }])).get(path);
  return checked ? checked.meta : meta;
}

/**
 * {@link repairIfNeeded} for keys whose metadata the caller has read: one query for all of them,
 * and a repair (each under its key's lock, never waiting) only for those that need it. Returns
 * every key as it is then; a busy key as Vault and the history say now.
 */
export async function repairKeysIfNeeded(
  deps: SecretDeps,
  keys: readonly { path: string; meta: KvMetadata | null }[],
): Promise<Map<string, CheckedKey>> {
  const rowsOf = await loadRowsOfKeys(deps, keys);
  const checked = new Map<string, CheckedKey>();
  for (const { path, meta } of keys) {
    const rows = rowsOf.get(path) ?? [];
    if (consistent(meta, rows)) {
      checked.set(path, { meta, rows });
      continue;
    }
    try {
      const now = await withKeyLock(deps, path, () => checkLocked(deps, path), { waitMs: 0 });
      checked.set(path, { ...now, repaired: true });
    } catch (err) {
      if (!(err instanceof KeyBusyError)) throw err;
      checked.set(path, { meta, rows });
    }
  }
  return checked;
}

/** At start-up: settle every row a crash left unconfirmed (a key busy now is settled on access). */
export async function repairPending(deps: SecretDeps): Promise<number> {
  const pending = await deps.prisma.secretVersion.findMany({
    where: { confirmed: false },
    select: { path: true },
    distinct: ['path'],
  });
  let repaired = 0;
  for (const { path } of pending) {
    try {
      await withKeyLock(deps, path, () => repairLocked(deps, path));
      repaired++;
    } catch (err) {
      if (!(err instanceof KeyBusyError)) throw err;
    }
  }
  return repaired;
}
