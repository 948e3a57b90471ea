/** What every operation may use. Services take only the parts they need (see each service's `Deps`). */
import type { PrismaClient } from '@secret-api/prisma';
import type { VaultClient } from '@secret-api/vault-client';
import type { PolicyTemplate } from '@secret-api/vault-policy';
import type { JwtVerifier } from './auth/jwt-verifier.js';
import type { Config } from './config/env.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';

export interface ApiContext {
  readonly config: Config;
  readonly prisma: PrismaClient;
  readonly vault: VaultClient;
  readonly verifier: Pick<JwtVerifier, 'verify'>;
  readonly template: PolicyTemplate;
  readonly logger: Logger;
  readonly metrics: Metrics;
}
