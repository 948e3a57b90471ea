/**
 * Reading versions. Two numberings meet here: the API's version (the history's, which only grows)
 * and the KV v2 version holding the value in Vault. They are equal until Vault's numbering
 * restarts (KV metadata deleted, Vault restored from an older backup); each history row records
 * the KV version and its `created_time`, so a row is matched to Vault only by the very version it
 * describes, never by a later one that reuses the number.
 */
import { isDeletedAt, type KvMetadata } from '@secret-api/vault-client';
import { notFound } from '../../http/api-error.js';

/** What Vault says about one KV version of a key. */
export interface KvVersionState {
  kvVersion: number;
  createdTime: string;
  deleted: boolean;
  /** Destroyed, or no longer kept by Vault (beyond the mount's max_versions). */
  destroyed: boolean;
}

/** The part of a history row that ties it to Vault. */
export interface KvLink {
  kvVersion: number | null;
  kvCreatedTime: string | null;
}

export function versionState(meta: KvMetadata, kvVersion: number): KvVersionState | null {
  const info = meta.versions[String(kvVersion)];
  if (!info) return null;
  return {
    kvVersion,
    createdTime: info.created_time,
    deleted: isDeletedAt(info.deletion_time),
    destroyed: info.destroyed,
  };
}

/**
 * The Vault state of the version a row describes, or null when Vault no longer has it: lost with a
 * reset, or beyond max_versions. A row whose creation time is not recorded yet matches by number.
 */
export function rowState(meta: KvMetadata | null, row: KvLink): KvVersionState | null {
  if (!meta || row.kvVersion === null) return null;
  const state = versionState(meta, row.kvVersion);
  if (!state || (row.kvCreatedTime !== null && row.kvCreatedTime !== state.createdTime)) return null;
  return state;
}

/** The live (not deleted, not destroyed) current KV version, or a 404 naming the key. */
export function liveCurrent(meta: KvMetadata | null, key: string): KvVersionState {
  const state = meta && meta.current_version > 0 ? versionState(meta, meta.current_version) : null;
  if (!state || state.deleted || state.destroyed) throw notFound(`secret ${key} does not exist`);
  return state;
}

/** The row describing a KV version, among rows of one key (the newest, should there be two). */
export function rowOfKvVersion<R extends KvLink & { version: number }>(
  meta: KvMetadata | null,
  rows: readonly R[],
  kvVersion: number,
): R | undefined {
  return rows
    .filter((r) => r.kvVersion === kvVersion && rowState(meta, r) !== null)
    .sort((a, b) => b.version - a.version)[0];
}
