// Throwaway PostgreSQL databases: each test file creates its own under a random name and drops
// it afterwards (WITH (FORCE), so a leaked connection cannot keep it alive).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the tests use; any database on it works as the maintenance connection. */
export const SERVER_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export function urlFor(database: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

export function randomDatabaseName(label: string): string {
  return `prisma_test_${label}_${randomBytes(6).toString('hex')}`;
}

export async function admin<T>(fn: (client: pg.Client) => Promise<T>, url = SERVER_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(name: string): Promise<void> {
  await admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = randomDatabaseName(label);
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  return { name, url: urlFor(name), drop: () => dropDatabase(name) };
}

/** Runs one query against `url` and returns its rows. */
export function query<R extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<R[]> {
  return admin(async (client) => (await client.query<R>(sql, values)).rows, url);
}
