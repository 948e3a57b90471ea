/**
 * Mutual exclusion per secret key, across every API process, waiting a bounded time. Two layers:
 * writers of one key first queue in this process ({@link KeyMutex}: no connection held while
 * waiting, a bounded queue), then the head of the queue takes a PostgreSQL session-level advisory
 * lock with `pg_try_advisory_lock`, polled with backoff until its deadline. Polling rather than a
 * blocking `pg_advisory_lock` means that waiting for a key never occupies a connection, so a hot
 * key cannot starve the writes of other keys, and that a lock held too long is reported as the
 * key being busy ({@link KeyBusyError}), never as the database being down.
 *
 * The locks of the process live on a few dedicated sessions ({@link AdvisorySession}), each key
 * always on the same one: advisory locks are per session, and the in-process mutex already
 * guarantees one holder per key here. A lock held in a transaction would not do: a secret write
 * commits its pending history row before the Vault write (so a crash leaves a trace) while still
 * holding the lock. The embedded database has one process, so the in-process layer alone
 * suffices there.
 *
 * Work under a lock may ride on the lock's own round trips (every statement costs the API a
 * socket write, which is most of a secret set's CPU): a statement that takes the lock and reads
 * or writes ({@link LockOptions.lockedRead}), and a write sent in the statement that releases it
 * ({@link HeldKey.releaseWith}). A session runs one statement at a time, and one that commits a
 * write waits for the WAL flush; spreading the keys over several sessions keeps one key's flush
 * from holding up the locks of most others.
 */
import pg from 'pg';
import { DatabaseUnavailableError } from './errors.js';
import { KeyBusyError, KeyMutex } from './key-mutex.js';

export { KeyBusyError } from './key-mutex.js';

/**
 * SQL for the session that holds the locks. `$1` and `$2` are the lock's namespace and key (the
 * lock module fills them in); the statement's own values follow from `$3`. Write the lock calls
 * as {@link TRY_LOCK_CALL} and {@link UNLOCK_CALL}.
 */
export interface SessionStatement {
  /** Prepares the statement once per session under this name: parsed and planned once, not per call. */
  name?: string;
  text: string;
  values: readonly unknown[];
}

/** Takes the key's lock (true) or finds it held elsewhere (false): a `lockedRead` names it `locked`. */
export const TRY_LOCK_CALL = 'pg_try_advisory_lock($1, hashtext($2))';
/** Releases the key's lock: a {@link HeldKey.releaseWith} statement names it `unlocked`. */
export const UNLOCK_CALL = 'pg_advisory_unlock($1, hashtext($2))';

export interface LockOptions {
  /** How long to wait for the key before {@link KeyBusyError}; 0 = take it only if free now. */
  waitMs?: number;
  /**
   * A statement that takes the lock and reads (or writes) in the same round trip: its first row
   * has a boolean `locked` ({@link TRY_LOCK_CALL}); its rows reach the work as
   * {@link HeldKey.read}. It reads from a snapshot taken as the statement starts, an instant before
   * the lock is granted, so the work must be safe when a write of another process committed in
   * that instant is missing. It runs again on every attempt while the key is held elsewhere, so
   * what it writes must depend on `locked`. Should it fail, the lock is released. Used only where
   * the lock lives in the database.
   */
  lockedRead?: SessionStatement;
}

/** What the work holding a key may do with the lock itself. */
export interface HeldKey {
  /** The rows of {@link LockOptions.lockedRead}; undefined when none was asked or the lock is in-process. */
  readonly read: Record<string, unknown>[] | undefined;
  /**
   * Runs `statement` on the lock's session as the lock's release: it must call {@link UNLOCK_CALL}
   * (named `unlocked`); the lock is then not released again. Returns its rows, or undefined when
   * there is no session to run it on (an in-process lock, or a session lost meanwhile, whose locks
   * went with it): the work then writes on its own. Should it fail, the lock is released as if
   * none was given. The release happens as the statement runs, before it commits: another
   * process may take the key an instant before the write is visible.
   */
  releaseWith(statement: SessionStatement): Promise<Record<string, unknown>[] | undefined>;
}

export interface KeyLock {
  /** Runs `work` holding the key. Throws KeyBusyError when the key is not free within the wait. */
  withLock<T>(key: string, work: (held: HeldKey) => Promise<T>, options?: LockOptions): Promise<T>;
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
/** Lock sessions per process (opened as keys need them): a few, since each is a connection. */
const SESSIONS = 4;

const TRY_LOCK: SessionStatement = { name: 'key-lock', text: `SELECT ${TRY_LOCK_CALL} AS locked`, values: [] };
const UNLOCK: SessionStatement = { name: 'key-unlock', text: `SELECT ${UNLOCK_CALL} AS unlocked`, values: [] };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A database session holding key locks of this process. Lost (the database went away), it is
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

  /** The session on which the key is now locked and what `statement` read, or null when another session holds it. */
  async tryLock(
    key: string,
    statement: SessionStatement,
  ): Promise<{ client: pg.Client; rows: Record<string, unknown>[] } | null> {
    const client = await this.session();
    let rows: Record<string, unknown>[];
    try {
      rows = await this.run(client, key, statement);
    } catch (err) {
      // The statement may have failed after taking the lock (a session lock outlives its
      // transaction): release it, or the key stays locked. A broken connection is dropped by its
      // 'error'/'end' events; a working one is kept, as dropping it would release the locks
      // other requests hold on it.
      if (statement !== TRY_LOCK) await this.unlock(client, key);
      throw err;
    }
    return rows[0]?.['locked'] === true ? { client, rows } : null;
  }

  /** True while `client` is the live session: locks taken on it are still held. */
  holds(client: pg.Client): boolean {
    return client === this.client;
  }

  /**
   * Runs `statement` (which calls {@link UNLOCK_CALL}) on the session that took the lock. Throws
   * what the statement threw; then whether the lock was released is unknown, and the caller
   * releases it with {@link unlock}.
   */
  async release(client: pg.Client, key: string, statement: SessionStatement): Promise<Record<string, unknown>[]> {
    return this.run(client, key, statement);
  }

  async unlock(client: pg.Client, key: string): Promise<void> {
    // Taken on a session since lost: the lock went with it.
    if (client !== this.client) return;
    try {
      await this.run(client, key, UNLOCK);
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

  private async run(client: pg.Client, key: string, { name, text, values }: SessionStatement) {
    const result = await this.serially(() =>
      client.query<Record<string, unknown>>({
        ...(name !== undefined && { name }),
        text,
        values: [SECRET_LOCK_NAMESPACE, key, ...values],
      }),
    );
    return result.rows;
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

/** The session a key's lock always lives on: a string hash (FNV-1a) of the key. */
function sessionIndex(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % SESSIONS;
}

export class PostgresKeyLock implements KeyLock {
  private readonly mutex: KeyMutex;
  private readonly sessions: AdvisorySession[];
  private readonly waitMs: number;

  constructor(
    url: string,
    { waitMs = DEFAULT_WAIT_MS, maxWaiters = DEFAULT_MAX_WAITERS }: { waitMs?: number; maxWaiters?: number } = {},
  ) {
    this.mutex = new KeyMutex(maxWaiters);
    this.sessions = Array.from({ length: SESSIONS }, () => new AdvisorySession(url));
    this.waitMs = waitMs;
  }

  async withLock<T>(
    key: string,
    work: (held: HeldKey) => Promise<T>,
    { waitMs = this.waitMs, lockedRead }: LockOptions = {},
  ): Promise<T> {
    const deadline = Date.now() + waitMs;
    const release = await this.mutex.acquire(key, waitMs);
    const session = this.sessions[sessionIndex(key)] as AdvisorySession;
    let taken: { client: pg.Client; rows: Record<string, unknown>[] };
    try {
      taken = await this.advisoryLock(session, key, deadline, lockedRead ?? TRY_LOCK);
    } catch (err) {
      release();
      throw err;
    }
    let released = false;
    const held: HeldKey = {
      read: lockedRead ? taken.rows : undefined,
      releaseWith: async (statement) => {
        if (released) throw new Error(`the lock of ${key} was already released`);
        if (!session.holds(taken.client)) return undefined;
        const rows = await session.release(taken.client, key, statement);
        released = rows[0]?.['unlocked'] === true;
        return rows;
      },
    };
    try {
      return await work(held);
    } finally {
      if (!released) await session.unlock(taken.client, key);
      release();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.close()));
  }

  /** Polls for the key's advisory lock with growing, jittered pauses until the deadline. */
  private async advisoryLock(session: AdvisorySession, key: string, deadline: number, statement: SessionStatement) {
    for (let pause = FIRST_POLL_MS; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
      let taken: Awaited<ReturnType<AdvisorySession['tryLock']>>;
      try {
        taken = await session.tryLock(key, statement);
      } catch (err) {
        throw new DatabaseUnavailableError(`cannot take the lock for ${key}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      if (taken) return taken;
      const left = deadline - Date.now();
      if (left <= 0) throw new KeyBusyError(key, 'timeout');
      await sleep(Math.min(left, pause * (0.5 + Math.random())));
    }
  }
}

/** A held in-process lock has no database session: work under it reads and writes on its own. */
const IN_PROCESS_HELD: HeldKey = { read: undefined, releaseWith: async () => undefined };

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

  async withLock<T>(
    key: string,
    work: (held: HeldKey) => Promise<T>,
    { waitMs = this.waitMs }: LockOptions = {},
  ): Promise<T> {
    const release = await this.mutex.acquire(key, waitMs);
    const run = (async () => work(IN_PROCESS_HELD))();
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
