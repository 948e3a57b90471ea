/**
 * Set a value: a new KV v2 version, and its history row. Under the key's lock: repair first, then
 * record the row unconfirmed for the next API version (the KV version it will be written as
 * alongside), write to Vault with check-and-set on Vault's current version (so a writer outside the
 * API cannot be overwritten unseen), confirm the row with Vault's creation time of the version.
 * Concurrent sets of one key queue on the lock and get consecutive versions, one row each; a key
 * that stays locked longer than the lock's wait is answered `secret_busy`.
 *
 * The API version only grows: when Vault's numbering restarted (its KV metadata was deleted or
 * restored from an older backup), Vault writes version 1 again while the history goes on.
 */
import type { TSecretVersionRef } from '@secret-api/contract';
import { VaultCasMismatchError } from '@secret-api/vault-client';
import { isUniqueViolation } from '../../db/errors.js';
import { ApiError } from '../../http/api-error.js';
import type { SecretDeps } from './deps.js';
import { fingerprint } from './fingerprint.js';
import { describeKvVersion } from './history-rows.js';
import { valueData } from './kv-value.js';
import { checkLocked, type CheckedKey } from './repair.js';
import { withSecretLock } from './secret-lock.js';
import { rowOfKvVersion } from './versions.js';

export interface SetSecretInput {
  path: string;
  key: string;
  value: string;
  comment?: string | undefined;
  /** The API version the caller expects to be current; 0 = the key must not exist in Vault. */
  cas?: number | undefined;
  actor: string;
}

/** The API version of the key's current Vault version; 0 when Vault has none (never set, or forgotten). */
async function currentVersion(deps: SecretDeps, path: string, { meta, rows }: CheckedKey): Promise<number> {
  if (!meta || meta.current_version === 0) return 0;
  // The checked rows include the current version's, unless a repair elsewhere has yet to record it.
  const row = rowOfKvVersion(meta, rows, meta.current_version);
  return row ? row.version : (await describeKvVersion(deps, path, meta, meta.current_version)).version;
}

/**
 * The pending row, numbered one past the key's highest version in the same statement. Committed
 * before the Vault write and waiting for the WAL flush, so that even a crash of the database host
 * leaves this trace of who wrote the version for repair to settle.
 */
async function insertPending(
  deps: SecretDeps,
  input: SetSecretInput,
  kvVersion: number,
): Promise<{ id: bigint; version: number }> {
  const [row] = await deps.prisma.$queryRaw<{ id: bigint; version: number }[]>`
    INSERT INTO secret_versions (path, version, kv_version, actor, comment, fingerprint, confirmed)
    SELECT ${input.path}, COALESCE(MAX(version), 0) + 1, ${kvVersion}::int, ${input.actor}, ${input.comment ?? null},
           ${fingerprint(deps.historyKey, input.value)}, false
    FROM secret_versions WHERE path = ${input.path}
    RETURNING id, version`;
  if (!row) throw new Error('the pending history row was not inserted');
  return row;
}

/**
 * Confirms the row once Vault holds the version. Committed without waiting for the WAL flush: if a
 * crash of the database host loses the confirmation, the row is pending again and repair confirms
 * it from Vault's metadata (same version, same fingerprint) — nothing is lost but a flush wait.
 */
async function confirm(deps: SecretDeps, id: bigint, kvVersion: number, kvCreatedTime: string | null): Promise<void> {
  await deps.prisma.$queryRaw`
    WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true))
    UPDATE secret_versions SET confirmed = true, kv_version = ${kvVersion}::int, kv_created_time = ${kvCreatedTime}
    FROM async_commit WHERE id = ${id}`;
}

export async function setSecret(deps: SecretDeps, input: SetSecretInput): Promise<TSecretVersionRef> {
  return withSecretLock(deps, input.path, input.key, async () => {
    const checked = await checkLocked(deps, input.path);
    const kvCurrent = checked.meta?.current_version ?? 0;
    if (input.cas !== undefined) {
      const current = await currentVersion(deps, input.path, checked);
      if (input.cas !== current) {
        const now = current === 0 ? 'does not exist in Vault' : `is at version ${current}`;
        throw new ApiError(
          'cas_mismatch',
          `${input.key} ${now}, not ${input.cas}; read it again and retry with cas ${current}`,
        );
      }
    }
    let row: { id: bigint; version: number };
    try {
      row = await insertPending(deps, input, kvCurrent + 1);
    } catch (err) {
      // Only when the lock was lost with its database session and another process wrote meanwhile.
      if (isUniqueViolation(err)) {
        throw new ApiError('secret_busy', `${input.key} was changed by another request meanwhile; retry`, {
          headers: { 'Retry-After': '1' },
        });
      }
      throw err;
    }
    let written: { version: number; createdTime: string | null };
    try {
      written = await deps.kv.write(input.path, valueData(input.value), { cas: kvCurrent });
    } catch (err) {
      if (err instanceof VaultCasMismatchError) {
        await deps.prisma.secretVersion.delete({ where: { id: row.id } });
        throw new ApiError('cas_mismatch', `${input.key} was changed outside the Secret API meanwhile; retry`);
      }
      // Whether Vault applied it is unknown: the unconfirmed row stays for repair to settle.
      throw err;
    }
    // A null creation time (Vault gave none) is filled in by repair on the key's next access.
    await confirm(deps, row.id, written.version || kvCurrent + 1, written.createdTime);
    return { key: input.key, version: row.version };
  });
}
