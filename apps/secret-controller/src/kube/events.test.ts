import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { EventRecorder } from './events.js';

const pod = { kind: 'Pod', apiVersion: 'v1', namespace: 'apps', name: 'web-1', uid: 'u-1' } as const;

/** An API server whose answers the test releases: how many event writes are in flight at once. */
function slowServer() {
  const waiting: (() => void)[] = [];
  let inFlight = 0;
  let most = 0;
  let written = 0;
  return {
    client: {
      createQuietly: () =>
        new Promise<void>((resolve) => {
          inFlight++;
          most = Math.max(most, inFlight);
          waiting.push(() => {
            inFlight--;
            written++;
            resolve();
          });
        }),
    },
    releaseAll: async () => {
      while (waiting.length > 0) {
        for (const release of waiting.splice(0)) release();
        await new Promise((r) => setImmediate(r));
      }
    },
    stats: () => ({ most, written }),
  };
}

describe('events', () => {
  it('a storm of events is written a few at a time, never all at once, and none is lost', async () => {
    const server = slowServer();
    const events = new EventRecorder(
      server.client,
      'controller-a',
      createLogger('error', () => undefined),
      {
        concurrency: 4,
      },
    );
    for (let i = 0; i < 200; i++) events.record(pod, 'Normal', 'SecretIdDelivered', `delivery ${i}`);
    const flushed = events.flush();
    await server.releaseAll();
    await flushed;
    expect(server.stats()).toEqual({ most: 4, written: 200 });
  });

  it('beyond its backlog it drops events (and says so) rather than holding them all in memory', async () => {
    const server = slowServer();
    const lines: string[] = [];
    const events = new EventRecorder(
      server.client,
      'controller-a',
      createLogger('warn', (l) => lines.push(l)),
      {
        concurrency: 1,
        maxBacklog: 10,
      },
    );
    for (let i = 0; i < 50; i++) events.record(pod, 'Normal', 'SecretIdDelivered', `delivery ${i}`);
    await server.releaseAll();
    await events.flush();
    expect(server.stats().written).toBe(11); // one in flight, ten waiting
    expect(events.dropped).toBe(39);
    expect(lines.some((l) => l.includes('dropping events'))).toBe(true);
  });
});
