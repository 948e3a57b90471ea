import { describe, expect, it } from 'vitest';
import { parseSince } from './duration.js';

const NOW = new Date('2026-03-10T12:00:00.000Z');

describe('--since', () => {
  it.each([
    ['90s', '2026-03-10T11:58:30.000Z'],
    ['30m', '2026-03-10T11:30:00.000Z'],
    ['24h', '2026-03-09T12:00:00.000Z'],
    ['7d', '2026-03-03T12:00:00.000Z'],
    ['2026-01-02T03:04:05Z', '2026-01-02T03:04:05.000Z'],
    ['2026-01-02T03:04:05+02:00', '2026-01-02T01:04:05.000Z'],
    ['2026-01-02', '2026-01-02T00:00:00.000Z'],
    // Further back than the epoch: everything.
    ['99999999h', '1970-01-01T00:00:00.000Z'],
    ['99999999999h', '1970-01-01T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('%s is %s', (input, expected) => {
    expect(parseSince(input, NOW)).toBe(expected);
  });

  // Dates and times that do not exist are refused, not rolled over into others (2026-02-30 is not March 2).
  it.each([
    '',
    '24',
    'h',
    '1w',
    '-1h',
    'yesterday',
    '2026-13-45',
    '2026-01-02T03:04:05',
    '2026-02-30',
    '2025-02-29',
    '2026-04-31',
    '2026-01-02T24:00:00Z',
    '2026-01-02T23:60:00Z',
  ])('rejects %j', (input) => {
    expect(() => parseSince(input, NOW)).toThrow(/neither a duration/);
  });
});
