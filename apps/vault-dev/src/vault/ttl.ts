/**
 * Lease TTL arithmetic, after Vault's sdk/framework/lease.go CalculateTTL:
 * start from the mount default, cap by the smallest of mount max, backend max
 * and explicit max; a period replaces the TTL and lifts the max (only an
 * explicit max still bounds a periodic token).
 */
import { humanDuration } from '../sdk/duration.js';
import type { SystemView } from '../sdk/framework.js';
import { goQuote } from '../sdk/go-text.js';

export interface TTLInput {
  /** Requested renewal increment, seconds (0 = none). */
  increment: number;
  /** TTL the backend asked for, seconds (0 = mount default). */
  backendTTL: number;
  period: number;
  backendMaxTTL: number;
  explicitMaxTTL: number;
  /** Epoch ms the lease was issued (renewals measure the max from here). */
  issueTime: number;
  now: number;
}

export class PastMaxTTLError extends Error {
  constructor() {
    super('past the max TTL, cannot renew');
  }
}

export function calculateTTL(system: SystemView, input: TTLInput): { ttl: number; warnings: string[] } {
  const warnings: string[] = [];
  let ttl = system.defaultLeaseTTL();
  let maxTTL = system.maxLeaseTTL();
  if (input.backendMaxTTL > 0 && input.backendMaxTTL < maxTTL) maxTTL = input.backendMaxTTL;
  if (input.explicitMaxTTL > 0 && input.explicitMaxTTL < maxTTL) maxTTL = input.explicitMaxTTL;

  let maxValidTime = 0;
  let period = input.period;
  if (period > 0) {
    if (period > maxTTL) {
      warnings.push(
        `period of ${goQuote(humanDuration(period))} exceeded the effective max_ttl of ${goQuote(humanDuration(maxTTL))}; period value is capped accordingly`,
      );
      period = maxTTL;
    }
    ttl = period;
    if (input.explicitMaxTTL > 0) maxValidTime = input.issueTime + input.explicitMaxTTL * 1000;
    else return { ttl, warnings };
  } else if (input.increment > 0) {
    ttl = input.increment;
  } else if (input.backendTTL > 0) {
    ttl = input.backendTTL;
  }
  if (maxValidTime === 0) maxValidTime = input.issueTime + maxTTL * 1000;
  if (maxValidTime <= input.now) throw new PastMaxTTLError();
  const remaining = Math.floor((maxValidTime - input.now) / 1000);
  if (input.now + ttl * 1000 > maxValidTime) {
    warnings.push(
      `TTL of ${goQuote(humanDuration(ttl))} exceeded the effective max_ttl of ${goQuote(humanDuration(remaining))}; TTL value is capped accordingly`,
    );
    ttl = remaining;
  }
  return { ttl, warnings };
}
