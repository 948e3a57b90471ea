// `npm run db:migrate` as a user runs it: the compiled entry point in a child process.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedMigrations } from './helpers/migrations.js';
import type { TestDatabase } from './helpers/postgres.js';
import { createTestDatabase } from './helpers/postgres.js';

const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'migrate.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function dbMigrate(env: Record<string, string>, args: string[] = []): Promise<Run> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [entry, ...args],
      { env: { ...inherited, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Lines that look like a JS stack frame. */
const STACK = /^\s+at .+\(?.+:\d+:\d+\)?$/m;

describe('db:migrate CLI', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('cli');
  });
  afterAll(() => db?.drop());

  it('without DATABASE_URL exits 1 with a message naming DATABASE_URL', async () => {
    const run = await dbMigrate({});
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/DATABASE_URL is not set/);
    expect(run.stdout).toBe('');
  });

  it('with an unreachable database exits 2 with one clear message and no stack trace', async () => {
    const run = await dbMigrate({ DATABASE_URL: 'postgresql://postgres:s3cret@127.0.0.1:1/secret_api' });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'db:migrate: cannot connect to PostgreSQL at 127.0.0.1:1/secret_api: connection refused (is PostgreSQL running?)\n',
    );
    expect(run.stderr).not.toMatch(STACK);
  });

  it('with a URL that is not PostgreSQL exits 1', async () => {
    const run = await dbMigrate({ DATABASE_URL: 'mysql://root@127.0.0.1/app' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/postgresql:\/\//);
  });

  it('prints what it applied, then that nothing is pending', async () => {
    const first = await dbMigrate({ DATABASE_URL: db.url });
    expect(first).toMatchObject({ code: 0, stderr: '' });
    const migrations = await committedMigrations();
    expect(first.stdout).toContain(`Applied ${migrations.length} migration`);
    for (const name of migrations) expect(first.stdout).toContain(`  ${name}\n`);

    const second = await dbMigrate({ DATABASE_URL: db.url });
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toMatch(/No pending migrations: .* is up to date/);
  });

  it('rejects unknown options with usage and exit 1', async () => {
    const run = await dbMigrate({ DATABASE_URL: db.url }, ['--force']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Usage: db:migrate/);
  });
});
