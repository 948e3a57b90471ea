import { describe, expect, it } from 'vitest';
import { durationSeconds, humanDuration, parseDurationSecond, parseGoDuration } from './duration.js';
import { FieldError } from './fields.js';

describe('parseDurationSecond (parseutil.ParseDurationSecond, whole seconds)', () => {
  it.each([
    [null, 0],
    ['', 0],
    [90, 90],
    [1.9, 1],
    ['90', 90],
    ['-5', -5],
    ['1h30m', 5400],
    ['1500ms', 1],
    ['2d', 172_800],
  ])('%j is %i', (raw, seconds) => {
    expect(parseDurationSecond(raw)).toBe(seconds);
  });

  it.each([
    ['1.5', 'time: missing unit in duration "1.5"'],
    ['10x', 'time: unknown unit "x" in duration "10x"'],
    ['abc', 'time: invalid duration "abc"'],
    ['1.5d', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    ['99999999999999999999', 'time: invalid duration "99999999999999999999"'],
    [true, 'could not parse duration from input'],
  ])("%j is refused with Go's text: %s", (raw, message) => {
    expect(() => parseDurationSecond(raw)).toThrow(new FieldError(message));
  });
});

describe('Go durations', () => {
  it('parses to the nanosecond', () => {
    expect(parseGoDuration('1.9999999999s')).toBe(1_999_999_999n);
    expect(parseGoDuration('-1m1us')).toBe(-60_000_001_000n);
  });

  it('converts to seconds as Duration.Seconds() does', () => {
    expect(durationSeconds(1_500_000_000n)).toBe(1.5);
  });

  it.each([
    [0, '0s'],
    [600, '10m'],
    [3600, '1h'],
    [3630, '1h30s'],
    [2_764_800, '768h'],
  ])('humanDuration(%i) is %s', (seconds, text) => {
    expect(humanDuration(seconds)).toBe(text);
  });
});
