/**
 * User lockout for login methods, after Vault's request_handling.go
 * (Vault ≥1.13, on by default for AppRole): `threshold` failed logins with
 * invalid credentials for one alias within `counterReset` lock the alias for
 * `duration`; while locked every login for it is refused with 403, even with
 * good credentials. A successful login resets the count.
 *
 * The bookkeeping is Vault's FailedLoginInfo: a count and the last failure
 * time in whole Unix seconds. `isUserLocked` is `count >= threshold` and
 * `nowUnix - last < duration`; `failedUserLoginProcess` adds one to the count,
 * or restarts it at 1 once `counterReset` has passed since the last failure.
 * The entry is dropped only by a successful login (or the counter reset), not
 * when a lock expires: a further bad login inside the counter-reset window
 * locks the alias again at once.
 */
export interface LockoutConfig {
  threshold: number;
  /** Seconds. */
  duration: number;
  /** Seconds. */
  counterReset: number;
  disabled: boolean;
}

export const DEFAULT_LOCKOUT: LockoutConfig = {
  threshold: 5,
  duration: 15 * 60,
  counterReset: 15 * 60,
  disabled: false,
};

/** Vault's FailedLoginInfo. */
interface FailedLoginInfo {
  count: number;
  /** Unix seconds (Vault stores `int(time.Now().Unix())`). */
  lastFailedLoginTime: number;
}

export class LockoutTracker {
  private readonly counters = new Map<string, FailedLoginInfo>();

  constructor(
    private readonly config: LockoutConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** False when lockout is disabled (Vault's isUserLockoutDisabled): no alias lookahead, no counting. */
  get enabled(): boolean {
    return !this.config.disabled;
  }

  /** Vault's isUserLocked (the in-memory branch). */
  isLocked(key: string): boolean {
    if (this.config.disabled) return false;
    const info = this.counters.get(key);
    if (!info) return false;
    const overThreshold = info.count >= this.config.threshold;
    const withinDuration = this.nowUnix() - info.lastFailedLoginTime < this.config.duration;
    return overThreshold && withinDuration;
  }

  /** Vault's failedUserLoginProcess. */
  recordFailure(key: string): void {
    if (this.config.disabled) return;
    const nowMs = this.now();
    const previous = this.counters.get(key);
    let count = 1;
    if (previous) {
      count = previous.count + 1;
      // time.Now().After(time.Unix(last, 0).Add(counterReset)): the count starts again.
      if (nowMs > (previous.lastFailedLoginTime + this.config.counterReset) * 1000) count = 1;
    }
    this.counters.set(key, { count, lastFailedLoginTime: Math.floor(nowMs / 1000) });
  }

  /** A successful login removes the entry (RegisterAuth's updateUserFailedLoginInfo(..., true)). */
  recordSuccess(key: string): void {
    this.counters.delete(key);
  }

  private nowUnix(): number {
    return Math.floor(this.now() / 1000);
  }
}
