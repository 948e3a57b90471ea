import type { TSecretHistory } from '@secret-api/contract';
import { describe, expect, it } from 'vitest';
import { HistoryCache } from './history-cache.js';

function history(versions: number[]): TSecretHistory {
  return {
    items: versions.map((version) => ({
      version,
      actor: 'bob@example.com',
      createdAt: '2026-12-04T00:00:00.000Z',
      comment: null,
      fingerprint: 'f',
      deleted: false,
      destroyed: false,
    })),
  };
}

/** A read that answers when told to, and counts how often it was asked. */
function deferredRead(answer: TSecretHistory) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let calls = 0;
  return {
    read: async () => {
      calls++;
      await gate;
      return answer;
    },
    release,
    get calls() {
      return calls;
    },
  };
}

describe('HistoryCache', () => {
  it('answers a page from the cache until its key changes or the TTL passes', async () => {
    let now = 0;
    const cache = new HistoryCache({ ttlMs: 1_000, now: () => now });
    let reads = 0;
    const read = async () => history([++reads]);
    expect((await cache.get('app/K', 'null:100', read)).items[0]?.version).toBe(1);
    now = 999;
    expect((await cache.get('app/K', 'null:100', read)).items[0]?.version).toBe(1);
    now = 1_000;
    expect((await cache.get('app/K', 'null:100', read)).items[0]?.version).toBe(2);
    cache.forget('app/K');
    expect((await cache.get('app/K', 'null:100', read)).items[0]?.version).toBe(3);
    expect(reads).toBe(3);
  });

  it('keeps the pages of one key apart, and forgets all of them when the key changes', async () => {
    const cache = new HistoryCache();
    await cache.get('app/K', 'null:100', async () => history([2, 1]));
    await cache.get('app/K', 'null:1', async () => history([2]));
    await cache.get('app/OTHER', 'null:100', async () => history([7]));
    expect((await cache.get('app/K', 'null:1', async () => history([9]))).items[0]?.version).toBe(2);
    cache.forget('app/K');
    expect((await cache.get('app/K', 'null:100', async () => history([3, 2, 1]))).items).toHaveLength(3);
    expect((await cache.get('app/K', 'null:1', async () => history([3]))).items[0]?.version).toBe(3);
    expect((await cache.get('app/OTHER', 'null:100', async () => history([8]))).items[0]?.version).toBe(7);
  });

  it('shares one read among the callers asking meanwhile', async () => {
    const cache = new HistoryCache();
    const slow = deferredRead(history([1]));
    const both = [cache.get('app/K', 'p', slow.read), cache.get('app/K', 'p', slow.read)];
    slow.release();
    await Promise.all(both);
    expect(slow.calls).toBe(1);
  });

  it('does not keep a page read while its key changed: the next caller reads again', async () => {
    const cache = new HistoryCache();
    const before = deferredRead(history([1]));
    const answer = cache.get('app/K', 'p', before.read);
    cache.forget('app/K');
    before.release();
    expect((await answer).items[0]?.version).toBe(1);
    expect((await cache.get('app/K', 'p', async () => history([2, 1]))).items[0]?.version).toBe(2);
  });

  it('keeps neither a failure nor an entry for it', async () => {
    const cache = new HistoryCache();
    await expect(cache.get('app/GONE', 'p', async () => Promise.reject(new Error('404')))).rejects.toThrow('404');
    expect(cache.size).toBe(0);
    expect((await cache.get('app/GONE', 'p', async () => history([1]))).items).toHaveLength(1);
  });

  it('holds at most maxItems items, dropping the keys kept longest, an empty page counting as one', async () => {
    const cache = new HistoryCache({ maxItems: 5 });
    await cache.get('app/A', 'p', async () => history([2, 1]));
    await cache.get('app/B', 'p', async () => history([2, 1]));
    await cache.get('app/C', 'p', async () => history([]));
    expect(cache.size).toBe(5);
    await cache.get('app/D', 'p', async () => history([1]));
    expect(cache.size).toBe(4);
    // A was dropped, B still kept.
    expect((await cache.get('app/A', 'p', async () => history([3, 2, 1]))).items).toHaveLength(3);
    expect(cache.size).toBeLessThanOrEqual(5);
    expect((await cache.get('app/D', 'p', async () => history([9]))).items[0]?.version).toBe(1);
  });

  it('does not keep a page larger than the whole bound', async () => {
    const cache = new HistoryCache({ maxItems: 3 });
    await cache.get('app/SMALL', 'p', async () => history([1]));
    await cache.get('app/BIG', 'p', async () => history([4, 3, 2, 1]));
    expect(cache.size).toBe(1);
    expect((await cache.get('app/BIG', 'p', async () => history([5]))).items[0]?.version).toBe(5);
  });

  it('refuses bounds that mean nothing', () => {
    expect(() => new HistoryCache({ ttlMs: -1 })).toThrow();
    expect(() => new HistoryCache({ maxItems: 0 })).toThrow();
  });
});
