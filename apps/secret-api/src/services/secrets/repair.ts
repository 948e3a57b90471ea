/**
 * Keeps the history and Vault in agreement. A set writes its history row (unconfirmed) before the
 * Vault write and confirms it after, all under the key's lock; a crash or a database failure in
 * between leaves an unconfirmed row, and a write made outside the Secret API leaves a version with
 * no row. Repair, under the same lock (so no set of this key is in flight), settles both against
 * the key's KV v2 metadata: no version lost, none recorded twice.
 */
import type { KvMetadata } from '@secret-api/vault-client';
import type { SecretDeps } from './deps.js';
import { fingerprint } from './fingerprint.js';
import { valueOf } from './kv-value.js';

export const REPAIR_ACTOR = 'system';
const OUTSIDE_COMMENT = 'recorded by repair: written outside the Secret API';

interface RowState {
  id: bigint;
  version: number;
  confirmed: boolean;
  fingerprint: string;
}

async function versionFingerprint(deps: SecretDeps, path: string, version: number): Promise<string | null> {
  const secret = await deps.kv.get(path, { version });
  const value = secret ? valueOf(secret) : null;
  return value === null ? null : fingerprint(deps.historyKey, value);
}

/** True when every Vault version has exactly one confirmed row and no row is pending. */
function consistent(meta: KvMetadata | null, rows: readonly RowState[]): boolean {
  if (rows.some((r) => !r.confirmed)) return false;
  const have = new Set(rows.map((r) => r.version));
  return Object.keys(meta?.versions ?? {}).every((v) => have.has(Number(v)));
}

/** The rows that matter: those of the versions Vault still keeps (a handful), and any unconfirmed one. */
async function loadRows(deps: SecretDeps, path: string, meta: KvMetadata | null): Promise<RowState[]> {
  const versions = Object.keys(meta?.versions ?? {}).map(Number);
  return deps.prisma.secretVersion.findMany({
    where: { path, OR: [{ confirmed: false }, { version: { in: versions } }] },
    select: { id: true, version: true, confirmed: true, fingerprint: true },
  });
}

/** Repairs one key. Call only while holding the key's lock. Returns the key's metadata. */
export async function repairLocked(deps: SecretDeps, path: string): Promise<KvMetadata | null> {
  const meta = await deps.kv.metadata(path);
  const rows = await loadRows(deps, path, meta);
  if (consistent(meta, rows)) return meta;
  const current = meta?.current_version ?? 0;
  const byVersion = new Map(rows.map((r) => [r.version, r]));

  for (const row of rows.filter((r) => !r.confirmed)) {
    if (row.version > current) {
      // Its Vault write never happened.
      await deps.prisma.secretVersion.delete({ where: { id: row.id } });
      continue;
    }
    const actual = meta?.versions[String(row.version)] ? await versionFingerprint(deps, path, row.version) : null;
    if (actual === null || actual === row.fingerprint) {
      // Vault holds our write (or no longer shows the value, and under the lock with cas only ours could be there).
      await deps.prisma.secretVersion.update({ where: { id: row.id }, data: { confirmed: true } });
    } else {
      // Someone outside the API wrote this version; our write lost its check-and-set.
      await deps.prisma.secretVersion.update({
        where: { id: row.id },
        data: { confirmed: true, actor: REPAIR_ACTOR, comment: OUTSIDE_COMMENT, fingerprint: actual },
      });
    }
  }

  const missing = Object.entries(meta?.versions ?? {})
    .map(([v, info]) => ({ version: Number(v), createdTime: info.created_time }))
    .filter((v) => !byVersion.has(v.version))
    .sort((a, b) => a.version - b.version);
  for (const v of missing) {
    const fp = await versionFingerprint(deps, path, v.version);
    await deps.prisma.secretVersion.createMany({
      data: [
        {
          path,
          version: v.version,
          actor: REPAIR_ACTOR,
          comment: OUTSIDE_COMMENT,
          fingerprint: fp ?? '',
          confirmed: true,
          createdAt: new Date(v.createdTime),
        },
      ],
      skipDuplicates: true,
    });
  }
  return meta;
}

/** Repairs a key if it needs it; cheap (one metadata read, one indexed query) when it does not. */
export async function repairIfNeeded(deps: SecretDeps, path: string): Promise<KvMetadata | null> {
  const meta = await deps.kv.metadata(path);
  const rows = await loadRows(deps, path, meta);
  if (consistent(meta, rows)) return meta;
  return deps.locks.withLock(path, () => repairLocked(deps, path));
}

/** At start-up: settle every row a crash left unconfirmed. */
export async function repairPending(deps: SecretDeps): Promise<number> {
  const pending = await deps.prisma.secretVersion.findMany({
    where: { confirmed: false },
    select: { path: true },
    distinct: ['path'],
  });
  for (const { path } of pending) await deps.locks.withLock(path, () => repairLocked(deps, path));
  return pending.length;
}
