import { afterEach, describe, expect, it } from 'vitest';
import { formatRFC3339Nano, millisToNanos, nowNanos, secondsToNanos, toUTCRFC3339Nano } from './time.js';

describe('nowNanos (Go time.Now)', () => {
  it('follows Date.now and never repeats a reading', () => {
    const readings = Array.from({ length: 1000 }, () => nowNanos());
    for (let i = 1; i < readings.length; i++) expect(readings[i]! > readings[i - 1]!).toBe(true);
    expect(Math.abs(Number(readings[0]! / 1_000_000n) - Date.now())).toBeLessThan(1000);
  });
});

describe('formatRFC3339Nano', () => {
  const savedTZ = process.env.TZ;
  afterEach(() => {
    if (savedTZ === undefined) delete process.env.TZ;
    else process.env.TZ = savedTZ;
  });

  it('writes UTC unless asked for the local zone', () => {
    process.env.TZ = 'Asia/Kolkata';
    const ns = 1_700_000_000_500_000_000n;
    expect(formatRFC3339Nano(ns)).toBe('2023-11-14T22:13:20.5Z');
    expect(formatRFC3339Nano(ns, { local: true })).toBe('2023-11-15T03:43:20.5+05:30');
  });

  it.each([
    [0n, '1970-01-01T00:00:00Z'],
    [-1n, '1969-12-31T23:59:59.999999999Z'],
    [millisToNanos(1_700_000_000_120.9), '2023-11-14T22:13:20.12Z'],
    [secondsToNanos(1_700_000_000.9), '2023-11-14T22:13:20Z'],
  ])('%s is %s', (ns, text) => {
    expect(formatRFC3339Nano(ns)).toBe(text);
  });

  it('re-expresses an offset timestamp in UTC, keeping its digits', () => {
    expect(toUTCRFC3339Nano('2024-05-06T09:08:09.123456789+02:00')).toBe('2024-05-06T07:08:09.123456789Z');
    expect(toUTCRFC3339Nano('yesterday')).toBe('yesterday');
  });
});
