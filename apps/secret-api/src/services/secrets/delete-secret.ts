/**
 * Delete a key: every version still readable is soft-deleted in Vault (KV v2 `delete`), so the key
 * is gone for pods, lists and reads while its history stays truthful (each version `deleted`) and
 * a Vault operator can still undelete by hand. A later set continues the version numbering. A key
 * Vault no longer has (its versions all deleted, or forgotten) is a 404.
 */
import { isDeletedAt, type VaultClient } from '@secret-api/vault-client';
import type { SecretDeps } from './deps.js';
import { repairLocked } from './repair.js';
import { withSecretLock } from './secret-lock.js';
import { liveCurrent } from './versions.js';

export async function deleteSecret(
  deps: SecretDeps & { vault: Pick<VaultClient, 'write'>; kvMount: string },
  input: { path: string; key: string },
): Promise<void> {
  await withSecretLock(deps, input.path, input.key, async () => {
    const meta = await repairLocked(deps, input.path);
    liveCurrent(meta, input.key);
    const live = Object.entries(meta!.versions)
      .filter(([, v]) => !isDeletedAt(v.deletion_time) && !v.destroyed)
      .map(([n]) => Number(n));
    await deps.vault.write(`${deps.kvMount}/delete/${input.path}`, { versions: live }, { idempotent: true });
  });
}
