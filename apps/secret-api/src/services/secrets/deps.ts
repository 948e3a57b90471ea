import type { PrismaClient } from '@secret-api/prisma';
import type { KvV2 } from '@secret-api/vault-client';
import type { KeyLock } from '../../db/key-lock.js';
import type { Logger } from '../../observability/logger.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { HistoryCache } from './history-cache.js';
import type { SecretChanges } from './secret-changes.js';

/**
 * What the secret services use: the KV v2 mount, the history table, the per-key lock, the fingerprint key, and the
 * history cache with the announcements of changes that keep it true.
 */
export interface SecretDeps {
  kv: KvV2;
  prisma: Pick<PrismaClient, 'secretVersion' | '$queryRaw'>;
  locks: KeyLock;
  historyKey: Buffer;
  /** History pages read a moment ago (history-cache.ts). */
  histories: HistoryCache;
  /** Where a change of a key is announced (secret-changes.ts): taking the key with secret-lock.ts does it. */
  secretChanges: Pick<SecretChanges, 'changed' | 'announced'>;
  /** Where repair records a set it found applied in Vault though its request failed (services/audit). */
  audit?: Pick<AuditTrail, 'record'>;
  /** For what an operator must hear about, such as Vault having forgotten versions. */
  logger?: Pick<Logger, 'warn'>;
}
