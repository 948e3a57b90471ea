/**
 * Durations as Vault's ParseDurationSecond accepts them (300, "300", "5m",
 * "1h30m", "7d"), reduced to the integer seconds Vault returns on GET, so a
 * template may say "5m" and still compare equal to Vault's 300.
 */

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

const GO_DURATION =
  /^(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h)(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))*$/;
const GO_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/** Integer seconds, or an error message. Negative and sub-second values are refused: no field of ours wants them. */
export function parseDurationSeconds(value: unknown): { ok: true; seconds: number } | { ok: false; message: string } {
  let seconds: number;
  if (typeof value === 'number') {
    seconds = value;
  } else if (typeof value === 'string') {
    const s = value.trim();
    if (s === '') seconds = 0;
    else if (/^\d+$/.test(s)) seconds = Number(s);
    else if (/^\d+d$/.test(s)) seconds = Number(s.slice(0, -1)) * 86_400;
    else if (GO_DURATION.test(s)) {
      seconds = 0;
      for (const [, amount, unit] of s.matchAll(GO_PART)) seconds += Number(amount) * UNIT_SECONDS[unit!]!;
      // Float sums like 0.1h: round away representation noise before the whole-second check.
      seconds = Math.round(seconds * 1e6) / 1e6;
    } else {
      return {
        ok: false,
        message: `${JSON.stringify(value)} is not a duration (use seconds or e.g. "5m", "1h30m", "7d")`,
      };
    }
  } else {
    return { ok: false, message: 'must be a number of seconds or a duration string' };
  }
  if (!Number.isFinite(seconds) || seconds < 0) return { ok: false, message: 'must not be negative' };
  if (!Number.isInteger(seconds)) return { ok: false, message: 'must be a whole number of seconds' };
  if (seconds > Number.MAX_SAFE_INTEGER) return { ok: false, message: 'is too large' };
  return { ok: true, seconds };
}
