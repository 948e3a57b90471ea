import { describe, expect, it } from 'vitest';
import { HistoryCache } from './history-cache.js';
import { ANY_SECRET, SecretChanges } from './secret-changes.js';

const page = async () => ({ items: [] });
const quiet = { warn: () => undefined };

/** A sender that holds each batch until released, as a database does while a statement runs. */
function heldSender() {
  const batches: string[][] = [];
  const waiting: (() => void)[] = [];
  return {
    batches,
    send: (payloads: string[]) => {
      batches.push(payloads);
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    releaseAll: () => waiting.splice(0).forEach((resolve) => resolve()),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('SecretChanges', () => {
  it('drops the key’s pages here before it returns, even with no other process to tell', async () => {
    const history = new HistoryCache();
    await history.get('app/K', 'p', page);
    new SecretChanges(history, undefined, quiet).changed('app/K');
    expect(history.size).toBe(0);
  });

  it('sends one statement at a time, carrying every key changed meanwhile once', async () => {
    const sender = heldSender();
    const changes = new SecretChanges(new HistoryCache(), sender.send, quiet);
    changes.changed('app/A');
    changes.changed('app/B');
    changes.changed('app/C');
    changes.changed('app/B');
    expect(sender.batches).toEqual([['app/A']]);
    sender.releaseAll();
    await settle();
    expect(sender.batches).toEqual([['app/A'], ['app/B', 'app/C']]);
    sender.releaseAll();
    await changes.flush();
    changes.changed('app/D');
    sender.releaseAll();
    await changes.flush();
    expect(sender.batches.at(-1)).toEqual(['app/D']);
  });

  it('stands one notice for every secret in for a queue past its bound, or a path too long for a notice', async () => {
    const sender = heldSender();
    const changes = new SecretChanges(new HistoryCache(), sender.send, quiet);
    changes.changed('app/first');
    for (let i = 0; i < 1_500; i++) changes.changed(`app/K${i}`);
    sender.releaseAll();
    await settle();
    expect(sender.batches[1]).toEqual([ANY_SECRET]);
    sender.releaseAll();
    await changes.flush();
    changes.changed(`app/${'x'.repeat(8_000)}`);
    sender.releaseAll();
    await changes.flush();
    expect(sender.batches.at(-1)).toEqual([ANY_SECRET]);
  });

  it('logs a batch it could not send and goes on with the next', async () => {
    const warned: unknown[] = [];
    let fail = true;
    const sent: string[][] = [];
    const changes = new SecretChanges(
      new HistoryCache(),
      async (payloads) => {
        if (fail) throw new Error('connection lost');
        sent.push(payloads);
      },
      { warn: (obj: unknown) => warned.push(obj) },
    );
    changes.changed('app/A');
    await changes.flush();
    fail = false;
    changes.changed('app/B');
    await changes.flush();
    expect(warned).toEqual([{ err: 'connection lost', secrets: 1 }]);
    expect(sent).toEqual([['app/B']]);
  });

  it('forgets what another process says changed: one key, or every key', async () => {
    const history = new HistoryCache();
    const changes = new SecretChanges(history, undefined, quiet);
    await history.get('app/A', 'p', page);
    await history.get('app/B', 'p', page);
    changes.noticed('app/A');
    expect(history.size).toBe(1);
    changes.noticed(ANY_SECRET);
    expect(history.size).toBe(0);
  });
});
