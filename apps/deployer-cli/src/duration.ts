/** `--since` for audit: a duration back from now (`90s`, `30m`, `24h`, `7d`) or an ISO-8601 timestamp. */
import { UsageError } from './errors.js';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
// The API accepts ISO-8601 with Z or an offset; a bare date is taken as midnight UTC.
const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

export function parseSince(value: string, now: Date = new Date()): string {
  const trimmed = value.trim();
  const duration = /^(\d{1,30})([smhd])$/.exec(trimmed);
  if (duration) {
    const [, amount, unit] = duration as unknown as [string, string, keyof typeof UNIT_MS];
    // Further back than the epoch is "everything": no audit event is older, and the API takes no earlier time.
    return new Date(Math.max(0, now.getTime() - Number(amount) * UNIT_MS[unit])).toISOString();
  }
  if (ISO.test(trimmed) && onTheCalendar(trimmed)) {
    const time = new Date(trimmed.length === 10 ? `${trimmed}T00:00:00Z` : trimmed);
    if (!Number.isNaN(time.getTime())) return time.toISOString();
  }
  throw new UsageError(
    `--since '${value}' is neither a duration (90s, 30m, 24h, 7d) nor an ISO-8601 date or timestamp with Z or an ` +
      'offset (2026-01-02, 2026-01-02T03:04:05Z, 2026-01-02T04:04:05+01:00)',
  );
}

/**
 * Whether the date and time as written exist: Date rolls 2026-02-30 over to March 2 and 24:00 to the next day,
 * which would silently ask for another time than the one meant.
 */
function onTheCalendar(iso: string): boolean {
  const [y, mo, d, h = 0, mi = 0, se = 0] = (iso.match(/\d+/g) ?? []).slice(0, 6).map(Number) as number[];
  const day = new Date(Date.UTC(y!, mo! - 1, d));
  return day.getUTCMonth() === mo! - 1 && day.getUTCDate() === d && h < 24 && mi < 60 && se < 60;
}
