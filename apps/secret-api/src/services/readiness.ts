/** Readiness: can this replica serve? Both dependencies are checked in parallel, each with a short bound. */
import type { TDependencyStatus, TReadyResponse } from '@secret-api/contract';
import type { PrismaClient } from '@secret-api/prisma';
import type { VaultClient } from '@secret-api/vault-client';

export interface ReadinessDeps {
  prisma: Pick<PrismaClient, '$queryRaw'>;
  vault: Pick<VaultClient, 'send'>;
}

const CHECK_TIMEOUT_MS = 2_000;

async function bounded(check: () => Promise<unknown>): Promise<TDependencyStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<TDependencyStatus>((resolve) => {
    timer = setTimeout(() => resolve('unavailable'), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then((): TDependencyStatus => 'ok'), timeout]);
  } catch {
    return 'unavailable';
  } finally {
    clearTimeout(timer);
  }
}

export async function checkReadiness(deps: ReadinessDeps): Promise<TReadyResponse> {
  const [database, vault] = await Promise.all([
    bounded(() => deps.prisma.$queryRaw`SELECT 1`),
    // Unauthenticated; a standby forwards requests to the active node, so it counts as ready.
    bounded(() => deps.vault.send('GET', 'sys/health?standbyok=true', { token: null, idempotent: true })),
  ]);
  return { status: database === 'ok' && vault === 'ok' ? 'ok' : 'unavailable', checks: { database, vault } };
}
