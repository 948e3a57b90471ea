import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaPath } from '../src/index.js';
import { createMigration } from '../src/new-migration.js';
import { tempMigrations } from './helpers/migrations.js';
import type { TempMigrations } from './helpers/migrations.js';
import type { TestDatabase } from './helpers/postgres.js';
import { createTestDatabase, query } from './helpers/postgres.js';

describe('createMigration (new-migration)', () => {
  let db: TestDatabase;
  let migrations: TempMigrations;

  beforeAll(async () => {
    db = await createTestDatabase('newmig');
    migrations = await tempMigrations();
  });
  afterAll(async () => {
    await db?.drop();
    await migrations?.remove();
  });

  it('finds nothing to write: the committed migrations match schema.prisma', async () => {
    const result = await createMigration({ name: 'drift', url: db.url, migrationsDir: migrations.dir });
    expect(result).toEqual({ migration: null });
  });

  it('writes the next migration for a schema change, in Prisma’s layout, and drops its shadow database', async () => {
    const schema = join(migrations.dir, '..', 'schema.prisma');
    const changed = (await readFile(schemaPath, 'utf8')).replace(
      '@@map("clusters")',
      'region String @default("eu")\n\n  @@map("clusters")',
    );
    await writeFile(schema, changed);

    const result = await createMigration({
      name: 'add_region',
      url: db.url,
      migrationsDir: migrations.dir,
      schemaPath: schema,
    });
    expect(result.migration).toMatch(/^\d{14}_add_region$/);
    expect(await readdir(migrations.dir)).toContain(result.migration);
    const sql = await readFile(join(migrations.dir, result.migration!, 'migration.sql'), 'utf8');
    expect(sql).toContain(`ALTER TABLE "clusters" ADD COLUMN     "region" TEXT NOT NULL DEFAULT 'eu';`);
    expect(await readFile(join(migrations.dir, 'migration_lock.toml'), 'utf8')).toContain('provider = "postgresql"');

    const shadows = await query(db.url, "SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_%'");
    expect(shadows).toEqual([]);
  });

  it('rejects a name Prisma could not use as a folder', async () => {
    await expect(createMigration({ name: '../escape', migrationsDir: migrations.dir })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});
