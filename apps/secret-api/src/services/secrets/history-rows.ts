/** Reads of the history table shared by the secret services. */
import type { KvMetadata } from '@secret-api/vault-client';
import type { SecretDeps } from './deps.js';
import { rowOfKvVersion } from './versions.js';

/** The author the history names for versions the API did not write. */
export const SYSTEM_ACTOR = 'system';

/** The key's highest API version ever recorded (0 for none): the next one is this + 1. */
export async function latestVersion(deps: SecretDeps, path: string): Promise<number> {
  const top = await deps.prisma.secretVersion.findFirst({
    where: { path },
    orderBy: { version: 'desc' },
    select: { version: true },
  });
  return top?.version ?? 0;
}

/** The API version and author of a KV version of a key. */
export async function describeKvVersion(
  deps: SecretDeps,
  path: string,
  meta: KvMetadata | null,
  kvVersion: number,
): Promise<{ version: number; actor: string }> {
  const rows = await deps.prisma.secretVersion.findMany({
    where: { path, kvVersion },
    select: { version: true, kvVersion: true, kvCreatedTime: true, actor: true },
  });
  const row = rowOfKvVersion(meta, rows, kvVersion);
  if (row) return { version: row.version, actor: row.actor };
  // Written outside the API and not recorded yet, because a repair of the key is under way in
  // another request: that repair gives it the next version.
  return { version: (await latestVersion(deps, path)) + 1, actor: SYSTEM_ACTOR };
}
