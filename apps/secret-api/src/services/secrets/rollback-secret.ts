/** Rollback: the value of an earlier version, written again as a new version (history only grows). */
import type { TSecretVersionRef } from '@secret-api/contract';
import { ApiError, notFound } from '../../http/api-error.js';
import type { SecretDeps } from './deps.js';
import { valueOf } from './kv-value.js';
import { repairIfNeeded } from './repair.js';
import { setSecret } from './set-secret.js';
import { rowState } from './versions.js';

export async function rollbackSecret(
  deps: SecretDeps,
  input: { path: string; key: string; version: number; actor: string; app?: string | undefined },
): Promise<TSecretVersionRef> {
  const meta = await repairIfNeeded(deps, input.path);
  const row = await deps.prisma.secretVersion.findUnique({
    where: { path_version: { path: input.path, version: input.version } },
    select: { kvVersion: true, kvCreatedTime: true, confirmed: true },
  });
  if (!row?.confirmed) {
    const known = meta !== null || (await deps.prisma.secretVersion.count({ where: { path: input.path } })) > 0;
    throw notFound(
      known ? `secret ${input.key} has no version ${input.version}` : `secret ${input.key} does not exist`,
    );
  }
  const state = rowState(meta, row);
  if (!state || state.deleted || state.destroyed) {
    const why = !state ? 'is no longer kept by Vault' : state.destroyed ? 'was destroyed' : 'was deleted';
    throw new ApiError('conflict', `version ${input.version} of ${input.key} ${why}: its value cannot be restored`);
  }
  const secret = await deps.kv.get(input.path, { version: state.kvVersion });
  const value = secret ? valueOf(secret) : null;
  if (value === null) throw new ApiError('conflict', `version ${input.version} of ${input.key} has no value`);
  return setSecret(deps, {
    path: input.path,
    key: input.key,
    value,
    comment: `rollback to version ${input.version}`,
    actor: input.actor,
    app: input.app,
  });
}
