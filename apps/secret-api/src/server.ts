/**
 * Start-up and shut-down: check the configuration's files, open the database (applying pending
 * migrations under an advisory lock, so replicas may start together), connect to Vault, listen.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createDatabase, type Database } from '@secret-api/prisma';
import { VaultClient, VaultPermissionError, VaultUnavailableError, type VaultLogger } from '@secret-api/vault-client';
import { DEFAULT_TEMPLATE, loadTemplateFile, TemplateError, type PolicyTemplate } from '@secret-api/vault-policy';
import type { pino } from 'pino';
import { createApp } from './app.js';
import { JwtVerifier, checkIssuerKeys } from './auth/jwt-verifier.js';
import type { Config } from './config/env.js';
import type { ApiContext } from './context.js';
import { createLogger, type Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';

/** A start-up failure with a message meant for the operator. */
export class StartupError extends Error {
  override name = 'StartupError';
}

export interface StartOptions {
  logger?: Logger;
  /** Where JSON logs go when no logger is given (default stdout). */
  logDestination?: pino.DestinationStream;
  /** Collect Node's process metrics (default true; tests running many APIs in one process turn it off). */
  defaultMetrics?: boolean;
}

export interface RunningSecretApi {
  /** e.g. `http://127.0.0.1:8080` */
  url: string;
  port: number;
  context: ApiContext;
  close(): Promise<void>;
}

function vaultLogger(logger: Logger): VaultLogger {
  const log = logger.child({ component: 'vault' });
  return {
    debug: (m, f) => log.debug(f ?? {}, m),
    info: (m, f) => log.info(f ?? {}, m),
    warn: (m, f) => log.warn(f ?? {}, m),
    error: (m, f) => log.error(f ?? {}, m),
  };
}

async function loadTemplate(config: Config): Promise<PolicyTemplate> {
  if (config.policyTemplateFile === undefined) return DEFAULT_TEMPLATE;
  try {
    return await loadTemplateFile(config.policyTemplateFile);
  } catch (err) {
    if (err instanceof TemplateError) throw new StartupError(`POLICY_TEMPLATE_FILE: ${err.message}`);
    throw err;
  }
}

async function openDatabase(config: Config): Promise<Database> {
  try {
    return await createDatabase(config.database, { migrate: true });
  } catch (err) {
    const where = 'url' in config.database ? 'DATABASE_URL' : `the embedded database in ${config.database.pgliteDir}`;
    throw new StartupError(`cannot open ${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Connects the Vault client. Vault being down is not fatal (readiness says so and requests answer
 * 503 until it is back); Vault refusing our credentials is, since nothing would ever work.
 */
async function connectVault(vault: VaultClient, logger: Logger): Promise<void> {
  const attempt = async (): Promise<boolean> => {
    try {
      await vault.start();
      return true;
    } catch (err) {
      if (err instanceof VaultUnavailableError) return false;
      if (err instanceof VaultPermissionError) {
        throw new StartupError(
          `Vault at ${vault.address} refused the Secret API's credentials (VAULT_TOKEN or VAULT_ROLE_ID/VAULT_SECRET_ID)`,
        );
      }
      throw new StartupError(
        `cannot use Vault at ${vault.address}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  };
  if (await attempt()) return;
  logger.warn({ vault: vault.address }, 'Vault is unavailable; starting anyway and retrying in the background');
  const retry = (): void => {
    const timer = setTimeout(() => {
      attempt().then(
        (ok) => (ok ? logger.info({ vault: vault.address }, 'connected to Vault') : retry()),
        (err: Error) => logger.error({ vault: vault.address, err: err.message }, 'Vault refused the Secret API'),
      );
    }, 5_000);
    timer.unref();
  };
  retry();
}

export async function startSecretApi(config: Config, options: StartOptions = {}): Promise<RunningSecretApi> {
  const logger = options.logger ?? createLogger(config.logLevel, options.logDestination);
  const template = await loadTemplate(config);
  try {
    await checkIssuerKeys(config.auth.issuers);
  } catch (err) {
    throw new StartupError(`AUTH_ISSUERS: ${err instanceof Error ? err.message : String(err)}`);
  }
  const verifier = new JwtVerifier({
    issuers: config.auth.issuers,
    groupsClaim: config.auth.groupsClaim,
    clockSkewSeconds: config.auth.clockSkewSeconds,
  });

  const db = await openDatabase(config);
  if (db.migrations && db.migrations.applied.length > 0) {
    logger.info({ applied: db.migrations.applied }, 'applied database migrations');
  }

  const vault = new VaultClient({
    address: config.vault.address,
    auth: config.vault.auth,
    timeoutMs: config.vault.timeoutMs,
    logger: vaultLogger(logger),
    ...(config.vault.namespace !== undefined && { namespace: config.vault.namespace }),
  });
  try {
    await connectVault(vault, logger);
  } catch (err) {
    vault.close();
    await db.close();
    throw err;
  }

  const context: ApiContext = {
    config,
    prisma: db.prisma,
    vault,
    verifier,
    template,
    logger,
    metrics: new Metrics({ defaultMetrics: options.defaultMetrics ?? true }),
  };
  const server = createApp(context).listen(config.port, config.host);
  try {
    await once(server, 'listening');
  } catch (err) {
    vault.close();
    await db.close();
    throw new StartupError(`cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`);
  }
  // Slow clients must not hold sockets forever; a request never needs longer than Vault's bound.
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
  logger.info({ url, vault: config.vault.address }, 'secret-api listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    context,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        vault.close();
        await db.close();
      })()),
  };
}
