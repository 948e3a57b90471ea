import { describe, expect, it } from 'vitest';
import type { Identity } from './identity.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

const bob: Identity = { subject: 'bob', issuer: 'https://idp', principal: 'bob', groups: ['team-a'] };

function cacheAt(start: number, maxEntries?: number) {
  const clock = { now: start };
  return { clock, cache: new VerifiedTokenCache(maxEntries, () => clock.now) };
}

describe('verified token cache', () => {
  it('answers for a token until its exp and never after', () => {
    const { clock, cache } = cacheAt(1_000_000);
    const key = VerifiedTokenCache.keyOf('header.payload.signature');
    cache.set(key, bob, 1_000 + 60);
    clock.now = 1_059_999;
    expect(cache.get(key)).toEqual(bob);
    clock.now = 1_060_000;
    expect(cache.get(key)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not store a token that has already expired', () => {
    const { cache } = cacheAt(1_000_000);
    cache.set(VerifiedTokenCache.keyOf('t'), bob, 999);
    expect(cache.size).toBe(0);
  });

  it('keys entries by a hash, so the cache never holds the token itself', () => {
    const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJl';
    const key = VerifiedTokenCache.keyOf(token);
    expect(key).not.toContain(token);
    expect(key).toHaveLength(43);
    expect(VerifiedTokenCache.keyOf(`${token}x`)).not.toBe(key);
  });

  it('holds at most maxEntries tokens, dropping the oldest first', () => {
    const { cache } = cacheAt(0, 2);
    cache.set('a', bob, 100);
    cache.set('b', bob, 100);
    cache.set('c', bob, 100);
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toEqual(bob);
    expect(cache.get('c')).toEqual(bob);
  });

  it('hands out an identity no request can alter for the next one', () => {
    const { cache } = cacheAt(0);
    cache.set('k', { ...bob, groups: ['team-a'] }, 100);
    const shared = cache.get('k')!;
    expect(() => (shared.groups as string[]).push('platform-admins')).toThrow();
    expect(cache.get('k')!.groups).toEqual(['team-a']);
  });
});
