/**
 * Serialises the Vault writes of one app across every API process: a PostgreSQL advisory lock held
 * by a transaction. Ensures and the app's decommission take it, so two replicas never interleave
 * their writes to the same objects, and an ensure never recreates the objects of an app being deleted.
 */
import type { Prisma, PrismaClient } from '@secret-api/prisma';

export interface AppLockOptions {
  /** How long to wait for a connection to start the transaction. */
  maxWaitMs?: number;
  /** How long the work may hold the lock before the transaction is rolled back. */
  timeoutMs?: number;
}

export function withAppLock<T>(
  prisma: Pick<PrismaClient, '$transaction'>,
  app: string,
  work: (tx: Prisma.TransactionClient) => Promise<T>,
  { maxWaitMs = 10_000, timeoutMs = 60_000 }: AppLockOptions = {},
): Promise<T> {
  return prisma.$transaction(
    async (tx) => {
      // Two 32-bit keys: a constant namespace for this lock kind, and the app's hash.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(1936028769, hashtext(${app}))`;
      return work(tx);
    },
    { maxWait: maxWaitMs, timeout: timeoutMs },
  );
}
