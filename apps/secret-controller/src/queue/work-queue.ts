/**
 * client-go's rate-limited work queue, for string keys: a key is queued at most once however often it is
 * added; a key being processed is never handed to a second worker — added meanwhile, it is queued again when
 * the first is done; failures are retried after a per-key exponential backoff with full jitter.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Returns a number in [0, 1); Math.random by default (tests pass a fixed one). */
  random?: () => number;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private head = 0;
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(private readonly backoff: BackoffOptions) {}

  get length(): number {
    return this.queue.length - this.head;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queued.add(key);
    this.queue.push(key);
  }

  /** Adds the key after `ms` (a later add of the same key replaces a pending one only if sooner). */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (this.timers.has(key)) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref?.();
    this.timers.set(key, timer);
  }

  /** Schedules a retry after the key's next backoff; returns the attempt number (1 = first failure). */
  addRateLimited(key: string): number {
    const attempt = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, attempt);
    this.addAfter(key, this.delayFor(attempt));
    return attempt;
  }

  /** Full jitter: uniform in [0, min(max, base · 2^(attempt-1))], so retries of many keys spread out. */
  delayFor(attempt: number): number {
    const ceiling = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** Math.min(attempt - 1, 30));
    return Math.round((this.backoff.random ?? Math.random)() * ceiling);
  }

  /**
   * Queues now every key that waits out a failure's backoff: what failed for all of them (Vault, the Secret API)
   * just worked again, and each would otherwise wait out up to maxMs more. Returns how many.
   */
  retryFailedNow(): number {
    let n = 0;
    for (const [key, timer] of this.timers) {
      if (!this.failures.has(key)) continue;
      clearTimeout(timer);
      this.timers.delete(key);
      this.add(key);
      n++;
    }
    return n;
  }

  attempts(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Clears the key's failure count (success, or given up). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** The next key, waiting for one; undefined once shut down. */
  get(): Promise<string | undefined> {
    if (this.head < this.queue.length) {
      const key = this.queue[this.head++] as string;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.queued.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks the key's processing finished; re-queues it when it was added meanwhile. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
