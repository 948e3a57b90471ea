/** Go's time.RFC3339Nano for an epoch-ms instant in UTC (trailing fractional zeros trimmed, like Go). */
export function rfc3339Nano(epochMs: number): string {
  const iso = new Date(epochMs).toISOString(); // 2024-01-02T03:04:05.120Z
  return iso.replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}

/** Go's zero time.Time in RFC3339. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
