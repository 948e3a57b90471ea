import type { PrismaClient } from '@secret-api/prisma';
import type { KvV2 } from '@secret-api/vault-client';
import type { KeyLock } from '../../db/key-lock.js';
import type { Logger } from '../../observability/logger.js';

/** What the secret services use: the KV v2 mount, the history table, the per-key lock and the fingerprint key. */
export interface SecretDeps {
  kv: KvV2;
  prisma: Pick<PrismaClient, 'secretVersion' | '$queryRaw'>;
  locks: KeyLock;
  historyKey: Buffer;
  /** For what an operator must hear about, such as Vault having forgotten versions. */
  logger?: Pick<Logger, 'warn'>;
}
