/**
 * Go's time.Time as Vault shows it: a nanosecond wall clock (time.Now) and
 * RFC3339Nano text (time.Format and encoding/json's MarshalJSON).
 */

/** Epoch nanoseconds. */
export type Nanos = bigint;

/** A source of "now"; backends take one so tests can pin the time. */
export type NanoClock = () => Nanos;

/** Go's zero time.Time in RFC3339. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

const NANOS_PER_MILLI = 1_000_000n;
const NANOS_PER_SECOND = 1_000_000_000n;

let last: Nanos = 0n;

/**
 * Go's time.Now() in epoch nanoseconds. Date.now() is read on every call so
 * this agrees with the millisecond clocks elsewhere in the server; it has no
 * sub-millisecond digits, so those come from the monotonic timer, and a
 * reading never repeats or goes back, as successive Go readings differ.
 */
export const nowNanos: NanoClock = () => {
  const ns = BigInt(Date.now()) * NANOS_PER_MILLI + (process.hrtime.bigint() % NANOS_PER_MILLI);
  last = ns > last ? ns : last + 1n;
  return last;
};

export const secondsToNanos = (seconds: number): Nanos => BigInt(Math.trunc(seconds)) * NANOS_PER_SECOND;

export const millisToNanos = (ms: number): Nanos => BigInt(Math.trunc(ms)) * NANOS_PER_MILLI;

export interface FormatTimeOptions {
  /** The server's local offset (Go's time.Local, which time.Now() carries) instead of UTC. */
  local?: boolean;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Go's time.RFC3339Nano: trailing zeros of the fraction trimmed, `Z` for a zero offset. */
export function formatRFC3339Nano(ns: Nanos, options: FormatTimeOptions = {}): string {
  let secs = ns / NANOS_PER_SECOND;
  let frac = ns % NANOS_PER_SECOND;
  if (frac < 0n) {
    frac += NANOS_PER_SECOND;
    secs -= 1n;
  }
  const ms = Number(secs) * 1000;
  const offsetMin = options.local ? -new Date(ms).getTimezoneOffset() : 0;
  const wall = new Date(ms + offsetMin * 60_000);
  let out =
    `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}` +
    `T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}`;
  if (frac !== 0n) out += `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`;
  if (offsetMin === 0) return `${out}Z`;
  const abs = Math.abs(offsetMin);
  return `${out}${offsetMin < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * An RFC3339(Nano) timestamp re-expressed in UTC with its fractional digits
 * kept (Go's `.UTC().Format(time.RFC3339Nano)` of a parsed time).
 * Unparseable input is returned unchanged.
 */
export function toUTCRFC3339Nano(ts: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return ts;
  const [, base = '', frac = '', zone = 'Z'] = m;
  const ms = Date.parse(`${base}${zone}`);
  if (Number.isNaN(ms)) return ts;
  return formatRFC3339Nano(millisToNanos(ms) + BigInt(frac.slice(0, 9).padEnd(9, '0')));
}
