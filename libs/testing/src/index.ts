/**
 * Throwaway PostgreSQL databases for tests and benchmarks: each suite creates its own on the
 * machine's server under a random name and drops it WITH (FORCE) after, so a leaked connection
 * cannot keep it alive and suites never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server to use; any database on it serves as the maintenance connection. */
export const SERVER_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Runs one statement on the server's maintenance connection. */
export async function adminQuery(sql: string, serverUrl = SERVER_URL): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database named `<prefix>_<label>_<random>`. */
export async function createTestDatabase(
  label: string,
  { prefix = 'test', serverUrl = SERVER_URL }: { prefix?: string; serverUrl?: string } = {},
): Promise<TestDatabase> {
  const name = `${prefix}_${label}_${randomBytes(5).toString('hex')}`.toLowerCase();
  if (!/^[a-z0-9_]{1,63}$/.test(name)) throw new Error(`not a usable database name: ${name}`);
  await adminQuery(`CREATE DATABASE "${name}"`, serverUrl);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, serverUrl),
  };
}

export { startIdleClosingServer, type IdleClosingServer } from './idle-closing-server.js';
