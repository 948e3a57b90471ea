import { describe, expect, it } from 'vitest';
import { KeyBusyError, KeyMutex } from './key-mutex.js';

describe('KeyMutex', () => {
  it('hands a key to its waiters one at a time, first come first served', async () => {
    const mutex = new KeyMutex();
    const order: string[] = [];
    const release = await mutex.acquire('k', 1_000);
    const waiters = ['b', 'c'].map(async (name) => {
      const done = await mutex.acquire('k', 1_000);
      order.push(name);
      done();
    });
    order.push('a');
    release();
    await Promise.all(waiters);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(mutex.held).toBe(0);
  });

  it('never makes one key wait for another', async () => {
    const mutex = new KeyMutex();
    await mutex.acquire('hot', 1_000);
    const other = await mutex.acquire('calm', 0);
    other();
    expect(mutex.held).toBe(1);
  });

  it('tells a waiter the key is busy once its wait is over, and forgets it', async () => {
    const mutex = new KeyMutex();
    const release = await mutex.acquire('k', 0);
    await expect(mutex.acquire('k', 20)).rejects.toMatchObject({ name: 'KeyBusyError', reason: 'timeout' });
    await expect(mutex.acquire('k', 0)).rejects.toBeInstanceOf(KeyBusyError);
    release();
    // The timed-out waiter is not handed the key: it is free at once.
    const again = await mutex.acquire('k', 0);
    again();
    expect(mutex.held).toBe(0);
  });

  it('refuses at once beyond the queue bound', async () => {
    const mutex = new KeyMutex(2);
    const release = await mutex.acquire('k', 0);
    const queued = [mutex.acquire('k', 1_000), mutex.acquire('k', 1_000)];
    await expect(mutex.acquire('k', 1_000)).rejects.toMatchObject({ reason: 'queue_full' });
    release();
    for (const q of queued) (await q)();
    expect(mutex.held).toBe(0);
  });
});
