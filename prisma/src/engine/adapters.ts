// Driver adapters for the WASM schema engine, with the fixes the stock adapters need there.
//
// The engine talks to the database through a "migration-aware adapter factory" ({connect,
// connectToShadowDb}) whose every method returns a Result object instead of throwing: Prisma's
// driver-adapter-utils `bindMigrationAwareSqlAdapterFactory` does that wrapping; it is not a
// dependency of ours, so `bindForEngine` below does the same small job.
import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';

/** What the engine calls on a connection (a subset of driver-adapter-utils' SqlDriverAdapter). */
export interface SqlAdapter {
  readonly provider: string;
  readonly adapterName: string;
  queryRaw(query: unknown): Promise<unknown>;
  executeRaw(query: unknown): Promise<unknown>;
  executeScript(script: string): Promise<void>;
  startTransaction(isolationLevel?: unknown): Promise<SqlTransaction>;
  getConnectionInfo?(): unknown;
  dispose(): Promise<void>;
}

interface SqlTransaction {
  readonly provider: string;
  readonly adapterName: string;
  readonly options: unknown;
  queryRaw(query: unknown): Promise<unknown>;
  executeRaw(query: unknown): Promise<unknown>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  createSavepoint?(name: string): Promise<void>;
  rollbackToSavepoint?(name: string): Promise<void>;
  releaseSavepoint?(name: string): Promise<void>;
}

/** A factory the engine can open the main and a shadow database with. */
export interface MigrationAdapterFactory {
  readonly provider: string;
  readonly adapterName: string;
  connect(): Promise<SqlAdapter>;
  connectToShadowDb(): Promise<SqlAdapter>;
  /** Releases whatever the factory itself holds (not the connections it handed out). */
  close(): Promise<void>;
}

/** A database error in the shape driver adapters hand to the engine (driver-adapter-utils' MappedError). */
type MappedError = { kind: string } & Record<string, unknown>;

/** Thrown to give the engine a mapped error; recognised the same way as driver-adapter-utils' DriverAdapterError. */
class DriverAdapterError extends Error {
  override readonly name = 'DriverAdapterError';
  constructor(override readonly cause: MappedError) {
    super(typeof cause['message'] === 'string' ? cause['message'] : cause.kind);
  }
}

type Result<T> = { ok: true; value: T } | { ok: false; error: MappedError };

/** Errors the adapters threw that were not database errors; the engine only sees their index. */
export class JsErrorRegistry {
  private readonly errors: unknown[] = [];
  register(error: unknown): number {
    this.errors.push(error);
    return this.errors.length - 1;
  }
  get(id: number): unknown {
    return this.errors[id];
  }
  /** The last error registered, if any: the usual culprit when the engine reports a JS failure. */
  last(): unknown {
    return this.errors.at(-1);
  }
}

function isDriverAdapterError(error: unknown): error is DriverAdapterError {
  return (
    error instanceof Error &&
    error.name === 'DriverAdapterError' &&
    typeof (error as { cause?: unknown }).cause === 'object' &&
    (error as { cause?: unknown }).cause !== null
  );
}

function capture<A extends unknown[], T, R = T>(
  registry: JsErrorRegistry,
  fn: (...args: A) => Promise<T>,
  map?: (value: T) => R,
): (...args: A) => Promise<Result<R>> {
  return async (...args) => {
    try {
      const value = await fn(...args);
      return { ok: true, value: map ? map(value) : (value as unknown as R) };
    } catch (error) {
      if (isDriverAdapterError(error)) return { ok: false, error: error.cause };
      return { ok: false, error: { kind: 'GenericJs', id: registry.register(error) } };
    }
  };
}

function bindTransaction(registry: JsErrorRegistry, tx: SqlTransaction): object {
  const bound: Record<string, unknown> = {
    provider: tx.provider,
    adapterName: tx.adapterName,
    options: tx.options,
    queryRaw: capture(registry, tx.queryRaw.bind(tx)),
    executeRaw: capture(registry, tx.executeRaw.bind(tx)),
    commit: capture(registry, tx.commit.bind(tx)),
    rollback: capture(registry, tx.rollback.bind(tx)),
  };
  for (const name of ['createSavepoint', 'rollbackToSavepoint', 'releaseSavepoint'] as const) {
    const method = tx[name];
    if (method) bound[name] = capture(registry, method.bind(tx));
  }
  return bound;
}

function bindAdapter(registry: JsErrorRegistry, adapter: SqlAdapter): object {
  const bound: Record<string, unknown> = {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: capture(registry, adapter.queryRaw.bind(adapter)),
    executeRaw: capture(registry, adapter.executeRaw.bind(adapter)),
    executeScript: capture(registry, adapter.executeScript.bind(adapter)),
    dispose: capture(registry, adapter.dispose.bind(adapter)),
    startTransaction: capture(registry, adapter.startTransaction.bind(adapter), (tx) => bindTransaction(registry, tx)),
  };
  const info = adapter.getConnectionInfo?.bind(adapter);
  if (info) {
    bound['getConnectionInfo'] = (): Result<unknown> => {
      try {
        return { ok: true, value: info() };
      } catch (error) {
        return { ok: false, error: { kind: 'GenericJs', id: registry.register(error) } };
      }
    };
  }
  return bound;
}

/** Wraps a factory the way the engine expects; JS errors it reports are kept in `registry`. */
export function bindForEngine(factory: MigrationAdapterFactory, registry: JsErrorRegistry): object {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    errorRegistry: { consumeError: (id: number) => ({ error: registry.get(id) }) },
    connect: capture(
      registry,
      () => factory.connect(),
      (adapter) => bindAdapter(registry, adapter),
    ),
    connectToShadowDb: capture(
      registry,
      () => factory.connectToShadowDb(),
      (adapter) => bindAdapter(registry, adapter),
    ),
  };
}

/** A PostgreSQL error as both pg and PGlite raise it. */
interface DatabaseError extends Error {
  code: string;
  severity?: string;
  detail?: string;
  column?: string;
  hint?: string;
}

function isDatabaseError(error: unknown): error is DatabaseError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

/**
 * Runs a migration script the way the native engine does: the whole script as one simple-protocol
 * query, so PostgreSQL runs it in one implicit transaction and a failing statement leaves nothing
 * half-applied. Errors reach the engine as PostgreSQL errors.
 *
 * Both stock adapters need this: adapter-pg splits scripts on every `;` (breaking `$$` bodies and
 * string literals, and committing statement by statement), and pglite-prisma-adapter does not
 * await the script, so a failing migration was recorded as applied (toolchain, PGlite trap).
 */
function runScriptsWhole<A extends SqlAdapter>(adapter: A, run: (script: string) => Promise<unknown>): A {
  return Object.assign(adapter, {
    executeScript: async (script: string) => {
      try {
        await run(script);
      } catch (error) {
        if (!isDatabaseError(error) || error.code.length !== 5) throw error;
        throw new DriverAdapterError({
          kind: 'postgres',
          code: error.code,
          severity: error.severity ?? 'ERROR',
          message: error.message,
          detail: error.detail,
          column: error.column,
          hint: error.hint,
          originalCode: error.code,
          originalMessage: error.message,
        });
      }
    },
  });
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/** PostgreSQL's internal single-byte `"char"` type (pg_class.relkind and friends). */
const CHAR_OID = 18;
const TEXT_OID = 25;

interface FieldsResult {
  fields?: { dataTypeID: number }[];
}

function charFieldsAsText<T>(result: T): T {
  for (const field of (result as FieldsResult | undefined)?.fields ?? []) {
    if (field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
  }
  return result;
}

/**
 * A pg Client that reports `"char"` result columns as text. The engine's introspection selects
 * such columns and adapter-pg rejects the type (toolchain trap 2); its value is a one-letter string
 * either way. Handles both the promise and the callback form of `query` (pg.Pool uses the latter).
 */
class CharAsTextClient extends pg.Client {}
{
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (CharAsTextClient.prototype as { query: unknown }).query = function (this: pg.Client, ...args: unknown[]) {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (error: unknown, result: unknown) => callback(error, error ? result : charFieldsAsText(result));
      return query.apply(this, args);
    }
    const returned = query.apply(this, args);
    return returned instanceof Promise ? returned.then(charFieldsAsText) : returned;
  };
}

/** The URL with its database name replaced. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The advisory lock key `prisma migrate` and the engine serialise migrations with. */
export const PRISMA_MIGRATE_LOCK_KEY = 72707369;

export interface PostgresMigrationAdapter extends MigrationAdapterFactory {
  /**
   * Takes Prisma's migration advisory lock on the engine's own session, waiting up to
   * `timeoutMs`. The engine takes the same lock again (re-entrant on one session) but gives up
   * after 10 s; taking it first lets a replica wait out a longer migration run by another.
   * Released when the factory is closed (the session ends).
   */
  lock(timeoutMs: number): Promise<void>;
}

/**
 * A PostgreSQL adapter factory for the engine.
 *
 * Everything on the main database runs on one session (a one-connection pool, never idled out),
 * so the advisory lock and the statements it protects share it. The shadow database (used only
 * to generate migrations) is created next to the main one under a random name and dropped
 * afterwards: its pool is closed first, then `DROP DATABASE … WITH (FORCE)` (toolchain traps 3
 * and 4 — adapter-pg's own connectToShadowDb connects to the main database when built from a
 * connection string, and drops the shadow database before closing its pool).
 */
export function postgresMigrationAdapter(
  url: string,
  options: { connectTimeoutMs?: number } = {},
): PostgresMigrationAdapter {
  const pools: pg.Pool[] = [];
  const newPool = (connectionString: string): pg.Pool => {
    const pool = new pg.Pool({
      connectionString,
      max: 1,
      idleTimeoutMillis: 0,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 0,
      Client: CharAsTextClient,
    });
    // A dropped connection surfaces as a failed query; don't crash the process on the idle error.
    pool.on('error', () => undefined);
    pools.push(pool);
    return pool;
  };
  let main: pg.Pool | undefined;
  const mainPool = (): pg.Pool => (main ??= newPool(url));
  const adapterOn = async (pool: pg.Pool): Promise<SqlAdapter> =>
    runScriptsWhole(await new PrismaPg(pool).connect(), (script) => pool.query(script));

  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    async lock(timeoutMs) {
      const pool = mainPool();
      await pool.query(`SET lock_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
      try {
        await pool.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATE_LOCK_KEY})`);
      } finally {
        await pool.query('RESET lock_timeout');
      }
    },
    connect() {
      return adapterOn(mainPool());
    },
    async connectToShadowDb() {
      const name = `prisma_migrate_shadow_db_${randomUUID().replaceAll('-', '')}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
      } catch (error) {
        await admin.end();
        throw error;
      }
      const pool = newPool(withDatabase(url, name));
      return Object.assign(await adapterOn(pool), {
        dispose: async () => {
          await pool.end().catch(() => undefined);
          try {
            await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
          } finally {
            await admin.end();
          }
        },
      });
    },
    async close() {
      await Promise.all(pools.map((pool) => (pool.ended ? undefined : pool.end().catch(() => undefined))));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// PGlite

/**
 * A PGlite adapter factory for the engine. The shadow database is a fresh in-memory PGlite,
 * closed when the engine disposes of it.
 */
export function pgliteMigrationAdapter(db: PGlite): MigrationAdapterFactory {
  const shadows: PGlite[] = [];
  return {
    provider: 'postgres',
    adapterName: 'pglite-prisma-adapter',
    async connect() {
      return runScriptsWhole((await new PrismaPGlite(db).connect()) as SqlAdapter, (script) => db.exec(script));
    },
    async connectToShadowDb() {
      const shadow = new PGlite();
      shadows.push(shadow);
      const adapter = runScriptsWhole((await new PrismaPGlite(shadow).connect()) as SqlAdapter, (script) =>
        shadow.exec(script),
      );
      return Object.assign(adapter, { dispose: () => shadow.close() });
    },
    async close() {
      await Promise.all(shadows.map((shadow) => (shadow.closed ? undefined : shadow.close())));
    },
  };
}
