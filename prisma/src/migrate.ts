// Applies the committed migrations the way `prisma migrate deploy` does — the same engine
// (compiled to WASM), the same `_prisma_migrations` rows — against PostgreSQL or embedded PGlite.
import { PGlite } from '@electric-sql/pglite';
import type { MigrationAdapterFactory } from './engine/adapters.js';
import { bindForEngine, JsErrorRegistry, pgliteMigrationAdapter, postgresMigrationAdapter } from './engine/adapters.js';
import { describeEngineError } from './engine/errors.js';
import { defaultMigrationsDir, listMigrations } from './engine/migrations-dir.js';
import { assertPostgresUrl, ensureDatabase } from './engine/postgres.js';
import { startSchemaEngine } from './engine/wasm.js';
import { MigrationError } from './errors.js';

export { MigrationError, type MigrationErrorCode } from './errors.js';

/**
 * Where to migrate: a PostgreSQL URL (`"postgresql://…"` or `{ url }`), an embedded PGlite
 * database by directory (`{ pgliteDir }`, created if missing), or an open PGlite instance (left open).
 */
export type MigrationTarget = string | { url: string } | { pgliteDir: string } | PGlite;

export interface ApplyMigrationsOptions {
  /** Defaults to this package's committed migrations. */
  migrationsDir?: string;
  /** How long to wait for another process that is migrating the same database (default 120 s). */
  lockTimeoutMs?: number;
  /** How long to wait for a PostgreSQL connection (default 10 s). */
  connectTimeoutMs?: number;
}

export interface ApplyMigrationsResult {
  /** The migrations this call applied, in order; empty when the database was up to date. */
  applied: string[];
  /** True when the PostgreSQL database did not exist and was created (as `prisma migrate deploy` does). */
  createdDatabase: boolean;
}

const FILTERS = { externalTables: [], externalEnums: [] };

interface Session {
  factory: MigrationAdapterFactory;
  createdDatabase: boolean;
  close(): Promise<void>;
}

async function open(target: MigrationTarget, options: ApplyMigrationsOptions): Promise<Session> {
  if (target instanceof PGlite) {
    const factory = pgliteMigrationAdapter(target);
    return { factory, createdDatabase: false, close: () => factory.close() };
  }
  if (typeof target === 'string' || 'url' in target) {
    const url = typeof target === 'string' ? target : target.url;
    assertPostgresUrl(url);
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    const createdDatabase = await ensureDatabase(url, connectTimeoutMs);
    const factory = postgresMigrationAdapter(url, { connectTimeoutMs });
    try {
      await factory.lock(options.lockTimeoutMs ?? 120_000);
    } catch (error) {
      await factory.close();
      if ((error as { code?: string }).code === '55P03') {
        throw new MigrationError(
          'LOCK_TIMEOUT',
          'timed out waiting for another process to finish migrating this database',
        );
      }
      throw new MigrationError('DATABASE_UNREACHABLE', `cannot take the migration lock: ${(error as Error).message}`);
    }
    return { factory, createdDatabase, close: () => factory.close() };
  }
  const db = new PGlite(target.pgliteDir);
  const factory = pgliteMigrationAdapter(db);
  return {
    factory,
    createdDatabase: false,
    close: async () => {
      await factory.close();
      await db.close();
    },
  };
}

/**
 * Applies the migrations not yet applied to the target, in name order, each recorded in
 * `_prisma_migrations` exactly as `prisma migrate deploy` records it (checksum = sha256 of
 * migration.sql). Safe to run again (applies nothing) and from several processes at once (they
 * take turns on Prisma's advisory lock). A failing migration is rolled back, recorded as failed —
 * never as applied — and reported as a MigrationError; later runs refuse to go on until it is
 * resolved (see markMigrationRolledBack).
 */
export async function applyMigrations(
  target: MigrationTarget,
  options: ApplyMigrationsOptions = {},
): Promise<ApplyMigrationsResult> {
  const migrationsList = await listMigrations(options.migrationsDir ?? defaultMigrationsDir);
  const session = await open(target, options);
  const { appliedMigrationNames } = await withEngine(session, (engine) =>
    engine.applyMigrations({ migrationsList, filters: FILTERS }),
  );
  return { applied: appliedMigrationNames, createdDatabase: session.createdDatabase };
}

/**
 * Marks a failed migration as rolled back (`prisma migrate resolve --rolled-back`), so the next
 * applyMigrations tries it again. Repair whatever it left in the database first.
 */
export async function markMigrationRolledBack(
  target: MigrationTarget,
  migration: string,
  options: Pick<ApplyMigrationsOptions, 'connectTimeoutMs' | 'lockTimeoutMs'> = {},
): Promise<void> {
  const session = await open(target, options);
  await withEngine(session, (engine) => engine.markMigrationRolledBack({ migrationName: migration }));
}

/** Runs one engine call on an open session, then frees the engine and closes the session whatever happens. */
async function withEngine<T>(
  session: Awaited<ReturnType<typeof open>>,
  call: (engine: Awaited<ReturnType<typeof startSchemaEngine>>) => Promise<T>,
): Promise<T> {
  const registry = new JsErrorRegistry();
  try {
    const engine = await startSchemaEngine(bindForEngine(session.factory, registry));
    try {
      return await call(engine);
    } finally {
      engine.free();
    }
  } catch (error) {
    throw describeEngineError(error, registry);
  } finally {
    await session.close();
  }
}
