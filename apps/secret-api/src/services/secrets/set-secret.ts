/**
 * Set a value: a new KV v2 version, and its history row. Under the key's lock: record the row
 * unconfirmed for the next API version (the KV version it will be written as alongside), write to
 * Vault with check-and-set on Vault's current version (so a writer outside the API cannot be
 * overwritten unseen), confirm the row with Vault's creation time of the version. Concurrent sets
 * of one key queue on the lock and get consecutive versions, one row each; a key that stays locked
 * longer than the lock's wait is answered `secret_busy`.
 *
 * Every statement and Vault call costs the API a socket write, and those are most of a set's CPU,
 * so where the lock lives in PostgreSQL the common case sends three: the lock taken with a look at
 * the key's newest history row and the pending row recorded (one statement, see pending-row.ts),
 * the Vault write, the confirmation with the unlock (one statement). When that row is settled and
 * no other is pending, the history names Vault's current version and the write's check-and-set
 * proves it, so Vault's metadata is not read. When the check-and-set fails (a version written
 * outside the API, Vault's numbering restarted) the set repairs the key against Vault's metadata,
 * as it does whenever the look finds something unsettled, and writes from there. One case only the
 * metadata would show, and the next read of the key repairs: Vault reset and then written outside
 * the API up to exactly the version the history holds as current.
 *
 * A set whose Vault write went unanswered leaves its row pending, and repair keeps it so while the write may still
 * land (see repair.ts); the next set fences it: takes its number and writes with the same check-and-set, so only one
 * of the two can be applied.
 *
 * The API version only grows: when Vault's numbering restarted (its KV metadata was deleted or
 * restored from an older backup), Vault writes version 1 again while the history goes on.
 */
import type { TSecretVersionRef } from '@secret-api/contract';
import { VaultCasMismatchError, VaultUnavailableError } from '@secret-api/vault-client';
import type { HeldKey } from '../../db/key-lock.js';
import { ApiError } from '../../http/api-error.js';
import type { SecretDeps } from './deps.js';
import { describeKvVersion } from './history-rows.js';
import { valueData } from './kv-value.js';
import {
  appExists,
  appGone,
  confirm,
  fence,
  foundAppGone,
  insertPending,
  lockAndRecord,
  recordedWithLock,
  unfence,
  type Written,
} from './pending-row.js';
import { checkLocked, type CheckedKey } from './repair.js';
import { withSecretLock } from './secret-lock.js';
import { rowOfKvVersion, versionState } from './versions.js';

export interface SetSecretInput {
  path: string;
  key: string;
  value: string;
  comment?: string | undefined;
  /** The API version the caller expects to be current; 0 = the key must not exist (never set, or deleted). */
  cas?: number | undefined;
  actor: string;
  /** The app whose secret this is (none for a shared scope): it must exist until the version is confirmed. */
  app?: string | undefined;
}

/** The API version of the key's current Vault version; 0 when Vault has none (never set, or forgotten). */
async function currentVersion(deps: SecretDeps, path: string, { meta, rows }: CheckedKey): Promise<number> {
  if (!meta || meta.current_version === 0) return 0;
  // The checked rows include the current version's, unless a repair elsewhere has yet to record it.
  const row = rowOfKvVersion(meta, rows, meta.current_version);
  return row ? row.version : (await describeKvVersion(deps, path, meta, meta.current_version)).version;
}

function casMismatch(key: string, expected: number, current: number, live: boolean): ApiError {
  if (!live && current !== 0) {
    return new ApiError(
      'cas_mismatch',
      `${key} does not exist (its version ${current} was deleted), so cas ${expected} does not hold; retry with cas 0`,
    );
  }
  const now = current === 0 ? 'does not exist in Vault' : `is at version ${current}`;
  return new ApiError('cas_mismatch', `${key} ${now}, not ${expected}; read it again and retry with cas ${current}`);
}

/** Whether the key's current Vault version can be read: not deleted, not destroyed. */
function isLive(meta: CheckedKey['meta']): boolean {
  if (!meta || meta.current_version === 0) return false;
  const state = versionState(meta, meta.current_version);
  return state !== null && !state.deleted && !state.destroyed;
}

/**
 * Writes the value to Vault as the pending row's KV version, with check-and-set on the version
 * before it. Null when Vault is not there (the check-and-set failed): nothing was written, and
 * the row is gone again.
 */
async function writeToVault(deps: SecretDeps, input: SetSecretInput, pending: Written): Promise<Written | null> {
  const kvCurrent = pending.kvVersion - 1;
  let written: { version: number; createdTime: string | null };
  try {
    written = await deps.kv.write(input.path, valueData(input.value), { cas: kvCurrent });
  } catch (err) {
    if (err instanceof VaultCasMismatchError) {
      await deps.prisma.secretVersion.delete({ where: { id: pending.row.id } });
      return null;
    }
    if (err instanceof VaultUnavailableError && err.neverSent) {
      // No attempt reached Vault (no connection at all): nothing was written, so nothing is left for repair to
      // guess about — a version written there later, by anyone, is not this set's. The row goes; the 503 stands.
      await deps.prisma.secretVersion.delete({ where: { id: pending.row.id } }).catch(() => undefined);
      throw err;
    }
    if (err instanceof VaultUnavailableError) {
      // Sent, and no answer: whether Vault applied it is unknown, so the caller must not read this 503 as "nothing
      // changed". The unconfirmed row stays; repair settles it against Vault and, if Vault has it, audits it.
      throw new ApiError(
        'vault_unavailable',
        `Vault did not answer the write of ${input.key} (${err.reason}), so it may have been applied: once Vault ` +
          `answers, the key's history shows it as a version by you after version ${pending.row.version - 1}; read it ` +
          'before you retry',
        { headers: { 'Retry-After': '5' } },
      );
    }
    throw err;
  }
  return { row: pending.row, kvVersion: written.version || pending.kvVersion, kvCreatedTime: written.createdTime };
}

/**
 * The set as the history alone allows it, its pending row recorded as the lock was taken; null
 * when there is none (a cas that does not match may come from a look that missed a write: it is
 * checked against Vault next) or Vault turned out not to be where the history says.
 */
async function setFromHistory(deps: SecretDeps, input: SetSecretInput, held: HeldKey): Promise<Written | null> {
  const pending = recordedWithLock(held.read);
  return pending && writeToVault(deps, input, pending);
}

/** The set after repairing the key against Vault's metadata. */
async function setFromVault(deps: SecretDeps, input: SetSecretInput): Promise<Written> {
  const checked = await checkLocked(deps, input.path);
  const kvCurrent = checked.meta?.current_version ?? 0;
  if (input.cas !== undefined) {
    const current = await currentVersion(deps, input.path, checked);
    const live = isLive(checked.meta);
    // cas 0 is "only if it does not exist", and a deleted key does not: reads answer 404 for it.
    const holds = input.cas === current || (input.cas === 0 && !live);
    if (!holds) throw casMismatch(input.key, input.cas, current, live);
  }
  const fenced = await fence(deps, checked);
  const row = await insertPending(deps, input, kvCurrent + 1);
  let written: Written | null;
  try {
    written = await writeToVault(deps, input, { row, kvVersion: kvCurrent + 1, kvCreatedTime: null });
  } catch (err) {
    if (err instanceof VaultUnavailableError && err.neverSent) await unfence(deps, fenced);
    throw err;
  }
  if (!written) {
    await unfence(deps, fenced);
    throw new ApiError('cas_mismatch', `${input.key} was changed outside the Secret API meanwhile; retry`);
  }
  return written;
}

export async function setSecret(deps: SecretDeps, input: SetSecretInput): Promise<TSecretVersionRef> {
  return withSecretLock(
    deps,
    input.path,
    input.key,
    async (held) => {
      if (input.app !== undefined && foundAppGone(held.read)) throw appGone(input.app);
      const written = (await setFromHistory(deps, input, held)) ?? (await setFromVault(deps, input));
      // A null creation time (Vault gave none) is filled in by repair on the key's next access.
      if (!(await confirm(deps, held, written)) && input.app !== undefined && !(await appExists(deps, input.app))) {
        // Decommissioned while this set wrote (it deleted the row before listing the app's keys in Vault, so this
        // key may have been missed): the app's secrets must not outlive it.
        await deps.kv.deleteMetadata(input.path);
        throw appGone(input.app);
      }
      return { key: input.key, version: written.row.version };
    },
    { lockedRead: lockAndRecord(deps, input) },
  );
}
