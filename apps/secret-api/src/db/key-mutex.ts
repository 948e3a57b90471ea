/**
 * Per-key mutual exclusion inside one process, with a bounded queue and a deadline per waiter.
 * Writers of one key wait here, holding nothing, so a hot key costs no database connection while
 * it waits; a waiter that cannot get the key in time, or finds the queue full, is told the key is
 * busy instead of waiting without end.
 */

/** The key is held by other work and was not free within the wait allowed: retry later. */
export class KeyBusyError extends Error {
  override name = 'KeyBusyError';
  constructor(
    readonly key: string,
    readonly reason: 'timeout' | 'queue_full',
  ) {
    super(reason === 'timeout' ? `${key} stayed locked by other work` : `too many requests are waiting for ${key}`);
  }
}

interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout;
}

/** Releases a held key: hands it to the next waiter, if any. Call exactly once. */
export type Release = () => void;

export class KeyMutex {
  /** A key is held while it has an entry; the entry lists who waits for it, first come first served. */
  private readonly queues = new Map<string, Waiter[]>();

  constructor(private readonly maxWaiters = 32) {}

  acquire(key: string, waitMs: number): Promise<Release> {
    const waiters = this.queues.get(key);
    if (!waiters) {
      this.queues.set(key, []);
      return Promise.resolve(this.releaser(key));
    }
    if (waitMs <= 0) return Promise.reject(new KeyBusyError(key, 'timeout'));
    if (waiters.length >= this.maxWaiters) return Promise.reject(new KeyBusyError(key, 'queue_full'));
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => resolve(this.releaser(key)),
        timer: setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new KeyBusyError(key, 'timeout'));
        }, waitMs),
      };
      waiters.push(waiter);
    });
  }

  /** Keys held right now (for shutdown and tests). */
  get held(): number {
    return this.queues.size;
  }

  private releaser(key: string): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const waiters = this.queues.get(key);
      const next = waiters?.shift();
      if (!next) {
        this.queues.delete(key);
        return;
      }
      clearTimeout(next.timer);
      next.grant();
    };
  }
}
