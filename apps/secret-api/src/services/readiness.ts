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
    bounded(async () => {
      // Read the body: HTTP clients (node-vault among them) may hand back sys/health's 503/501 as a reply.
      const reply = await deps.vault.send('GET', 'sys/health?standbyok=true', { token: null, idempotent: true });
      const health = (reply.body ?? {}) as { initialized?: unknown; sealed?: unknown };
      if (reply.status !== 200 || health.sealed !== false || health.initialized !== true) throw new Error('not ready');
    }),
  ]);
  return { status: database === 'ok' && vault === 'ok' ? 'ok' : 'unavailable', checks: { database, vault } };
}
