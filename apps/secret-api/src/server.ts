/**
 * Start-up and shut-down: check the configuration's files, open the database (applying pending
 * migrations under an advisory lock, so replicas may start together), connect to Vault, listen.
 */
import { once } from 'node:events';
import { STATUS_CODES, createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { createDatabase, type Database } from '@secret-api/prisma';
import { errorStatus, problem } from '@secret-api/contract';
import {
  VaultClient,
  VaultPermissionError,
  VaultRequestError,
  VaultUnavailableError,
  type VaultLogger,
} from '@secret-api/vault-client';
import { DEFAULT_TEMPLATE, loadTemplateFile, TemplateError, type PolicyTemplate } from '@secret-api/vault-policy';
import type { pino } from 'pino';
import { createApp } from './app.js';
import { JwtVerifier, checkIssuerKeys } from './auth/jwt-verifier.js';
import type { Config } from './config/env.js';
import type { ApiContext } from './context.js';
import { InProcessKeyLock, PostgresKeyLock, type KeyLock } from './db/key-lock.js';
import { ensureDataDir, loadOrCreateHmacKey } from './config/data-dir.js';
import { RoleIdCache } from './services/approle/role-id-cache.js';
import { postgresAuditStore, prismaAuditStore } from './services/audit/audit-store.js';
import { AuditTrail } from './services/audit/audit-trail.js';
import { ChangeListener, SECRETS_CHANNEL, TARGETS_CHANNEL } from './services/change-listener.js';
import { TargetCache } from './services/targets.js';
import { HistoryCache } from './services/secrets/history-cache.js';
import { repairPending } from './services/secrets/repair.js';
import { SecretChanges } from './services/secrets/secret-changes.js';
import { createLogger, type Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { prepareVaultMounts, VaultSetupError } from './vault/prepare-mounts.js';

/** A start-up failure with a message meant for the operator. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** The database did not open; `reason` is the driver's own message (for the embedded database, PGlite's). */
export class DatabaseOpenError extends StartupError {
  override name = 'DatabaseOpenError';
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

/** How long close() lets requests in flight finish before it cuts their connections. */
const CLOSE_GRACE_MS = 5_000;

export interface StartOptions {
  logger?: Logger;
  /** Where JSON logs go when no logger is given (default stdout). */
  logDestination?: pino.DestinationStream;
  /** Collect Node's process metrics (default true; tests running many APIs in one process turn it off). */
  defaultMetrics?: boolean;
  /**
   * Cache bounds (defaults: 1 s each; see services/targets.ts, services/approle/role-id-cache.ts and
   * services/secrets/history-cache.ts).
   */
  caches?: { targetTtlMs?: number; roleIdTtlMs?: number; historyTtlMs?: number };
  /** Sees the text of every SQL statement the API sends (diagnostics and tests; never parameters). */
  onDatabaseQuery?: (sql: string) => void;
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

/**
 * HISTORY_HMAC_KEY, or the key kept in DATA_DIR (the embedded stack creates it there). Every
 * replica must fingerprint with the same key, hence the warning when it is not configured.
 */
async function resolveHistoryKey(config: Config, logger: Logger): Promise<Buffer> {
  if (config.historyHmacKey) return config.historyHmacKey;
  try {
    await ensureDataDir(config.dataDir);
    const { key, path, created } = await loadOrCreateHmacKey(config.dataDir);
    logger.warn(
      { path, created },
      'HISTORY_HMAC_KEY is not set: using the key kept in the data directory; replicas must share one key, so set HISTORY_HMAC_KEY in production',
    );
    return Buffer.from(key, 'base64');
  } catch (err) {
    throw new StartupError(`HISTORY_HMAC_KEY is not set and ${(err as Error).message}`);
  }
}

async function openDatabase(config: Config, onQuery?: (sql: string) => void): Promise<Database> {
  try {
    return await createDatabase(config.database, { migrate: true, ...(onQuery && { onQuery }) });
  } catch (err) {
    const where = 'url' in config.database ? 'DATABASE_URL' : `the embedded database in ${config.database.pgliteDir}`;
    const reason = err instanceof Error ? err.message : String(err);
    throw new DatabaseOpenError(`cannot open ${where}: ${reason}`, reason);
  }
}

/**
 * Connects the Vault client. Vault being down is not fatal (readiness says so and requests answer
 * 503 until it is back); Vault refusing our credentials is, since nothing would ever work.
 */
async function connectVault(vault: VaultClient, config: Config, logger: Logger): Promise<void> {
  const attempt = async (): Promise<boolean> => {
    try {
      await vault.start();
      await prepareVaultMounts(vault, config.vault, logger);
      return true;
    } catch (err) {
      if (err instanceof VaultUnavailableError) return false;
      if (err instanceof VaultSetupError) throw new StartupError(err.message);
      if (err instanceof VaultPermissionError || (err instanceof VaultRequestError && 'roleId' in config.vault.auth)) {
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

  const historyKey = await resolveHistoryKey(config, logger);
  const db = await openDatabase(config, options.onDatabaseQuery);
  if (db.migrations && db.migrations.applied.length > 0) {
    logger.info({ applied: db.migrations.applied }, 'applied database migrations');
  }

  const metrics = new Metrics({ defaultMetrics: options.defaultMetrics ?? true });
  const vault = new VaultClient({
    // The first two segments (`secret/data`, `auth/approle`, `sys/policies`) name the API area
    // and keep the label's cardinality bounded; the rest of a path carries app and key names.
    onRequest: (e) =>
      metrics.vaultRequests.observe(
        { method: e.method, area: e.path.split('/').slice(0, 2).join('/'), outcome: e.outcome },
        e.seconds,
      ),
    address: config.vault.address,
    auth: config.vault.auth,
    timeoutMs: config.vault.timeoutMs,
    logger: vaultLogger(logger),
    ...(config.vault.namespace !== undefined && { namespace: config.vault.namespace }),
  });
  try {
    await connectVault(vault, config, logger);
  } catch (err) {
    vault.close();
    await db.close();
    throw err;
  }

  // A database server may be shared by several API processes; the embedded one has only this one.
  const shared = 'url' in config.database;
  const locks: KeyLock = shared ? new PostgresKeyLock(config.database.url) : new InProcessKeyLock();
  const targets = new TargetCache(db.prisma, { ttlMs: options.caches?.targetTtlMs });
  const roleIds = new RoleIdCache(options.caches?.roleIdTtlMs);
  const histories = new HistoryCache({ ttlMs: options.caches?.historyTtlMs });
  // An app deleted (and perhaps re-created) takes its secrets' history with it: forget the pages too.
  const forgetTargets = (): void => {
    targets.clear();
    roleIds.clear();
    histories.clear();
  };
  // The embedded database has one process: what changes is forgotten locally, and that is all.
  const secretChanges = new SecretChanges(
    histories,
    shared
      ? async (paths) => {
          await db.prisma.$executeRaw`SELECT pg_notify(${SECRETS_CHANNEL}, p) FROM unnest(${paths}::text[]) AS p`;
        }
      : undefined,
    logger,
  );
  const listener = shared
    ? new ChangeListener(
        config.database.url,
        {
          channels: { [TARGETS_CHANNEL]: forgetTargets, [SECRETS_CHANNEL]: (path) => secretChanges.noticed(path) },
          missed: forgetTargets,
        },
        logger,
      )
    : undefined;
  await listener?.start();
  const targetsChanged = async (): Promise<void> => {
    forgetTargets();
    if (!listener) return;
    try {
      await db.prisma.$executeRawUnsafe(`SELECT pg_notify('${TARGETS_CHANNEL}', '')`);
    } catch (err) {
      // The change itself is committed; other processes then see it within the TTL bound.
      logger.warn({ err: (err as Error).message }, 'could not notify other processes of an app or cluster change');
    }
  };
  const audit = new AuditTrail(shared ? postgresAuditStore(config.database.url) : prismaAuditStore(db.prisma), logger);
  const context: ApiContext = {
    config,
    prisma: db.prisma,
    vault,
    kv: vault.kvV2(config.vault.kvMount),
    locks,
    historyKey,
    histories,
    secretChanges,
    verifier,
    template,
    logger,
    audit,
    metrics,
    targets,
    targetsChanged,
    roleIds,
  };
  const server = createServer(createApp(context)).listen(config.port, config.host);
  try {
    await once(server, 'listening');
  } catch (err) {
    vault.close();
    await listener?.close();
    await locks.close();
    await db.close();
    throw new StartupError(`cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`);
  }
  // Slow clients must not hold sockets forever; a request never needs longer than Vault's bound.
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  server.on('clientError', answerUnparsable);
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
  logger.info({ url, vault: config.vault.address }, 'secret-api listening');
  // A crash between a secret's Vault write and its history row left the row unconfirmed: settle it now.
  repairPending(context).then(
    (keys) => keys > 0 && logger.warn({ keys }, 'repaired the history of secrets a crash left unsettled'),
    (err: Error) => logger.error({ err: err.message }, 'history repair at start-up failed; it runs again on access'),
  );

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
          // A request still waiting (on a slow Vault) must not keep the database open past a shutdown.
          setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
        });
        await context.audit.close();
        await secretChanges.flush();
        vault.close();
        await listener?.close();
        await locks.close();
        await db.close();
      })()),
  };
}

/**
 * What Node's HTTP parser refuses before any route sees it (headers over 16 KiB, a control byte in a header, a
 * malformed request line) is answered like every other error, as problem+json, instead of Node's empty body.
 */
function answerUnparsable(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return void socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  }
  const code = err.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'bad_request';
  const detail =
    code === 'headers_too_large'
      ? 'the request line and headers are larger than 16 KiB'
      : 'the request is not valid HTTP/1.1 (a malformed request line or header)';
  const body = JSON.stringify(problem(code, detail));
  const status = errorStatus(code);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
