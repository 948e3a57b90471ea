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
import type { KvMetadata } from '@secret-api/vault-client';
import { VaultCasMismatchError } from '@secret-api/vault-client';
import { isUniqueViolation } from '../../db/errors.js';
import { ApiError } from '../../http/api-error.js';
import type { SecretDeps } from './deps.js';
import { fingerprint } from './fingerprint.js';
import { describeKvVersion, latestVersion } from './history-rows.js';
import { valueData } from './kv-value.js';
import { repairLocked } from './repair.js';
import { withSecretLock } from './secret-lock.js';

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
async function currentVersion(deps: SecretDeps, path: string, meta: KvMetadata | null): Promise<number> {
  if (!meta || meta.current_version === 0) return 0;
  return (await describeKvVersion(deps, path, meta, meta.current_version)).version;
}

/** Vault's creation time of a version just written; null if Vault cannot say now (repair checks it later). */
async function createdTimeOf(deps: SecretDeps, path: string, kvVersion: number): Promise<string | null> {
  try {
    return (await deps.kv.metadata(path))?.versions[String(kvVersion)]?.created_time ?? null;
  } catch {
    return null;
  }
}

export async function setSecret(deps: SecretDeps, input: SetSecretInput): Promise<TSecretVersionRef> {
  return withSecretLock(deps, input.path, input.key, async () => {
    const meta = await repairLocked(deps, input.path);
    const kvCurrent = meta?.current_version ?? 0;
    if (input.cas !== undefined) {
      const current = await currentVersion(deps, input.path, meta);
      if (input.cas !== current) {
        const now = current === 0 ? 'does not exist in Vault' : `is at version ${current}`;
        throw new ApiError(
          'cas_mismatch',
          `${input.key} ${now}, not ${input.cas}; read it again and retry with cas ${current}`,
        );
      }
    }
    const version = (await latestVersion(deps, input.path)) + 1;
    let row: { id: bigint };
    try {
      row = await deps.prisma.secretVersion.create({
        data: {
          path: input.path,
          version,
          kvVersion: kvCurrent + 1,
          actor: input.actor,
          comment: input.comment ?? null,
          fingerprint: fingerprint(deps.historyKey, input.value),
          confirmed: false,
        },
        select: { id: true },
      });
    } catch (err) {
      // Only when the lock was lost with its database session and another process wrote meanwhile.
      if (isUniqueViolation(err)) {
        throw new ApiError('secret_busy', `${input.key} was changed by another request meanwhile; retry`, {
          headers: { 'Retry-After': '1' },
        });
      }
      throw err;
    }
    let kvVersion: number;
    try {
      kvVersion = (await deps.kv.put(input.path, valueData(input.value), { cas: kvCurrent })) || kvCurrent + 1;
    } catch (err) {
      if (err instanceof VaultCasMismatchError) {
        await deps.prisma.secretVersion.delete({ where: { id: row.id } });
        throw new ApiError('cas_mismatch', `${input.key} was changed outside the Secret API meanwhile; retry`);
      }
      // Whether Vault applied it is unknown: the unconfirmed row stays for repair to settle.
      throw err;
    }
    await deps.prisma.secretVersion.update({
      where: { id: row.id },
      data: { confirmed: true, kvVersion, kvCreatedTime: await createdTimeOf(deps, input.path, kvVersion) },
    });
    return { key: input.key, version };
  });
}
