// Turns the schema engine's errors (Rust error chains with span traces) into MigrationErrors.
import { MigrationError } from '../errors.js';
import type { JsErrorRegistry } from './adapters.js';

/** Drops the engine's span trace ("   0: sql_schema_connector::…") and blank lines. */
function withoutTrace(message: string): string {
  const lines: string[] = [];
  for (const line of message.split('\n')) {
    if (/^\s+\d+: /.test(line)) break;
    if (line.trim()) lines.push(line.trimEnd());
  }
  return lines.join('\n');
}

/** The database's own words from an engine error: "ERROR: division by zero". */
function databaseError(message: string): string {
  const text = withoutTrace(message)
    .replace(/^external connector error\n?/, '')
    .replace(/^Error querying the database: /m, '');
  return text || message.split('\n')[0] || 'unknown error';
}

export function describeEngineError(error: unknown, registry: JsErrorRegistry): MigrationError {
  if (error instanceof MigrationError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;

  if (code === 'P3009') {
    const migration = /The `([^`]+)` migration/.exec(message)?.[1];
    return new MigrationError(
      'FAILED_MIGRATIONS_PRESENT',
      `migration ${migration ?? '(unknown)'} failed in an earlier run, so no migration is applied until it is ` +
        'resolved: repair the database by hand if needed, mark it rolled back ' +
        `(\`npm run db:migrate -- --rolled-back ${migration ?? '<name>'}\`) and run again`,
      migration,
    );
  }
  if (/advisory lock/i.test(message)) {
    return new MigrationError(
      'LOCK_TIMEOUT',
      'timed out waiting for another process to finish migrating this database',
    );
  }
  const applying = /apply_migration[\s\S]*?migration_name="([^"]+)"/.exec(message)?.[1];
  if (applying) {
    return new MigrationError(
      'MIGRATION_FAILED',
      `migration ${applying} failed: ${databaseError(message)}\n` +
        'It ran as one transaction, which was rolled back; _prisma_migrations records it as failed, not applied.',
      applying,
    );
  }
  if (
    /^(Can't reach database server|Database `[^`]*` does not exist|User was denied access|Authentication failed)/.test(
      message,
    )
  ) {
    return new MigrationError('DATABASE_UNREACHABLE', withoutTrace(message));
  }
  const js = /GenericJs/.test(message) ? registry.last() : undefined;
  const detail = js instanceof Error ? js.message : withoutTrace(message);
  return new MigrationError('ENGINE_ERROR', `schema engine: ${detail}`);
}
