import type { TGetSecretResponse } from '@secret-api/contract';
import { ApiError, notFound } from '../../http/api-error.js';
import type { SecretDeps } from './deps.js';
import { describeKvVersion } from './history-rows.js';
import { valueOf } from './kv-value.js';
import { repairIfNeeded } from './repair.js';
import { liveCurrent, rowState, type KvVersionState } from './versions.js';

export interface GetSecretInput {
  path: string;
  key: string;
  /** An API version (the history's numbering). */
  version?: number | undefined;
  reveal: boolean;
}

/** Metadata of the current (or a given) version; the value only when `reveal` (already authorized). */
export async function getSecret(deps: SecretDeps, input: GetSecretInput): Promise<TGetSecretResponse> {
  const meta = await repairIfNeeded(deps, input.path);
  let state: KvVersionState;
  let version: number;
  let actor: string;
  if (input.version === undefined) {
    state = liveCurrent(meta, input.key);
    ({ version, actor } = await describeKvVersion(deps, input.path, meta, state.kvVersion));
  } else {
    const row = await deps.prisma.secretVersion.findUnique({
      where: { path_version: { path: input.path, version: input.version } },
      select: { kvVersion: true, kvCreatedTime: true, confirmed: true, actor: true },
    });
    if (!row?.confirmed) throw notFound(`secret ${input.key} has no version ${input.version}`);
    const found = rowState(meta, row);
    if (!found) throw notFound(`version ${input.version} of ${input.key} is no longer kept by Vault`);
    if (found.deleted || found.destroyed) {
      throw notFound(`version ${input.version} of ${input.key} was ${found.destroyed ? 'destroyed' : 'deleted'}`);
    }
    state = found;
    version = input.version;
    actor = row.actor;
  }
  const result: TGetSecretResponse = {
    key: input.key,
    version,
    updatedAt: new Date(state.createdTime).toISOString(),
    updatedBy: actor,
  };
  if (input.reveal) {
    const secret = await deps.kv.get(input.path, { version: state.kvVersion });
    const value = secret ? valueOf(secret) : null;
    if (value === null) throw new ApiError('conflict', `version ${version} of ${input.key} has no value`);
    result.value = value;
  }
  return result;
}
