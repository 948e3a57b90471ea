/** Reading versions: what Vault says about one version of a key, in the API's words. */
import type { KvMetadata } from '@secret-api/vault-client';
import { notFound } from '../../http/api-error.js';

export interface VersionState {
  version: number;
  createdTime: string;
  deleted: boolean;
  /** Destroyed, or no longer kept by Vault (beyond the mount's max_versions). */
  destroyed: boolean;
}

export function versionState(meta: KvMetadata, version: number): VersionState | null {
  const info = meta.versions[String(version)];
  if (!info) return null;
  return { version, createdTime: info.created_time, deleted: info.deletion_time !== '', destroyed: info.destroyed };
}

/** The live (not deleted, not destroyed) current version, or a 404 naming the key. */
export function liveCurrent(meta: KvMetadata | null, key: string): VersionState {
  const state = meta && meta.current_version > 0 ? versionState(meta, meta.current_version) : null;
  if (!state || state.deleted || state.destroyed) throw notFound(`secret ${key} does not exist`);
  return state;
}
