import { describe, expect, it } from 'vitest';
import { goQuote, goQuoteList, isGoPrintable } from './go-text.js';

describe("Go's %q", () => {
  it.each([
    ['plain', '"plain"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['bell\u0007', '"bell\\a"'],
    ['\u0000\u007f', '"\\x00\\x7f"'],
    ['é 日本', '"é 日本"'],
    ['\u2028\u00ad', '"\\u2028\\u00ad"'],
  ])('%j is %s', (input, quoted) => {
    expect(goQuote(input)).toBe(quoted);
  });

  it('prints a nil slice as []', () => {
    expect(goQuoteList(null)).toBe('[]');
    expect(goQuoteList(['a', 'b'])).toBe('["a" "b"]');
  });

  it('knows which strings Go considers printable', () => {
    expect(isGoPrintable('héllo wörld')).toBe(true);
    expect(isGoPrintable('tab\there')).toBe(false);
  });
});
