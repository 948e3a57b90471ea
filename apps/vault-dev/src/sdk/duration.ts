/**
 * Go durations as Vault reads and writes them: time.ParseDuration,
 * go-secure-stdlib's parseutil.ParseDurationSecond (the framework's
 * TypeDurationSecond), Duration.String() and Vault's humanDuration.
 * Errors carry Go's texts.
 */
import { FieldError } from './fields.js';
import { goTimeQuote } from './go-text.js';
import { goParseInt } from './strconv.js';
import { secondsToNanos, type Nanos } from './time.js';

const NANOS_PER_SECOND = 1_000_000_000n;
const SECONDS_PER_DAY = 86_400n;

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  '\u00b5s': 1_000n, // µs (micro sign)
  '\u03bcs': 1_000n, // μs (Greek mu)
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const LIMIT = 1n << 63n;

function invalid(orig: string): FieldError {
  return new FieldError('time: invalid duration ' + goTimeQuote(orig));
}

/** Go's `time.ParseDuration`. */
export function parseGoDuration(orig: string): Nanos {
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid(orig);
  let d = 0n;
  while (s !== '') {
    const c0 = s[0] ?? '';
    if (!(c0 === '.' || (c0 >= '0' && c0 <= '9'))) throw invalid(orig);
    let i = 0;
    let v = 0n;
    for (; i < s.length; i++) {
      const c = s[i] ?? '';
      if (c < '0' || c > '9') break;
      if (v > LIMIT / 10n) throw invalid(orig);
      v = v * 10n + BigInt(c.charCodeAt(0) - 48);
      if (v > LIMIT) throw invalid(orig);
    }
    const pre = i > 0;
    s = s.slice(i);
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s !== '' && s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      for (; j < s.length; j++) {
        const c = s[j] ?? '';
        if (c < '0' || c > '9') break;
        if (overflow) continue;
        if (f > (LIMIT - 1n) / 10n) {
          overflow = true;
          continue;
        }
        const y = f * 10n + BigInt(c.charCodeAt(0) - 48);
        if (y > LIMIT) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid(orig);
    let k = 0;
    for (; k < s.length; k++) {
      const c = s[k] ?? '';
      if (c === '.' || (c >= '0' && c <= '9')) break;
    }
    if (k === 0) throw new FieldError('time: missing unit in duration ' + goTimeQuote(orig));
    const u = s.slice(0, k);
    s = s.slice(k);
    const unit = UNITS[u];
    if (unit === undefined) {
      throw new FieldError('time: unknown unit ' + goTimeQuote(u) + ' in duration ' + goTimeQuote(orig));
    }
    if (v > LIMIT / unit) throw invalid(orig);
    v *= unit;
    if (f > 0n) {
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > LIMIT) throw invalid(orig);
    }
    d += v;
    if (d > LIMIT) throw invalid(orig);
  }
  if (neg) return -d;
  if (d > LIMIT - 1n) throw invalid(orig);
  return d;
}

/** strconv.ParseInt(s, 10, 64), or null where it fails. */
function parseIntOrNull(s: string): bigint | null {
  try {
    return goParseInt(s, 10);
  } catch {
    return null;
  }
}

/**
 * parseutil.ParseDurationSecond: numbers are seconds (fractions dropped, as
 * Go converts a float to a Duration), strings are integer seconds, `Nd` days
 * or Go durations.
 */
export function parseDuration(raw: unknown): Nanos {
  if (raw === null || raw === undefined) return 0n;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw new FieldError('could not parse duration from input');
    return secondsToNanos(raw);
  }
  if (typeof raw !== 'string') throw new FieldError('could not parse duration from input');
  if (raw === '') return 0n;
  const seconds = parseIntOrNull(raw);
  if (seconds !== null) return seconds * NANOS_PER_SECOND;
  if (raw.endsWith('d')) {
    const days = raw.slice(0, -1);
    try {
      return goParseInt(days, 10) * SECONDS_PER_DAY * NANOS_PER_SECOND;
    } catch (err) {
      throw new FieldError((err as Error).message);
    }
  }
  return parseGoDuration(raw);
}

/** The framework's TypeDurationSecond: parseDuration in whole seconds, as Go's int(d.Seconds()). */
export function parseDurationSecond(raw: unknown): number {
  return Number(parseDuration(raw) / NANOS_PER_SECOND);
}

/** Go's Duration.Seconds(). */
export function durationSeconds(ns: Nanos): number {
  return Number(ns / NANOS_PER_SECOND) + Number(ns % NANOS_PER_SECOND) / 1e9;
}

/** Go's Duration.String() for a whole or fractional number of seconds. */
export function formatGoDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const negative = seconds < 0;
  let rest = Math.abs(seconds);
  if (rest < 1) {
    const ms = rest * 1000;
    return `${negative ? '-' : ''}${Number.isInteger(ms) ? ms : ms.toFixed(3)}ms`;
  }
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest -= m * 60;
  const secText = Number.isInteger(rest) ? String(rest) : String(Number(rest.toFixed(9)));
  let out = '';
  if (h > 0) out = `${h}h${m}m${secText}s`;
  else if (m > 0) out = `${m}m${secText}s`;
  else out = `${secText}s`;
  return (negative ? '-' : '') + out;
}

/** Vault's humanDuration: Go's duration text without zero minutes/seconds ("768h", "10m", "1h30s"). */
export function humanDuration(seconds: number): string {
  const text = formatGoDuration(seconds);
  if (text === '0s') return text;
  return text.replace(/m0s$/, 'm').replace(/h0m/, 'h');
}
