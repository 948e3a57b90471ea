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
  // One query for every key's current row; Vault's version numbers are mapped to the API's.
  const rows =
    found.length === 0
      ? []
      : await deps.prisma.secretVersion.findMany({
          where: { OR: found.map((f) => ({ path: f.path, kvVersion: f.kvVersion })) },
          select: { path: true, version: true, kvVersion: true, kvCreatedTime: true, actor: true },
        });
  const items: TSecretMetadata[] = await Promise.all(
    found
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .map(async (f) => {
        const row = rowOfKvVersion(
          f.meta,
          rows.filter((r) => r.path === f.path),
          f.kvVersion,
        );
        const { version, actor } = row ?? (await describeKvVersion(deps, f.path, f.meta, f.kvVersion));
        return { key: f.key, version, updatedAt: new Date(f.createdTime).toISOString(), updatedBy: actor };
      }),
  );
  return { items };
}
