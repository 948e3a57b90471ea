/** What every operation may use. Services take only the parts they need (see each service's `Deps`). */
import type { PrismaClient } from '@secret-api/prisma';
import type { KvV2, VaultClient } from '@secret-api/vault-client';
import type { PolicyTemplate } from '@secret-api/vault-policy';
import type { JwtVerifier } from './auth/jwt-verifier.js';
import type { Config } from './config/env.js';
import type { KeyLock } from './db/key-lock.js';
import type { RoleIdCache } from './services/approle/role-id-cache.js';
import type { TargetCache } from './services/targets.js';
import type { HistoryCache } from './services/secrets/history-cache.js';
import type { SecretChanges } from './services/secrets/secret-changes.js';
import type { AuditTrail } from './services/audit/audit-trail.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';

export interface ApiContext {
  readonly config: Config;
  readonly prisma: PrismaClient;
  readonly vault: VaultClient;
  /** KV v2 at VAULT_KV_MOUNT, where secret values live. */
  readonly kv: KvV2;
  /** Per-secret-key locks shared by every API process. */
  readonly locks: KeyLock;
  /** HISTORY_HMAC_KEY: keys the value fingerprints in the history. */
  readonly historyKey: Buffer;
  /** History pages read a moment ago (services/secrets/history-cache.ts). */
  readonly histories: HistoryCache;
  /** Announces a changed secret here and to every other process (services/secrets/secret-changes.ts). */
  readonly secretChanges: SecretChanges;
  readonly verifier: Pick<JwtVerifier, 'verify'>;
  readonly template: PolicyTemplate;
  readonly logger: Logger;
  readonly audit: AuditTrail;
  readonly metrics: Metrics;
  /** App and cluster rows for the pipeline, bounded in age and size (services/targets.ts). */
  readonly targets: TargetCache;
  /** Clears cached app/cluster rows and RoleIDs here and, through NOTIFY, in every other process. */
  readonly targetsChanged: () => Promise<void>;
  /** RoleIDs read from Vault, at most a second old (services/approle/role-id-cache.ts). */
  readonly roleIds: RoleIdCache;
}
