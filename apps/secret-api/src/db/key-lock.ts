/**
 * Mutual exclusion per secret key, across every API process: a PostgreSQL session-level advisory
 * lock on a connection from a small pool of its own. A lock held in a transaction would not do:
 * a secret write must commit its pending history row before the Vault write (so a crash leaves a
 * trace) while still holding the lock, and waiting writers must not starve the query pool.
 * The embedded database has one process and one connection, so an in-process lock suffices there.
 */
import pg from 'pg';
import { DatabaseUnavailableError } from './errors.js';

export interface KeyLock {
  withLock<T>(key: string, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Namespace of the two-int advisory lock key, so our locks never collide with another kind. */
const SECRET_LOCK_NAMESPACE = 1936028770;

export class PostgresKeyLock implements KeyLock {
  private readonly pool: pg.Pool;

  constructor(url: string, { max = 16, waitMs = 30_000 }: { max?: number; waitMs?: number } = {}) {
    this.pool = new pg.Pool({
      connectionString: url,
      max,
      connectionTimeoutMillis: 5_000,
      // Bounds the wait for a lock another request holds, like any other query.
      statement_timeout: waitMs,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection dropped by the server must not crash the process.
    this.pool.on('error', () => undefined);
  }

  async withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    let client: pg.PoolClient | undefined;
    let broken = false;
    // A connection lost while the lock is held (the database went away mid-request) emits 'error' on
    // the checked-out client; unheard, that would crash the process. The unlock below then fails,
    // and the dead session has released the lock anyway.
    const onError = () => {
      broken = true;
    };
    try {
      client = await this.pool.connect();
      client.on('error', onError);
      await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [SECRET_LOCK_NAMESPACE, key]);
    } catch (err) {
      if (client) {
        client.off('error', onError);
        client.release(true);
      }
      throw new DatabaseUnavailableError(`cannot take the lock for ${key}: ${(err as Error).message}`, { cause: err });
    }
    try {
      return await work();
    } finally {
      try {
        await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [SECRET_LOCK_NAMESPACE, key]);
      } catch {
        // Closing the session releases its locks.
        broken = true;
      }
      client.off('error', onError);
      client.release(broken);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

export class InProcessKeyLock implements KeyLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(work);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }
}
