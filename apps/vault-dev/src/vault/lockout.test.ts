import { describe, expect, it } from 'vitest';
import { DEFAULT_LOCKOUT, LockoutTracker, type LockoutConfig } from './lockout.js';

function tracker(config: Partial<LockoutConfig> = {}, start = 1_000_000_000_500) {
  const clock = { now: start };
  const t = new LockoutTracker({ ...DEFAULT_LOCKOUT, ...config }, () => clock.now);
  return { t, clock, advance: (ms: number) => (clock.now += ms) };
}

const fail = (t: LockoutTracker, n: number, key = 'k') => {
  for (let i = 0; i < n; i++) t.recordFailure(key);
};

describe('LockoutTracker (Vault FailedLoginInfo semantics)', () => {
  it('locks at the threshold-th failure, not before', () => {
    const { t } = tracker();
    fail(t, 4);
    expect(t.isLocked('k')).toBe(false);
    fail(t, 1);
    expect(t.isLocked('k')).toBe(true);
    expect(t.isLocked('other')).toBe(false);
  });

  it('unlocks once duration has passed since the last failure, counted in whole seconds', () => {
    const { t, advance } = tracker({ duration: 10 });
    fail(t, 5);
    advance(9_400); // 1_000_000_009_900 ms: 9 whole seconds after 1_000_000_000 s
    expect(t.isLocked('k')).toBe(true);
    advance(100); // second 1_000_000_010: now - last = 10, not < 10
    expect(t.isLocked('k')).toBe(false);
  });

  it('keeps the count after the lock expires: one more failure inside the counter reset locks again', () => {
    const { t, advance } = tracker({ duration: 10, counterReset: 60 });
    fail(t, 5);
    advance(11_000);
    expect(t.isLocked('k')).toBe(false);
    fail(t, 1);
    expect(t.isLocked('k')).toBe(true);
  });

  it('restarts the count at 1 when counterReset has passed since the last failure', () => {
    const { t, advance } = tracker({ counterReset: 5 });
    fail(t, 4);
    advance(5_600); // after time.Unix(last, 0) + 5s
    fail(t, 4);
    expect(t.isLocked('k')).toBe(false);
    fail(t, 1);
    expect(t.isLocked('k')).toBe(true);
  });

  it('a success clears the count', () => {
    const { t } = tracker();
    fail(t, 4);
    t.recordSuccess('k');
    fail(t, 4);
    expect(t.isLocked('k')).toBe(false);
  });

  it('does nothing when disabled', () => {
    const { t } = tracker({ disabled: true });
    expect(t.enabled).toBe(false);
    expect(tracker().t.enabled).toBe(true);
    fail(t, 10);
    expect(t.isLocked('k')).toBe(false);
  });
});
