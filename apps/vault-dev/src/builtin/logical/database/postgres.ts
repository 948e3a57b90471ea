/**
 * The postgresql-database-plugin (vault plugins/database/postgresql) against
 * a real PostgreSQL through `pg`: connection set-up from the templated
 * connection URL, and the NewUser / UpdateUser / DeleteUser operations with
 * the plugin's default statements. Error texts never carry a secret: like
 * Vault's error-sanitizer middleware, known secret values become `[password]`.
 */
import pg from 'pg';
import { fillPlaceholders, formatExpiration, quoteIdentifier, renderQueries } from './statements.js';

export const PLUGIN_NAME = 'postgresql-database-plugin';

const DEFAULT_RENEW_STATEMENT = `ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';`;
const DEFAULT_ROTATE_STATEMENT = `ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}';`;
const DEFAULT_MAX_OPEN_CONNECTIONS = 4;

/** A failure the plugin reports (the engine decides the status). */
export class PluginError extends Error {}

/** The connection settings the plugin reads from `connection_details`. */
export interface ConnectionSettings {
  connectionUrl: string;
  username: string;
  password: string;
  disableEscaping: boolean;
  maxOpenConnections: number;
}

export function connectionSettings(details: Record<string, unknown>): ConnectionSettings {
  const str = (key: string): string => (typeof details[key] === 'string' ? (details[key] as string) : '');
  const max = Number(details['max_open_connections'] ?? DEFAULT_MAX_OPEN_CONNECTIONS);
  return {
    connectionUrl: str('connection_url'),
    username: str('username'),
    password: str('password'),
    disableEscaping: details['disable_escaping'] === true || details['disable_escaping'] === 'true',
    maxOpenConnections: Number.isInteger(max) && max > 0 ? max : DEFAULT_MAX_OPEN_CONNECTIONS,
  };
}

/** connutil.SQLConnectionProducer.Init's checks, before anything connects. */
export function checkSettings(settings: ConnectionSettings): void {
  if (settings.connectionUrl === '') throw new PluginError('connection_url cannot be empty');
  const templated = /\{\{(username|password)\}\}/;
  if (templated.test(settings.username) || templated.test(settings.password)) {
    throw new PluginError('username and/or password cannot contain the template variables');
  }
}

export class PostgresConnection {
  private readonly pool: pg.Pool;
  private readonly secrets: string[];

  constructor(private readonly settings: ConnectionSettings) {
    checkSettings(settings);
    const escape = (v: string) => (settings.disableEscaping ? v : encodeURIComponent(v));
    const url = fillPlaceholders(settings.connectionUrl, {
      username: escape(settings.username),
      password: escape(settings.password),
    });
    this.secrets = [settings.password, escape(settings.password)].filter((s) => s !== '');
    this.pool = new pg.Pool({
      connectionString: url,
      max: settings.maxOpenConnections,
      idleTimeoutMillis: 5_000,
      connectionTimeoutMillis: 10_000,
      // An idle pool must not keep the process (or a test worker) alive.
      allowExitOnIdle: true,
    });
    // A dropped idle connection is not a crash; the next query reconnects.
    this.pool.on('error', () => {});
  }

  /** Connects and pings (verify_connection). */
  async verify(): Promise<void> {
    try {
      await this.pool.query('SELECT 1');
    } catch (err) {
      throw new PluginError(`error verifying connection: ${this.describe(err)}`);
    }
  }

  /** NewUser: the creation statements in one transaction. */
  async createUser(input: {
    statements: readonly string[];
    username: string;
    password: string;
    expirationMs: number;
  }): Promise<void> {
    if (input.statements.length === 0) throw new PluginError('empty creation statements');
    const queries = renderQueries(input.statements, {
      name: input.username,
      username: input.username,
      password: input.password,
      expiration: formatExpiration(input.expirationMs),
    });
    await this.inTransaction(queries, [input.password], 'failed to execute query: ');
  }

  /** UpdateUser with a new expiration: the renew statements (default VALID UNTIL). */
  async renewUser(username: string, statements: readonly string[], expirationMs: number): Promise<void> {
    const queries = renderQueries(statements.length > 0 ? statements : [DEFAULT_RENEW_STATEMENT], {
      name: username,
      username,
      expiration: formatExpiration(expirationMs),
    });
    await this.inTransaction(queries, [], '');
  }

  /** UpdateUser with a new password: the rotation statements (default ALTER ROLE ... PASSWORD). */
  async changePassword(username: string, statements: readonly string[], password: string): Promise<void> {
    const queries = renderQueries(statements.length > 0 ? statements : [DEFAULT_ROTATE_STATEMENT], {
      name: username,
      username,
      password,
    });
    await this.inTransaction(queries, [password], 'failed to execute query: ');
  }

  /** DeleteUser: custom revocation statements in a transaction, else the plugin's default revocation. */
  async deleteUser(username: string, statements: readonly string[]): Promise<void> {
    if (statements.length > 0) {
      await this.inTransaction(renderQueries(statements, { name: username, username }), [], '');
      return;
    }
    await this.defaultDeleteUser(username);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }

  /**
   * The plugin's default revocation: revoke what the role was granted (one
   * statement at a time, continuing past failures, outside a transaction),
   * then drop it, unless a REVOKE failed.
   */
  private async defaultDeleteUser(username: string): Promise<void> {
    const run = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
      try {
        return await this.pool.query<R>(text, values);
      } catch (err) {
        throw new PluginError(this.describe(err));
      }
    };
    const exists = await run<{ exists: boolean }>('SELECT exists (SELECT rolname FROM pg_roles WHERE rolname=$1);', [
      username,
    ]);
    if (!exists.rows[0]?.exists) return;
    const user = quoteIdentifier(username);
    const schemas = await run<{ table_schema: string }>(
      'SELECT DISTINCT table_schema FROM information_schema.role_column_grants WHERE grantee=$1;',
      [username],
    );
    const revocations: string[] = [];
    for (const { table_schema: schema } of schemas.rows) {
      revocations.push(`REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA ${quoteIdentifier(schema)} FROM ${user};`);
      revocations.push(`REVOKE USAGE ON SCHEMA ${quoteIdentifier(schema)} FROM ${user};`);
    }
    revocations.push(`REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA public FROM ${user};`);
    revocations.push(`REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public FROM ${user};`);
    revocations.push(`REVOKE USAGE ON SCHEMA public FROM ${user};`);
    const db = await run<{ current_database: string | null }>('SELECT current_database();');
    const dbName = db.rows[0]?.current_database;
    if (dbName) revocations.push(`REVOKE CONNECT ON DATABASE ${quoteIdentifier(dbName)} FROM ${user};`);

    let lastError: unknown;
    for (const query of revocations) {
      try {
        await this.pool.query(query);
      } catch (err) {
        lastError = err;
      }
    }
    if (lastError !== undefined) {
      throw new PluginError(`could not perform all revocation statements: ${this.describe(lastError)}`);
    }
    await run(`DROP ROLE IF EXISTS ${user};`);
  }

  private async inTransaction(queries: readonly string[], secrets: readonly string[], prefix: string): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw new PluginError(`unable to get connection: ${this.describe(err)}`);
    }
    try {
      await client.query('BEGIN');
      for (const query of queries) await client.query(query);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw new PluginError(`${prefix}${this.describe(err, secrets)}`);
    } finally {
      client.release();
    }
  }

  /** A driver error as pgx prints it, with every secret value masked. */
  private describe(err: unknown, extraSecrets: readonly string[] = []): string {
    let text: string;
    if (err instanceof pg.DatabaseError) {
      text = `${err.severity ?? 'ERROR'}: ${err.message} (SQLSTATE ${err.code ?? ''})`;
    } else if (err instanceof Error) {
      text = err.message;
    } else {
      text = String(err);
    }
    for (const secret of [...this.secrets, ...extraSecrets]) {
      if (secret !== '') text = text.split(secret).join('[password]');
    }
    return text;
  }
}
