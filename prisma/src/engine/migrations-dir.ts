// Reads a migrations folder in Prisma's standard layout into the engine's MigrationList:
//
//   migrations/
//     migration_lock.toml
//     20250101000000_init/migration.sql
//     …
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationList } from '@prisma/schema-engine-wasm';

/** This package's root (the folder holding schema.prisma), from src/ or dist/ alike. */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The committed migrations. */
export const defaultMigrationsDir = join(packageRoot, 'migrations');

/** The Prisma schema the migrations are generated from. */
export const schemaPath = join(packageRoot, 'schema.prisma');

export const LOCKFILE = 'migration_lock.toml';
export const MIGRATION_FILE = 'migration.sql';

/**
 * Lists the migration folders (sorted by name, as Prisma does) with their SQL. A folder without a
 * readable migration.sql is passed on as an error, which the engine reports by name.
 */
export async function listMigrations(dir: string, shadowDbInitScript = ''): Promise<MigrationList> {
  const lockfile = await readFile(join(dir, LOCKFILE), 'utf8').catch(() => null);
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b));
  const migrationDirectories = await Promise.all(
    names.map(async (name) => ({
      path: name,
      migrationFile: {
        path: MIGRATION_FILE,
        content: await readFile(join(dir, name, MIGRATION_FILE), 'utf8').then(
          (value) => ({ tag: 'ok' as const, value }),
          (error: Error) => ({ tag: 'error' as const, value: error.message }),
        ),
      },
    })),
  );
  return {
    baseDir: dir,
    lockfile: { path: LOCKFILE, content: lockfile },
    shadowDbInitScript,
    migrationDirectories,
  };
}
