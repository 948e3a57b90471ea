// `npm run db:migrate`: applies the committed migrations to DATABASE_URL (prisma migrate deploy,
// without the native engine). Prints what it applied; errors are one clear message, no stack trace.
import { parseArgs } from 'node:util';
import { describeUrl } from '../engine/postgres.js';
import type { MigrationErrorCode } from '../errors.js';
import { MigrationError } from '../errors.js';
import { applyMigrations, markMigrationRolledBack } from '../migrate.js';

const USAGE = `Usage: db:migrate [--rolled-back <migration>]

Applies the pending migrations in prisma/migrations to the PostgreSQL database in DATABASE_URL,
creating the database if it does not exist.

  --rolled-back <migration>  mark a failed migration as rolled back (after repairing the
                             database by hand), so the next run applies it again

Exit codes: 0 done, 1 usage or configuration error, 2 database unreachable or busy,
3 a migration failed or an earlier failure blocks migrating.
`;

/** Exit codes, decided here only. */
function exitCode(code: MigrationErrorCode): number {
  switch (code) {
    case 'INVALID_INPUT':
      return 1;
    case 'DATABASE_UNREACHABLE':
    case 'LOCK_TIMEOUT':
      return 2;
    case 'MIGRATION_FAILED':
    case 'FAILED_MIGRATIONS_PRESENT':
    case 'HISTORY_CONFLICT':
    case 'ENGINE_ERROR':
      return 3;
  }
}

const out = (text: string): void => void process.stdout.write(`${text}\n`);
const err = (text: string): void => void process.stderr.write(`db:migrate: ${text}\n`);

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let rolledBack: string | undefined;
  try {
    const { values } = parseArgs({
      args: argv,
      options: { 'rolled-back': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help) {
      out(USAGE);
      return 0;
    }
    rolledBack = values['rolled-back'];
  } catch (error) {
    err(`${(error as Error).message}\n\n${USAGE}`);
    return 1;
  }

  const url = env['DATABASE_URL'];
  if (!url) {
    err(
      'DATABASE_URL is not set. Set it to the PostgreSQL database to migrate, e.g.\n' +
        '  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/secret_api npm run db:migrate',
    );
    return 1;
  }

  const where = describeUrl(url);
  try {
    if (rolledBack) {
      await markMigrationRolledBack(url, rolledBack);
      out(`Marked ${rolledBack} as rolled back in ${where}.`);
      return 0;
    }
    const started = performance.now();
    const { applied, createdDatabase } = await applyMigrations(url);
    const ms = Math.round(performance.now() - started);
    if (createdDatabase) out(`Created database ${where}.`);
    if (applied.length === 0) {
      out(`No pending migrations: ${where} is up to date.`);
    } else {
      out(`Applied ${applied.length} migration${applied.length === 1 ? '' : 's'} to ${where} in ${ms} ms:`);
      for (const name of applied) out(`  ${name}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof MigrationError) {
      err(error.message);
      return exitCode(error.code);
    }
    err(`unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    return 3;
  }
}

process.exitCode = await main(process.argv.slice(2), process.env);
