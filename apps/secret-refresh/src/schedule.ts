/**
 * When to renew, how long to back off, and when to give up — pure functions of times in ms,
 * so the rules are table-tested without a clock.
 *
 * The rule (Elastic's, as in Vault's own LifetimeWatcher): renew an item once at most half of
 * the TTL it was last granted is left, a little later by jitter (down to 40 % left) so that
 * many pods started together do not renew together — but never wait longer than RENEW_INTERVAL.
 */

/** ms to wait before renewing. `random` in [0, 1). */
export function renewDelay(
  item: { expiresAt: number; grantedSeconds: number },
  now: number,
  renewIntervalMs: number,
  random: number,
): number {
  const left = item.expiresAt - now;
  const keepLeft = item.grantedSeconds * 1000 * (0.5 - 0.1 * random);
  return Math.min(Math.max(0, left - keepLeft), renewIntervalMs);
}

/**
 * The point after which an item counts as lost if it still could not be renewed: a tenth of
 * its last grant before expiry (at least 0.5 s, at most 60 s), leaving time to say so and for
 * the pod to restart before the credentials stop working.
 */
export function giveUpAt(item: { expiresAt: number; grantedSeconds: number }): number {
  const margin = Math.min(60_000, Math.max(500, item.grantedSeconds * 100));
  return item.expiresAt - margin;
}

/**
 * Jittered exponential backoff for retries while Vault is unreachable: the attempt's step
 * (250 ms doubling, at most 30 s) half fixed, half random — and never past half the time left
 * before `deadline`, so the last attempts come closer together rather than overshoot it.
 */
export function backoffDelay(attempt: number, now: number, deadline: number, random: number): number {
  const step = Math.min(30_000, 250 * 2 ** Math.min(attempt, 20));
  const jittered = step / 2 + (random * step) / 2;
  return Math.max(50, Math.min(jittered, (deadline - now) / 2));
}

export type GrantVerdict = { kind: 'ok' } | { kind: 'capped' } | { kind: 'lost'; reason: string };

/**
 * What a renewal's grant means. Vault grants less than asked only when the item's max TTL
 * caps it: its end is then fixed. If that end comes before the next renewal could happen at
 * the usual cadence (half of what we ask for), the item cannot be kept: lost. Otherwise it
 * still serves until the next renewal, which will be capped harder.
 */
export function judgeGrant(askedSeconds: number, grantedSeconds: number, endsAt: number): GrantVerdict {
  if (grantedSeconds >= askedSeconds) return { kind: 'ok' };
  if (grantedSeconds < askedSeconds / 2) {
    return {
      kind: 'lost',
      reason: `it reached its max TTL: Vault granted ${grantedSeconds}s of the ${askedSeconds}s asked, so it ends at ${new Date(endsAt).toISOString()}, before the next renewal could happen`,
    };
  }
  return { kind: 'capped' };
}
