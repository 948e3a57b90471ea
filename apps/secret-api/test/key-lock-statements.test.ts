/**
 * Work under a key's lock may ride on the lock's own statements: one that takes the lock and reads,
 * one that writes and releases it. Whatever happens to those statements, the key must never stay
 * locked for other processes, seen here from a session of their own on a real PostgreSQL.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../src/db/errors.js';
import { PostgresKeyLock, TRY_LOCK_CALL, UNLOCK_CALL } from '../src/db/key-lock.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

/** The lock module's namespace, as another replica would use it (see secrets-contention.test.ts). */
const NAMESPACE = 1936028770;

let db: TestDatabase;
let other: pg.Client;
let locks: PostgresKeyLock;

beforeAll(async () => {
  db = await createTestDatabase('key_lock_statements');
  other = new pg.Client({ connectionString: db.url });
  await other.connect();
  locks = new PostgresKeyLock(db.url, { waitMs: 200 });
});
afterAll(async () => {
  await locks?.close();
  await other?.end();
  await db?.drop();
});

/** Whether another session can take the key now (and it gives it back at once). */
async function freeForOthers(key: string): Promise<boolean> {
  const { rows } = await other.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [NAMESPACE, key]);
  if (rows[0].locked) await other.query('SELECT pg_advisory_unlock($1, hashtext($2))', [NAMESPACE, key]);
  return rows[0].locked as boolean;
}

describe('statements on the lock’s session', () => {
  it('read as the lock is taken, write as it is released', async () => {
    const lockedRead = { text: `SELECT ${TRY_LOCK_CALL} AS locked, $3::int + 1 AS next`, values: [41] };
    const result = await locks.withLock(
      'app/A',
      async (held) => {
        expect(held.read).toEqual([{ locked: true, next: 42 }]);
        expect(await freeForOthers('app/A')).toBe(false);
        const rows = await held.releaseWith({
          text: `SELECT ${UNLOCK_CALL} AS unlocked, $3::text AS said`,
          values: ['x'],
        });
        expect(rows).toEqual([{ unlocked: true, said: 'x' }]);
        expect(await freeForOthers('app/A')).toBe(true);
        return 'done';
      },
      { lockedRead },
    );
    expect(result).toBe('done');
    expect(await freeForOthers('app/A')).toBe(true);
  });

  it('a taking statement that fails after the lock was granted leaves the key free', async () => {
    // Fails as it runs, after the lock is granted (a constant 1 / 0 would fail before, at planning).
    const failing = {
      text: `SELECT l.locked, CASE WHEN l.locked THEN $3::int / (random() * 0)::int END AS boom
             FROM (SELECT ${TRY_LOCK_CALL} AS locked) l`,
      values: [1],
    };
    await expect(locks.withLock('app/B', async () => 'never', { lockedRead: failing })).rejects.toBeInstanceOf(
      DatabaseUnavailableError,
    );
    expect(await freeForOthers('app/B')).toBe(true);
    // And this process takes it again at once.
    expect(await locks.withLock('app/B', async () => 'again', { waitMs: 0 })).toBe('again');
  });

  it('a releasing statement that fails still releases the key', async () => {
    await expect(
      locks.withLock('app/C', (held) =>
        held.releaseWith({ text: `SELECT ${UNLOCK_CALL} AS unlocked, 1 / 0`, values: [] }),
      ),
    ).rejects.toThrow(/division by zero/);
    expect(await freeForOthers('app/C')).toBe(true);
  });

  it('a key held elsewhere is retried and then answered busy; the statement wrote nothing meanwhile', async () => {
    await other.query('CREATE TABLE attempts (n int)');
    await other.query('SELECT pg_advisory_lock($1, hashtext($2))', [NAMESPACE, 'app/D']);
    try {
      const recording = {
        text: `WITH l AS (SELECT ${TRY_LOCK_CALL} AS locked),
               w AS (INSERT INTO attempts (n) SELECT 1 FROM l WHERE l.locked RETURNING n)
               SELECT l.locked FROM l`,
        values: [],
      };
      await expect(locks.withLock('app/D', async () => 'never', { lockedRead: recording })).rejects.toThrow(
        /stayed locked/,
      );
      expect((await other.query('SELECT count(*)::int AS n FROM attempts')).rows[0].n).toBe(0);
    } finally {
      await other.query('SELECT pg_advisory_unlock($1, hashtext($2))', [NAMESPACE, 'app/D']);
    }
  });
});
