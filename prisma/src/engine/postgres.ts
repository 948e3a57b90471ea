// Connection checks before the engine starts, with messages a person can act on.
import pg from 'pg';
import { MigrationError } from '../errors.js';
import { withDatabase } from './adapters.js';

/** `host:port/database` — never the credentials. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
    return `${host}:${parsed.port || '5432'}/${decodeURIComponent(parsed.pathname.slice(1))}`;
  } catch {
    return '(unparsable URL)';
  }
}

export function assertPostgresUrl(url: string, what = 'the database URL'): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new MigrationError('INVALID_INPUT', `${what} is not a URL (expected postgresql://user@host:5432/db)`);
  }
  if (protocol !== 'postgresql:' && protocol !== 'postgres:') {
    throw new MigrationError('INVALID_INPUT', `${what} must be a postgresql:// URL (got ${protocol}//…)`);
  }
}

function reason(error: unknown): string {
  const e = error as { code?: string; message?: string };
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is PostgreSQL running?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
      return 'connection timed out';
  }
  const message = e.message || e.code || String(error);
  return /timeout/i.test(message) ? 'connection timed out' : message;
}

/**
 * Checks that the database answers. Like `prisma migrate deploy`, creates the database when the
 * server is up but the database does not exist yet. Returns whether it created it.
 */
export async function ensureDatabase(url: string, connectTimeoutMs: number): Promise<boolean> {
  const where = describeUrl(url);
  const connect = async (connectionString: string): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: connectTimeoutMs });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  try {
    await (await connect(url)).end();
    return false;
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') {
      throw new MigrationError('DATABASE_UNREACHABLE', `cannot connect to PostgreSQL at ${where}: ${reason(error)}`);
    }
  }
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  let admin: pg.Client;
  try {
    admin = await connect(withDatabase(url, 'postgres'));
  } catch (error) {
    throw new MigrationError(
      'DATABASE_UNREACHABLE',
      `database ${where} does not exist and could not be created: ${reason(error)}`,
    );
  }
  try {
    await admin.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '42P04') return false; // created concurrently
    throw new MigrationError(
      'DATABASE_UNREACHABLE',
      `database ${where} does not exist and could not be created: ${reason(error)}`,
    );
  } finally {
    await admin.end();
  }
}
