/**
 * Time as AppRole stores and shows it: nanoseconds since the epoch, rendered
 * the way Go's encoding/json renders a time.Time (RFC3339Nano, trailing zeros
 * of the fraction trimmed, the server's local offset, `Z` for a zero offset).
 */

/** Epoch nanoseconds; 0n is Go's zero time. */
export type Nanos = bigint;

export type Clock = () => Nanos;

let last: Nanos = 0n;

/**
 * The wall clock (Date.now, so fake timers apply) with sub-millisecond digits
 * from the monotonic clock, never going backwards within the process.
 */
export const systemClock: Clock = () => {
  const ns = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  last = ns > last ? ns : last + 1n;
  return last;
};

export const secondsToNanos = (seconds: number): Nanos => BigInt(Math.trunc(seconds)) * 1_000_000_000n;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Go's time.Time MarshalJSON (RFC3339Nano). */
export function formatRFC3339Nano(ns: Nanos): string {
  if (ns === 0n) return '0001-01-01T00:00:00Z';
  let ms = ns / 1_000_000n;
  let frac = ns % 1_000_000_000n;
  if (frac < 0n) {
    frac += 1_000_000_000n;
    ms -= 1n;
  }
  const msNumber = Number(ms);
  const offsetMin = -new Date(msNumber).getTimezoneOffset();
  const wall = new Date(msNumber + offsetMin * 60_000);
  let out =
    `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}` +
    `T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}`;
  if (frac !== 0n) out += `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`;
  if (offsetMin === 0) return `${out}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${out}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
