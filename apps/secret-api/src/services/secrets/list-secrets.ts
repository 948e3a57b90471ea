/** The keys of a scope with their current version, time and author. Values never leave Vault here. */
import { ZSecretKey, type TListQuery, type TSecretList, type TSecretMetadata } from '@secret-api/contract';
import type { KvMetadata } from '@secret-api/vault-client';
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor } from '../pagination.js';
import type { SecretDeps } from './deps.js';
import { describeKvVersion } from './history-rows.js';
import { repairKeysIfNeeded } from './repair.js';
import { rowOfKvVersion, versionState } from './versions.js';

/** Metadata reads in flight at once. */
const PARALLELISM = 8;

/**
 * One LIST, then per key of the page one metadata read from Vault (KV v2 has no bulk read), then one
 * query for the history rows of every key of the page (repair's check, which also holds each key's
 * current row); a key needing repair costs more, under its own lock. A page is `limit` keys after
 * the cursor (the last key of the previous page); a deleted key among them is not listed, so a page
 * may hold fewer items than that.
 */
export async function listSecrets(deps: SecretDeps, folder: string, query: TListQuery = {}): Promise<TSecretList> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const after = decodeCursor(query.cursor, isKey);
  // Keys written outside the API with names the API would refuse are not listed; folders neither.
  const following = (await deps.kv.list(folder))
    .filter((k) => isKey(k) && (after === undefined || k > after))
    .sort(byCodeUnit);
  const keys = following.slice(0, limit);
  const nextCursor = following.length > limit ? encodeCursor(keys[keys.length - 1] as string) : undefined;
  const metas: { key: string; path: string; meta: KvMetadata | null }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(PARALLELISM, keys.length) }, async () => {
      for (let i = next++; i < keys.length; i = next++) {
        const key = keys[i] as string;
        const path = `${folder}/${key}`;
        metas.push({ key, path, meta: await deps.kv.metadata(path) });
      }
    }),
  );
  const checked = await repairKeysIfNeeded(deps, metas);
  const items: (TSecretMetadata | null)[] = await Promise.all(
    metas
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .map(async ({ key, path }) => {
        const { meta, rows } = checked.get(path) ?? { meta: null, rows: [] };
        const state = meta && meta.current_version > 0 ? versionState(meta, meta.current_version) : null;
        if (!meta || !state || state.deleted || state.destroyed) return null;
        const row = rowOfKvVersion(meta, rows, state.kvVersion);
        const { version, actor } = row ?? (await describeKvVersion(deps, path, meta, state.kvVersion));
        return { key, version, updatedAt: new Date(state.createdTime).toISOString(), updatedBy: actor };
      }),
  );
  return {
    items: items.filter((i): i is TSecretMetadata => i !== null),
    ...(nextCursor !== undefined && { nextCursor }),
  };
}

const isKey = (key: string): boolean => ZSecretKey.safeParse(key).success;
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
