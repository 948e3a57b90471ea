/**
 * Set a value: a new KV v2 version, and its history row. Under the key's lock: repair first, then
 * record the row unconfirmed for version current+1, write to Vault with check-and-set on current
 * (so a writer outside the API cannot be overwritten unseen), confirm the row. Concurrent sets
 * of one key queue on the lock and get consecutive versions, one row each.
 */
import type { TSecretVersionRef } from '@secret-api/contract';
import { VaultCasMismatchError } from '@secret-api/vault-client';
import { ApiError } from '../../http/api-error.js';
import type { SecretDeps } from './deps.js';
import { fingerprint } from './fingerprint.js';
import { valueData } from './kv-value.js';
import { repairLocked } from './repair.js';

export interface SetSecretInput {
  path: string;
  key: string;
  value: string;
  comment?: string | undefined;
  /** The version the caller expects to be current; 0 = the key must not exist yet. */
  cas?: number | undefined;
  actor: string;
}

export async function setSecret(deps: SecretDeps, input: SetSecretInput): Promise<TSecretVersionRef> {
  return deps.locks.withLock(input.path, async () => {
    const meta = await repairLocked(deps, input.path);
    const current = meta?.current_version ?? 0;
    if (input.cas !== undefined && input.cas !== current) {
      throw new ApiError(
        'cas_mismatch',
        `${input.key} is at version ${current}, not ${input.cas}; read it again and retry with cas ${current}`,
      );
    }
    const version = current + 1;
    const row = await deps.prisma.secretVersion.create({
      data: {
        path: input.path,
        version,
        actor: input.actor,
        comment: input.comment ?? null,
        fingerprint: fingerprint(deps.historyKey, input.value),
        confirmed: false,
      },
      select: { id: true },
    });
    try {
      await deps.kv.put(input.path, valueData(input.value), { cas: current });
    } catch (err) {
      if (err instanceof VaultCasMismatchError) {
        await deps.prisma.secretVersion.delete({ where: { id: row.id } });
        throw new ApiError('cas_mismatch', `${input.key} was changed outside the Secret API meanwhile; retry`);
      }
      // Whether Vault applied it is unknown: the unconfirmed row stays for repair to settle.
      throw err;
    }
    await deps.prisma.secretVersion.update({ where: { id: row.id }, data: { confirmed: true } });
    return { key: input.key, version };
  });
}
