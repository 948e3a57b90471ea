import { describe, expect, it } from 'vitest';
import { globMatches } from './glob.js';

describe('deployer subject patterns', () => {
  it.each([
    ['repo:acme/myapp:ref:refs/heads/main', 'repo:acme/myapp:ref:refs/heads/main', true],
    ['repo:acme/myapp:ref:refs/heads/main', 'repo:acme/myapp:ref:refs/heads/mainx', false],
    ['repo:acme/myapp:*', 'repo:acme/myapp:ref:refs/heads/main', true],
    ['repo:acme/myapp:*', 'repo:acme/other:ref:refs/heads/main', false],
    ['repo:acme/*:ref:refs/heads/main', 'repo:acme/a/b:ref:refs/heads/main', true],
    ['*', '', true],
    ['*', 'anything at all', true],
    ['a*', 'a', true],
    ['*a', 'ba', true],
    ['*a', 'ab', false],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXcYb', false],
    ['**', 'x', true],
    ['a**b', 'ab', true],
    ['a*ab', 'aab', true],
    ['a*ab', 'aaab', true],
    ['a*ab', 'aba', false],
    ['.*', 'x', false],
    ['a.c', 'abc', false],
    ['(a|b)', 'a', false],
    ['x?', 'xy', false],
    ['[ab]', 'a', false],
  ])('%s against %s is %s', (pattern, subject, expected) => {
    expect(globMatches(pattern, subject)).toBe(expected);
  });

  it('agrees with a reference matcher on generated cases', () => {
    // Exponential reference, fine for short strings: the definition of the glob.
    const reference = (p: string, s: string): boolean => {
      if (p === '') return s === '';
      if (p[0] === '*') return [...Array(s.length + 1).keys()].some((i) => reference(p.slice(1), s.slice(i)));
      return s !== '' && p[0] === s[0] && reference(p.slice(1), s.slice(1));
    };
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const word = (alphabet: string, max: number) =>
      Array.from({ length: rnd(max + 1) }, () => alphabet[rnd(alphabet.length)]).join('');
    for (let i = 0; i < 3000; i++) {
      const p = word('ab*', 7);
      const s = word('ab', 8);
      expect(globMatches(p, s), `${p} ~ ${s}`).toBe(reference(p, s));
    }
  });

  it('answers a pathological pattern against a long subject in linear-ish time', () => {
    const started = performance.now();
    for (let i = 0; i < 100; i++) globMatches('*a*a*a*a*a*a*a*a*a*a*ab', 'a'.repeat(500));
    // Each match is bounded by pattern × subject steps; 100 of them take milliseconds, not the 42 s of a regex.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses inputs beyond the contract bounds instead of working on them', () => {
    expect(globMatches('*', 'a'.repeat(513))).toBe(false);
    expect(globMatches('*'.repeat(513), 'a')).toBe(false);
  });
});
