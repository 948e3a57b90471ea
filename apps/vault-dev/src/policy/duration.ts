/**
 * Duration parsing for the wrapping TTLs in policies: go-secure-stdlib's
 * `parseutil.ParseDurationSecond` over Go's `time.ParseDuration`, with Go's
 * error texts. Private to the policy module (general request-field parsing
 * lives elsewhere).
 */
import { goParseInt, goTimeQuote } from './go-text.js';

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

function invalid(orig: string): Error {
  return new Error('time: invalid duration ' + goTimeQuote(orig));
}

/** Go's `time.ParseDuration`, returning nanoseconds. */
export function parseGoDuration(orig: string): bigint {
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
    // leading integer
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
    // fraction
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
    // unit
    let k = 0;
    for (; k < s.length; k++) {
      const c = s[k] ?? '';
      if (c === '.' || (c >= '0' && c <= '9')) break;
    }
    if (k === 0) throw new Error('time: missing unit in duration ' + goTimeQuote(orig));
    const u = s.slice(0, k);
    s = s.slice(k);
    const unit = UNITS[u];
    if (unit === undefined) {
      throw new Error('time: unknown unit ' + goTimeQuote(u) + ' in duration ' + goTimeQuote(orig));
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

/**
 * `parseutil.ParseDurationSecond` for the values an HCL policy can hold:
 * integers are seconds, floats are truncated to whole seconds, strings are
 * integer seconds, `Nd` days, or Go durations. Returns seconds (possibly
 * fractional, e.g. `"1500ms"` is 1.5). Throws with Go's error text.
 */
export function parseDurationSecond(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value !== 'string') throw new Error('could not parse duration from input');
  if (value === '') return 0;
  try {
    return Number(goParseInt(value, 10));
  } catch {
    // not plain seconds
  }
  if (value.endsWith('d')) return Number(goParseInt(value.slice(0, -1), 10)) * 86_400;
  return Number(parseGoDuration(value)) / 1e9;
}
