import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, markMigrationRolledBack, MigrationError, migrationsDir } from '../src/index.js';
import { committedMigrations, sha256OfMigration, tempMigrations } from './helpers/migrations.js';
import type { TempMigrations } from './helpers/migrations.js';
import type { TestDatabase } from './helpers/postgres.js';
import { admin, createTestDatabase, dropDatabase, query, randomDatabaseName, urlFor } from './helpers/postgres.js';

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
  logs: string | null;
}

const rows = (url: string): Promise<MigrationRow[]> =>
  query<MigrationRow>(
    url,
    'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count, logs FROM _prisma_migrations ORDER BY started_at, migration_name',
  );

const tables = async (url: string): Promise<string[]> =>
  (
    await query<{ table_name: string }>(
      url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    )
  ).map((row) => row.table_name);

describe('applyMigrations on PostgreSQL', () => {
  let db: TestDatabase;
  let committed: string[];

  beforeAll(async () => {
    db = await createTestDatabase('migrate');
    committed = await committedMigrations();
  });
  afterAll(() => db?.drop());

  it('applies every committed migration to an empty database and creates the tables', async () => {
    const result = await applyMigrations(db.url);
    expect(result).toEqual({ applied: committed, createdDatabase: false });
    expect(await tables(db.url)).toEqual([
      '_prisma_migrations',
      'app_dynamic_profiles',
      'app_role_bindings',
      'apps',
      'audit_events',
      'clusters',
      'deleted_names',
      'secret_versions',
    ]);
    const columns = await query<{ column_name: string }>(
      db.url,
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'apps' ORDER BY ordinal_position",
    );
    expect(columns.map((c) => c.column_name)).toEqual([
      'name',
      'owner_groups',
      'deployers',
      'reveal_groups',
      'created_at',
      'created_by',
      'updated_at',
    ]);
  });

  it('applies nothing when run again', async () => {
    expect(await applyMigrations(db.url)).toEqual({ applied: [], createdDatabase: false });
    expect(await rows(db.url)).toHaveLength(committed.length);
  });

  it('records each migration as prisma migrate deploy does: checksum = sha256 of migration.sql', async () => {
    const recorded = await rows(db.url);
    expect(recorded.map((row) => row.migration_name)).toEqual(committed);
    for (const row of recorded) {
      expect(row.checksum).toBe(await sha256OfMigration(migrationsDir, row.migration_name));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
      expect(row.logs).toBeNull();
    }
  });
});

describe('applyMigrations with migrations that go wrong', () => {
  let db: TestDatabase;
  let migrations: TempMigrations;

  beforeAll(async () => {
    db = await createTestDatabase('broken');
    migrations = await tempMigrations();
  });
  afterAll(async () => {
    await db?.drop();
    await migrations?.remove();
  });

  it('a broken migration fails loudly, keeps nothing and is not recorded as applied', async () => {
    await migrations.add('99990101000000_broken', 'CREATE TABLE "half_done" (id INT);\nSELECT 1 / 0;\n');

    const failure = await applyMigrations(db.url, { migrationsDir: migrations.dir }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MigrationError);
    expect(failure).toMatchObject({ code: 'MIGRATION_FAILED', migration: '99990101000000_broken' });
    expect((failure as Error).message).toMatch(/99990101000000_broken failed: .*division by zero/);

    // The statements before the failing one were rolled back with it.
    expect(await tables(db.url)).not.toContain('half_done');
    // The earlier migrations went in; the broken one is recorded as failed, not as applied.
    const recorded = await rows(db.url);
    const broken = recorded.find((row) => row.migration_name === '99990101000000_broken');
    expect(broken).toMatchObject({ finished_at: null, rolled_back_at: null, applied_steps_count: 0 });
    expect(broken?.logs).toMatch(/division by zero/);
    expect(recorded.filter((row) => row.finished_at !== null)).toHaveLength(recorded.length - 1);
  });

  it('refuses to go on while a failed migration is unresolved', async () => {
    await expect(applyMigrations(db.url, { migrationsDir: migrations.dir })).rejects.toMatchObject({
      code: 'FAILED_MIGRATIONS_PRESENT',
      migration: '99990101000000_broken',
    });
  });

  it('applies the fixed migration once the failed one is marked rolled back', async () => {
    await migrations.add('99990101000000_broken', 'CREATE TABLE "half_done" (id INT);\n');
    await markMigrationRolledBack(db.url, '99990101000000_broken');
    expect(await applyMigrations(db.url, { migrationsDir: migrations.dir })).toMatchObject({
      applied: ['99990101000000_broken'],
    });
    expect(await tables(db.url)).toContain('half_done');
  });

  it('runs a migration as one script, semicolons inside function bodies and strings included', async () => {
    await migrations.add(
      '99990102000000_function',
      [
        `CREATE FUNCTION "shout"(t TEXT) RETURNS TEXT LANGUAGE plpgsql AS $$`,
        `BEGIN`,
        `  t := upper(t);`,
        `  RETURN t || ';';`,
        `END;`,
        `$$;`,
        `INSERT INTO "half_done" VALUES (1);`,
      ].join('\n'),
    );
    await applyMigrations(db.url, { migrationsDir: migrations.dir });
    expect(await query(db.url, `SELECT shout('a; b') AS s`)).toEqual([{ s: 'A; B;' }]);
  });
});

describe('applyMigrations from several processes at once', () => {
  let db: TestDatabase;
  let migrations: TempMigrations;

  beforeAll(async () => {
    db = await createTestDatabase('concurrent');
    migrations = await tempMigrations();
    // A slow migration makes the runs overlap for certain.
    await migrations.add('99990101000000_slow', 'SELECT pg_sleep(0.3);\nCREATE TABLE "slow" (id INT);\n');
  });
  afterAll(async () => {
    await db?.drop();
    await migrations?.remove();
  });

  it('applies each migration exactly once', async () => {
    const all = [...(await committedMigrations()), '99990101000000_slow'];
    const results = await Promise.all([1, 2, 3].map(() => applyMigrations(db.url, { migrationsDir: migrations.dir })));
    const applied = results.flatMap((result) => result.applied);
    expect(applied.sort()).toEqual(all);
    const recorded = await rows(db.url);
    expect(recorded.map((row) => row.migration_name).sort()).toEqual(all);
    expect(recorded.every((row) => row.finished_at !== null)).toBe(true);
  });

  it('waits on the same advisory lock as prisma migrate, and gives up after lockTimeoutMs', async () => {
    // Another migrator (say `prisma migrate deploy`) holds Prisma's lock on this database.
    await admin(async (other) => {
      await other.query('SELECT pg_advisory_lock(72707369)');
      const started = Date.now();
      await expect(
        applyMigrations(db.url, { migrationsDir: migrations.dir, lockTimeoutMs: 300 }),
      ).rejects.toMatchObject({
        code: 'LOCK_TIMEOUT',
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    }, db.url);
    // Its session ended, so the lock is free again.
    expect(await applyMigrations(db.url, { migrationsDir: migrations.dir })).toMatchObject({ applied: [] });
  });
});

describe('applyMigrations against a server without the database', () => {
  const name = randomDatabaseName('create');
  afterAll(() => dropDatabase(name));

  it('creates the database first, as prisma migrate deploy does', async () => {
    const result = await applyMigrations(urlFor(name));
    expect(result.createdDatabase).toBe(true);
    expect(result.applied).toEqual(await committedMigrations());
  });
});

describe('applyMigrations errors', () => {
  it('names the unreachable server, without credentials', async () => {
    const failure = await applyMigrations('postgresql://postgres:s3cret@127.0.0.1:1/nowhere').catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'DATABASE_UNREACHABLE' });
    expect((failure as Error).message).toContain('127.0.0.1:1/nowhere');
    expect((failure as Error).message).not.toContain('s3cret');
  });

  it('rejects a URL that is not PostgreSQL', async () => {
    await expect(applyMigrations('mysql://root@127.0.0.1/x')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
