// Opens the Secret API's database: PostgreSQL through @prisma/adapter-pg, or an embedded PGlite
// database (same schema, client and migrations) for `npm start` without DATABASE_URL.
import { chmod, mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from './generated/prisma/client.js';
import { assertPostgresUrl } from './engine/postgres.js';
import type { ApplyMigrationsResult } from './migrate.js';
import { applyMigrations } from './migrate.js';

/** Where the embedded database lives by default, relative to the working directory. */
export const DEFAULT_PGLITE_DIR = '.data/pglite';

/** A PostgreSQL URL, or the directory of an embedded PGlite database (created if missing). */
export type DatabaseOptions = { url: string } | { pgliteDir: string };

export interface CreateDatabaseOptions {
  /** Apply pending migrations before returning (see applyMigrations). */
  migrate?: boolean;
  /**
   * PostgreSQL: how long a query waits for a connection before failing (default 5 s), so an
   * unreachable database gives an error rather than a hang.
   */
  connectTimeoutMs?: number;
  /** PostgreSQL: the pool size (default 10). */
  maxConnections?: number;
  /** Called with the text of every SQL statement sent (never its parameters, which may be anything). */
  onQuery?: (sql: string) => void;
}

/**
 * Prisma keeps a compiled plan per query shape in an LRU of this many entries. Our queries have a fixed shape
 * (lists travel as array parameters of raw queries, never as one `OR` term per element), so the bound holds a
 * few hundred small plans; stated rather than left to the library's default.
 */
export const QUERY_PLAN_CACHE_ENTRIES = 500;

type DriverAdapter = PrismaPg | PrismaPGlite;

function newClient(adapter: DriverAdapter, onQuery?: (sql: string) => void): PrismaClient {
  const prisma = new PrismaClient({
    adapter,
    queryPlanCacheMaxSize: QUERY_PLAN_CACHE_ENTRIES,
    ...(onQuery && { log: [{ emit: 'event' as const, level: 'query' as const }] }),
  });
  if (onQuery) (prisma as unknown as QueryEvents).$on('query', (event) => onQuery(event.query));
  return prisma;
}

interface QueryEvents {
  $on(event: 'query', listener: (event: { query: string }) => void): void;
}

export interface Database {
  prisma: PrismaClient;
  /** The embedded engine, when the database is PGlite. */
  pglite?: PGlite;
  /** What `migrate: true` applied. */
  migrations?: ApplyMigrationsResult;
  /** Disconnects the client (and shuts the embedded database down). */
  close(): Promise<void>;
}

export async function createDatabase(
  options: DatabaseOptions,
  { migrate = false, connectTimeoutMs = 5_000, maxConnections = 10, onQuery }: CreateDatabaseOptions = {},
): Promise<Database> {
  if ('url' in options) {
    assertPostgresUrl(options.url);
    const migrations = migrate ? await applyMigrations(options.url, { connectTimeoutMs }) : undefined;
    const adapter = new PrismaPg({
      connectionString: options.url,
      connectionTimeoutMillis: connectTimeoutMs,
      max: maxConnections,
    });
    const prisma = newClient(adapter, onQuery);
    return { prisma, ...(migrations && { migrations }), close: () => prisma.$disconnect() };
  }

  // The history and the audit trail: no values, but nobody else's to read (mkdir's mode is filtered by the umask, and
  // a directory from an older start may be wider).
  await mkdir(options.pgliteDir, { recursive: true, mode: 0o700 });
  await chmod(options.pgliteDir, 0o700).catch(() => undefined);
  const pglite = new PGlite(options.pgliteDir);
  try {
    const migrations = migrate ? await applyMigrations(pglite) : undefined;
    const prisma = newClient(new PrismaPGlite(pglite), onQuery);
    return {
      prisma,
      pglite,
      ...(migrations && { migrations }),
      close: async () => {
        await prisma.$disconnect();
        await pglite.close();
      },
    };
  } catch (error) {
    await pglite.close();
    throw error;
  }
}
