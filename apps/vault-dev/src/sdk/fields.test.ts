import { describe, expect, it } from 'vitest';
import { parseInt64 } from './fields.js';

describe('int fields (strconv.ParseInt with base 0)', () => {
  it.each([
    ['1_000', 1000],
    ['0x1F', 31],
    ['017', 15],
    ['-0b11', -3],
  ])('%j is %i', (raw, value) => {
    expect(parseInt64(raw)).toBe(value);
  });

  it.each([
    ['1__0', 'invalid syntax'],
    ['08', 'invalid syntax'],
    ['9223372036854775808', 'value out of range'],
  ])('%j is refused: %s', (raw, reason) => {
    expect(() => parseInt64(raw)).toThrow(`cannot parse '' as int: strconv.ParseInt: parsing "${raw}": ${reason}`);
  });
});
