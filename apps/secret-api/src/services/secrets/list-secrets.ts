/** The keys of a scope with their current version, time and author. Values never leave Vault here. */
import { ZSecretKey, type TSecretList, type TSecretMetadata } from '@secret-api/contract';
import type { KvMetadata } from '@secret-api/vault-client';
import type { SecretDeps } from './deps.js';
import { describeKvVersion } from './history-rows.js';
import { repairIfNeeded } from './repair.js';
import { rowOfKvVersion, versionState } from './versions.js';

/** Metadata reads in flight at once. */
const PARALLELISM = 8;

interface Found {
  key: string;
  path: string;
  meta: KvMetadata;
  kvVersion: number;
  createdTime: string;
}

interface CurrentRow {
  path: string;
  version: number;
  kvVersion: number;
  kvCreatedTime: string | null;
  actor: string;
}

/**
 * One query for every key's current row, Vault's version numbers mapped to the API's. Its text is the same for any
 * number of keys (the pairs travel as two array parameters): Prisma keeps a compiled plan per query shape, and an
 * `OR` of one term per key made a new, ever larger plan for every list length (hundreds of MiB under load).
 */
async function currentRows(deps: SecretDeps, found: readonly Found[]): Promise<CurrentRow[]> {
  if (found.length === 0) return [];
  const paths = found.map((f) => f.path);
  const kvVersions = found.map((f) => f.kvVersion);
  return deps.prisma.$queryRaw<CurrentRow[]>`
    SELECT v.path, v.version, v.kv_version AS "kvVersion", v.kv_created_time AS "kvCreatedTime", v.actor
    FROM secret_versions v
    JOIN unnest(${paths}::text[], ${kvVersions}::int[]) AS k(path, kv_version)
      ON v.path = k.path AND v.kv_version = k.kv_version`;
}

export async function listSecrets(deps: SecretDeps, folder: string): Promise<TSecretList> {
  // Keys written outside the API with names the API would refuse are not listed; folders neither.
  const keys = (await deps.kv.list(folder)).filter((k) => ZSecretKey.safeParse(k).success).sort();
  const found: Found[] = [];
  const queue = [...keys];
  await Promise.all(
    Array.from({ length: Math.min(PARALLELISM, queue.length) }, async () => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        const path = `${folder}/${key}`;
        const meta = await repairIfNeeded(deps, path);
        const state = meta && meta.current_version > 0 ? versionState(meta, meta.current_version) : null;
        if (meta && state && !state.deleted && !state.destroyed) found.push({ key, path, meta, ...state });
      }
    }),
  );
  const rows = await currentRows(deps, found);
  const rowsOfPath = new Map<string, CurrentRow[]>();
  for (const row of rows) rowsOfPath.set(row.path, [...(rowsOfPath.get(row.path) ?? []), row]);
  const items: TSecretMetadata[] = await Promise.all(
    found
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .map(async (f) => {
        const row = rowOfKvVersion(f.meta, rowsOfPath.get(f.path) ?? [], f.kvVersion);
        const { version, actor } = row ?? (await describeKvVersion(deps, f.path, f.meta, f.kvVersion));
        return { key: f.key, version, updatedAt: new Date(f.createdTime).toISOString(), updatedBy: actor };
      }),
  );
  return { items };
}
