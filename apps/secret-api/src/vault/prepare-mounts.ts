/**
 * At start-up, with a token allowed to see them (an operator's or a dev root token), make sure the
 * mounts the API works on exist: AppRole at VAULT_APPROLE_MOUNT and KV v2 at VAULT_KV_MOUNT, as
 * `vault auth enable approle` / `vault secrets enable -version=2 kv` would. The least-privilege token
 * of deploy/vault/secret-api.hcl may not read sys/auth or sys/mounts: then this does nothing and a
 * missing mount shows as a 503 naming it on the first request that needs it.
 */
import { VaultPermissionError, type VaultClient } from '@secret-api/vault-client';
import type { Logger } from '../observability/logger.js';

export class VaultSetupError extends Error {
  override name = 'VaultSetupError';
}

type MountTable = Record<string, { type?: string; options?: Record<string, string> | null } | undefined>;

async function readTable(vault: Pick<VaultClient, 'read'>, path: string): Promise<MountTable | null> {
  try {
    return await vault.read<MountTable>(path);
  } catch (err) {
    if (err instanceof VaultPermissionError) return null;
    throw err;
  }
}

export async function prepareVaultMounts(
  vault: Pick<VaultClient, 'read' | 'write'>,
  mounts: { kvMount: string; approleMount: string },
  logger: Logger,
): Promise<void> {
  const auths = await readTable(vault, 'sys/auth');
  if (auths) {
    const approle = auths[`${mounts.approleMount}/`];
    if (!approle) {
      await vault.write(`sys/auth/${mounts.approleMount}`, { type: 'approle' }, { idempotent: true });
      logger.warn({ mount: mounts.approleMount }, 'AppRole was not enabled in Vault: enabled it');
    } else if (approle.type !== 'approle') {
      throw new VaultSetupError(
        `VAULT_APPROLE_MOUNT: the auth method at ${mounts.approleMount}/ is ${approle.type ?? 'unknown'}, not approle`,
      );
    }
  }
  const secrets = await readTable(vault, 'sys/mounts');
  if (secrets) {
    const kv = secrets[`${mounts.kvMount}/`];
    if (!kv) {
      await vault.write(
        `sys/mounts/${mounts.kvMount}`,
        { type: 'kv', options: { version: '2' } },
        { idempotent: true },
      );
      logger.warn({ mount: mounts.kvMount }, 'KV v2 was not mounted in Vault: mounted it');
    } else if (kv.type !== 'kv' || kv.options?.['version'] !== '2') {
      throw new VaultSetupError(
        `VAULT_KV_MOUNT: the secrets engine at ${mounts.kvMount}/ is ${kv.type ?? 'unknown'}` +
          `${kv.type === 'kv' ? ` version ${kv.options?.['version'] ?? '1'}` : ''}; the Secret API needs KV version 2`,
      );
    }
  }
}
