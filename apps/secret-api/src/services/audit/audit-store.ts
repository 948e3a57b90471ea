/**
 * Where the audit trail's inserts go: one statement per batch, the rows as one JSON array (audit-trail.ts). On
 * PostgreSQL the trail has a connection of its own and sends the statement through `pg`, prepared once. Through
 * Prisma, each batch's JSON was copied twice more (Prisma serialises raw parameters and parses them back), and those
 * copies, alive while the insert was in flight, were most of what survived the API's young-generation collections at
 * 10,000 RoleID reads a second (bench/README.md, "Issue 15, session 7"). The embedded database (PGlite, one process)
 * is reached through Prisma.
 *
 * The statement commits without waiting for the WAL flush: `set_config(..., true)` in a CTE the statement reads
 * lasts only until the end of the statement's own transaction, so the session's setting is unchanged for every other
 * query. An event is in the table, visible to every reader and safe from any crash of the API before the response
 * leaves; only a crash of PostgreSQL's own host within ~3 × `wal_writer_delay` (600 ms by default) could lose it.
 * Waiting for the flush cost 10–50 ms per SecretID issue on a busy disk — most of the request.
 */
import type { PrismaClient } from '@secret-api/prisma';
import pg from 'pg';

export interface AuditStore {
  /** Inserts the rows of a JSON array (audit-trail.ts's `Row`s); resolves once they are in the table. */
  insert(rowsJson: string): Promise<void>;
  /** Ends what the store opened (after the trail's last flush). */
  close(): Promise<void>;
}

const INSERT_ROWS = `
  WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true))
  INSERT INTO audit_events
    (time, actor, action, target, app, result, request_id, caller_request_id, error, details)
  SELECT e.time, e.actor, e.action, e.target, e.app, e.result, e.request_id, e.caller_request_id, e.error, e.details
  FROM async_commit, json_to_recordset($1::json) AS e(
    time timestamptz, actor text, action text, target text, app text, result text,
    request_id text, caller_request_id text, error text, details jsonb)`;

/**
 * How long one insert may take, lock waits included: requests wait for their events, and a reveal or SecretID issue
 * whose event cannot be written is better refused (after one more try) than left hanging on a locked table.
 */
const INSERT_TIMEOUT_MS = 10_000;

/** The trail's own connection to PostgreSQL: one insert is in flight at a time, so one connection. */
export function postgresAuditStore(url: string, { insertTimeoutMs = INSERT_TIMEOUT_MS } = {}): AuditStore {
  const pool = new pg.Pool({
    connectionString: url,
    max: 1,
    statement_timeout: insertTimeoutMs,
    // Kept open while idle: the first audited request after a quiet spell would otherwise pay a new connection.
    idleTimeoutMillis: 0,
    connectionTimeoutMillis: 5_000,
    application_name: 'secret-api audit trail',
  });
  // A connection lost while idle must not crash the process: the next insert opens another.
  pool.on('error', () => undefined);
  return {
    async insert(rowsJson) {
      await pool.query({ name: 'audit-insert', text: INSERT_ROWS, values: [rowsJson] });
    },
    close: () => pool.end(),
  };
}

/** Through Prisma, where the database is the embedded one. */
export function prismaAuditStore(prisma: Pick<PrismaClient, '$executeRawUnsafe'>): AuditStore {
  return {
    async insert(rowsJson) {
      await prisma.$executeRawUnsafe(INSERT_ROWS, rowsJson);
    },
    close: async () => undefined,
  };
}
