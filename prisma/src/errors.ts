export type MigrationErrorCode =
  /** Bad arguments: not a PostgreSQL URL, a bad migration name. */
  | 'INVALID_INPUT'
  /** The database could not be reached, logged in to, or created. */
  | 'DATABASE_UNREACHABLE'
  /** A migration's SQL failed; it is recorded as failed (not applied) and its changes rolled back. */
  | 'MIGRATION_FAILED'
  /** An earlier run left a failed migration: nothing is applied until it is resolved. */
  | 'FAILED_MIGRATIONS_PRESENT'
  /** The database and the migrations folder disagree in a way only a person can settle. */
  | 'HISTORY_CONFLICT'
  /** Another process held the migration lock for longer than we were willing to wait. */
  | 'LOCK_TIMEOUT'
  /** Anything else the schema engine reported. */
  | 'ENGINE_ERROR';

/** Why migrating (or writing a migration) failed; `message` is meant for a person. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    /** The migration concerned, when there is one. */
    readonly migration?: string,
  ) {
    super(message);
  }
}
