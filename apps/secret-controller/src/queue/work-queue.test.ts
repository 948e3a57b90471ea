import { describe, expect, it } from 'vitest';
import { WorkQueue } from './work-queue.js';

describe('the work queue', () => {
  it('holds a key once however often it is added, and never hands it to two workers at once', async () => {
    const q = new WorkQueue({ baseMs: 10, maxMs: 100 });
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.length).toBe(2);
    const first = await q.get();
    expect(first).toBe('a');
    q.add('a'); // while processing: queued again only when done
    expect(await q.get()).toBe('b');
    expect(q.length).toBe(0);
    q.done('a');
    expect(await q.get()).toBe('a');
  });

  it('backs off exponentially with full jitter, capped, per key', () => {
    const q = new WorkQueue({ baseMs: 100, maxMs: 1000, random: () => 0.999 });
    expect([1, 2, 3, 4, 5, 9].map((n) => q.delayFor(n))).toEqual([100, 200, 400, 799, 999, 999]);
    expect(new WorkQueue({ baseMs: 100, maxMs: 1000, random: () => 0 }).delayFor(5)).toBe(0);
    expect(q.addRateLimited('k')).toBe(1);
    expect(q.addRateLimited('k')).toBe(2);
    q.forget('k');
    expect(q.attempts('k')).toBe(0);
    q.shutDown();
  });

  it('queues every key waiting out a failure backoff at once when asked (a dependency is back), not other delayed keys', async () => {
    const q = new WorkQueue({ baseMs: 60_000, maxMs: 60_000, random: () => 0.5 });
    q.addRateLimited('failed-1');
    q.addRateLimited('failed-2');
    q.addAfter('grace', 60_000);
    expect(q.length).toBe(0);
    expect(q.retryFailedNow()).toBe(2);
    expect([await q.get(), await q.get()].sort()).toEqual(['failed-1', 'failed-2']);
    expect(q.length).toBe(0);
    q.shutDown();
  });
});
