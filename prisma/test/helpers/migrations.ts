// Temporary migrations folders: the committed ones plus extra migrations a test needs.
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrationsDir } from '../../src/index.js';

export async function committedMigrations(): Promise<string[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

export async function sha256OfMigration(dir: string, name: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(join(dir, name, 'migration.sql')))
    .digest('hex');
}

export interface TempMigrations {
  dir: string;
  add(name: string, sql: string): Promise<void>;
  remove(): Promise<void>;
}

/** A copy of the committed migrations in a temp folder, to which a test can add its own. */
export async function tempMigrations(): Promise<TempMigrations> {
  const root = await mkdtemp(join(tmpdir(), 'prisma-migrations-'));
  const dir = join(root, 'migrations');
  await cp(migrationsDir, dir, { recursive: true });
  return {
    dir,
    async add(name, sql) {
      await mkdir(join(dir, name), { recursive: true });
      await writeFile(join(dir, name, 'migration.sql'), sql);
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
