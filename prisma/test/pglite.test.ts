// The embedded database `npm start` uses without DATABASE_URL: same schema, client and migrations.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/index.js';
import { applyMigrations, createDatabase, migrationsDir } from '../src/index.js';
import { committedMigrations, sha256OfMigration, tempMigrations } from './helpers/migrations.js';
import type { TempMigrations } from './helpers/migrations.js';

describe('PGlite in a directory', () => {
  let root: string;
  let pgliteDir: string;
  let migrations: TempMigrations;
  let reopened: Database | undefined;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'prisma-pglite-'));
    pgliteDir = join(root, '.data', 'pglite');
    migrations = await tempMigrations();
  });
  afterAll(async () => {
    await reopened?.close();
    await rm(root, { recursive: true, force: true });
    await migrations?.remove();
  });

  it('migrates, records the same rows as PostgreSQL, and round-trips an app across restarts', async () => {
    const db = await createDatabase({ pgliteDir }, { migrate: true });
    try {
      expect(db.migrations?.applied).toEqual(await committedMigrations());
      // Only its owner may enter the directory of the history and the audit trail.
      expect((await stat(pgliteDir)).mode & 0o777).toBe(0o700);
      const recorded = await db.prisma.$queryRaw<{ migration_name: string; checksum: string; finished: boolean }[]>`
        SELECT migration_name, checksum, finished_at IS NOT NULL AS finished FROM _prisma_migrations`;
      for (const row of recorded) {
        expect(row).toMatchObject({
          checksum: await sha256OfMigration(migrationsDir, row.migration_name),
          finished: true,
        });
      }
      await db.prisma.app.create({
        data: { name: 'embedded', ownerGroups: ['devs'], revealGroups: ['leads'], createdBy: 'dev' },
      });
    } finally {
      await db.close();
    }

    // The data is on disk: reopen, migrate again (nothing to do), read it back.
    reopened = await createDatabase({ pgliteDir }, { migrate: true });
    expect(reopened.migrations?.applied).toEqual([]);
    expect(await reopened.prisma.app.findUnique({ where: { name: 'embedded' } })).toMatchObject({
      ownerGroups: ['devs'],
      deployers: [],
      revealGroups: ['leads'],
    });
  });

  it('a broken migration fails loudly and is not recorded as applied', async () => {
    const db = reopened!;
    await migrations.add('99990101000000_broken', 'CREATE TABLE "half_done" (id INT);\nSELECT 1 / 0;\n');
    // An open PGlite instance is a target too (the one the client uses, here).
    await expect(applyMigrations(db.pglite!, { migrationsDir: migrations.dir })).rejects.toMatchObject({
      code: 'MIGRATION_FAILED',
      migration: '99990101000000_broken',
      message: expect.stringMatching(/division by zero/),
    });

    const broken = await db.prisma.$queryRaw<{ finished: boolean }[]>`
      SELECT finished_at IS NOT NULL AS finished FROM _prisma_migrations WHERE migration_name = '99990101000000_broken'`;
    expect(broken).toEqual([{ finished: false }]);
    const half = await db.prisma.$queryRaw<
      { exists: boolean }[]
    >`SELECT to_regclass('half_done') IS NOT NULL AS exists`;
    expect(half).toEqual([{ exists: false }]);
    // And the client still works after the failed migration.
    expect(await db.prisma.app.count()).toBe(1);
  });
});
