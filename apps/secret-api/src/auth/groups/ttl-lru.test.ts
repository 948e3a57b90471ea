import { describe, expect, it } from 'vitest';
import { TtlLru } from './ttl-lru.js';

describe('TtlLru', () => {
  it('returns a value until its TTL has passed, then forgets it', () => {
    let now = 0;
    const cache = new TtlLru<string>(10, () => now);
    cache.set('a', 'A', 100);
    now = 99;
    expect(cache.get('a')).toBe('A');
    now = 100;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps at most maxEntries, evicting the least recently used (a read counts as a use)', () => {
    const cache = new TtlLru<number>(2, () => 0);
    cache.set('a', 1, 1000);
    cache.set('b', 2, 1000);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3, 1000);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([1, undefined, 3]);
    expect(cache.size).toBe(2);
  });

  it('a TTL of zero stores nothing and forgets an older value for the key', () => {
    const cache = new TtlLru<number>(2, () => 0);
    cache.set('a', 1, 1000);
    cache.set('a', 2, 0);
    expect(cache.get('a')).toBeUndefined();
  });

  it('refuses a bound that is not a positive whole number', () => {
    expect(() => new TtlLru(0)).toThrow('maxEntries must be a positive integer');
  });
});
