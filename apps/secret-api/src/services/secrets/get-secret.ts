import type { TGetSecretResponse } from '@secret-api/contract';
import { ApiError, notFound } from '../../http/api-error.js';
import type { SecretDeps } from './deps.js';
import { valueOf } from './kv-value.js';
import { repairIfNeeded } from './repair.js';
import { liveCurrent, versionState } from './versions.js';

export interface GetSecretInput {
  path: string;
  key: string;
  version?: number | undefined;
  reveal: boolean;
}

/** Metadata of the current (or a given) version; the value only when `reveal` (already authorized). */
export async function getSecret(deps: SecretDeps, input: GetSecretInput): Promise<TGetSecretResponse> {
  const meta = await repairIfNeeded(deps, input.path);
  let state;
  if (input.version === undefined) {
    state = liveCurrent(meta, input.key);
  } else {
    state = meta ? versionState(meta, input.version) : null;
    if (!state) throw notFound(`secret ${input.key} has no version ${input.version} in Vault`);
    if (state.deleted || state.destroyed) {
      throw notFound(`version ${input.version} of ${input.key} was ${state.destroyed ? 'destroyed' : 'deleted'}`);
    }
  }
  const row = await deps.prisma.secretVersion.findUnique({
    where: { path_version: { path: input.path, version: state.version } },
    select: { actor: true },
  });
  const result: TGetSecretResponse = {
    key: input.key,
    version: state.version,
    updatedAt: new Date(state.createdTime).toISOString(),
    updatedBy: row?.actor ?? 'system',
  };
  if (input.reveal) {
    const secret = await deps.kv.get(input.path, { version: state.version });
    const value = secret ? valueOf(secret) : null;
    if (value === null) throw new ApiError('conflict', `version ${state.version} of ${input.key} has no value`);
    result.value = value;
  }
  return result;
}
