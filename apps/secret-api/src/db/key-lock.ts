/**
 * Mutual exclusion per secret key, across every API process, waiting a bounded time. Two layers:
 * writers of one key first queue in this process ({@link KeyMutex}: no connection held while
 * waiting, a bounded queue), then the head of the queue takes a PostgreSQL session-level advisory
 * lock with `pg_try_advisory_lock`, polled with backoff until its deadline. Polling rather than a
 * blocking `pg_advisory_lock` means that waiting for a key never occupies a connection, so a hot
 * key cannot starve the writes of other keys, and that a lock held too long is reported as the
 * key being busy ({@link KeyBusyError}), never as the database being down.
 *
 * Every lock of the process lives on one dedicated session ({@link AdvisorySession}): advisory
 * locks are per session, and the in-process mutex already guarantees one holder per key here. A
 * lock held in a transaction would not do: a secret write commits its pending history row before
 * the Vault write (so a crash leaves a trace) while still holding the lock.
 * The embedded database has one process, so the in-process layer alone suffices there.
 */
import pg from 'pg';
import { DatabaseUnavailableError } from './errors.js';
import { KeyBusyError, KeyMutex } from './key-mutex.js';

export { KeyBusyError } from './key-mutex.js';

export interface LockOptions {
  /** How long to wait for the key before {@link KeyBusyError}; 0 = take it only if free now. */
  waitMs?: number;
}

export interface KeyLock {
  /** Runs `work` holding the key. Throws KeyBusyError when the key is not free within the wait. */
  withLock<T>(key: string, work: () => Promise<T>, options?: LockOptions): Promise<T>;
  close(): Promise<void>;
}

/** Namespace of the two-int advisory lock key, so our locks never collide with another kind. */
const SECRET_LOCK_NAMESPACE = 1936028770;
/** A set takes tens of milliseconds: a key busy for this long has a hundred writers queued, or one stuck. */
const DEFAULT_WAIT_MS = 5_000;
/** Same-key writers allowed to wait in one process; more are told the key is busy at once. */
const DEFAULT_MAX_WAITERS = 32;
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The one database session holding this process's key locks. Lost (the database went away), it is
 * reopened on next use; the locks it held died with it, and the work that held them is still
 * covered by Vault's check-and-set and the history's unique (path, version).
 */
class AdvisorySession {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private closed = false;
  /** One query at a time on the session, in order (pg's own queueing of concurrent calls is deprecated). */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly url: string) {}

  /** The session on which the key is now locked, or null when another session holds it. */
  async tryLock(key: string): Promise<pg.Client | null> {
    const client = await this.session();
    // A failure here takes nothing: a broken connection is dropped by its 'error'/'end' events,
    // and dropping a working one would release the locks other requests hold on it.
    const r = await this.serially(() =>
      client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [
        SECRET_LOCK_NAMESPACE,
        key,
      ]),
    );
    return r.rows[0]?.locked ? client : null;
  }

  async unlock(client: pg.Client, key: string): Promise<void> {
    // Taken on a session since lost: the lock went with it.
    if (client !== this.client) return;
    try {
      await this.serially(() =>
        client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [SECRET_LOCK_NAMESPACE, key]),
      );
    } catch {
      // A lock that cannot be released would keep the key locked for every other process: end
      // the session, which releases its locks.
      this.drop(client);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    if (client) this.drop(client);
  }

  private serially<T>(query: () => Promise<T>): Promise<T> {
    const run = this.tail.then(query, query);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private session(): Promise<pg.Client> {
    if (this.closed) return Promise.reject(new Error('the key lock session is closed'));
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: 5_000,
      // Lock calls never wait inside the database; one that takes this long means no database.
      statement_timeout: 5_000,
      application_name: 'secret-api key locks',
    });
    // A connection lost while idle must not crash the process.
    client.on('error', () => this.drop(client));
    client.on('end', () => this.drop(client));
    try {
      await client.connect();
    } catch (err) {
      client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
    return client;
  }

  private drop(client: pg.Client): void {
    if (this.client === client) this.client = undefined;
    client.end().catch(() => undefined);
  }
}

export class PostgresKeyLock implements KeyLock {
  private readonly mutex: KeyMutex;
  private readonly session: AdvisorySession;
  private readonly waitMs: number;

  constructor(
    url: string,
    { waitMs = DEFAULT_WAIT_MS, maxWaiters = DEFAULT_MAX_WAITERS }: { waitMs?: number; maxWaiters?: number } = {},
  ) {
    this.mutex = new KeyMutex(maxWaiters);
    this.session = new AdvisorySession(url);
    this.waitMs = waitMs;
  }

  async withLock<T>(key: string, work: () => Promise<T>, { waitMs = this.waitMs }: LockOptions = {}): Promise<T> {
    const deadline = Date.now() + waitMs;
    const release = await this.mutex.acquire(key, waitMs);
    let session: pg.Client;
    try {
      session = await this.advisoryLock(key, deadline);
    } catch (err) {
      release();
      throw err;
    }
    try {
      return await work();
    } finally {
      await this.session.unlock(session, key);
      release();
    }
  }

  close(): Promise<void> {
    return this.session.close();
  }

  /** Polls for the key's advisory lock with growing, jittered pauses until the deadline. */
  private async advisoryLock(key: string, deadline: number): Promise<pg.Client> {
    for (let pause = FIRST_POLL_MS; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
      let session: pg.Client | null;
      try {
        session = await this.session.tryLock(key);
      } catch (err) {
        throw new DatabaseUnavailableError(`cannot take the lock for ${key}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      if (session) return session;
      const left = deadline - Date.now();
      if (left <= 0) throw new KeyBusyError(key, 'timeout');
      await sleep(Math.min(left, pause * (0.5 + Math.random())));
    }
  }
}

export class InProcessKeyLock implements KeyLock {
  private readonly mutex: KeyMutex;
  private readonly waitMs: number;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor({
    waitMs = DEFAULT_WAIT_MS,
    maxWaiters = DEFAULT_MAX_WAITERS,
  }: { waitMs?: number; maxWaiters?: number } = {}) {
    this.mutex = new KeyMutex(maxWaiters);
    this.waitMs = waitMs;
  }

  async withLock<T>(key: string, work: () => Promise<T>, { waitMs = this.waitMs }: LockOptions = {}): Promise<T> {
    const release = await this.mutex.acquire(key, waitMs);
    const run = (async () => work())();
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(settled);
    try {
      return await run;
    } finally {
      this.inFlight.delete(settled);
      release();
    }
  }

  /** Waits for the work holding a key, so the embedded database is not closed under it. */
  async close(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}
