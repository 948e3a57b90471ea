/** The keys of a scope with their current version, time and author. Values never leave Vault here. */
import { ZSecretKey, type TSecretList, type TSecretMetadata } from '@secret-api/contract';
import type { SecretDeps } from './deps.js';
import { repairIfNeeded } from './repair.js';
import { versionState } from './versions.js';

/** Metadata reads in flight at once. */
const PARALLELISM = 8;

export async function listSecrets(deps: SecretDeps, folder: string): Promise<TSecretList> {
  // Keys written outside the API with names the API would refuse are not listed; folders neither.
  const keys = (await deps.kv.list(folder)).filter((k) => ZSecretKey.safeParse(k).success).sort();
  const found: { key: string; version: number; createdTime: string }[] = [];
  const queue = [...keys];
  await Promise.all(
    Array.from({ length: Math.min(PARALLELISM, queue.length) }, async () => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        const meta = await repairIfNeeded(deps, `${folder}/${key}`);
        const state = meta && meta.current_version > 0 ? versionState(meta, meta.current_version) : null;
        if (state && !state.deleted && !state.destroyed) found.push({ key, ...state });
      }
    }),
  );
  const rows = await deps.prisma.secretVersion.findMany({
    where: { OR: found.map((f) => ({ path: `${folder}/${f.key}`, version: f.version })) },
    select: { path: true, actor: true },
  });
  const actors = new Map(rows.map((r) => [r.path, r.actor]));
  const items: TSecretMetadata[] = found
    .sort((a, b) => (a.key < b.key ? -1 : 1))
    .map((f) => ({
      key: f.key,
      version: f.version,
      updatedAt: new Date(f.createdTime).toISOString(),
      updatedBy: actors.get(`${folder}/${f.key}`) ?? 'system',
    }));
  return { items };
}
