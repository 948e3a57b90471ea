/**
 * A secret's change is told to every other API process (PostgreSQL NOTIFY, change-listener.ts):
 * by the statement that releases the key's lock when that statement carries the notice, and
 * otherwise by a notice of its own. Seen here by a session that listens, as another replica does,
 * on a real PostgreSQL: every change is told exactly once, whichever way.
 */
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PostgresKeyLock, UNLOCK_CALL } from '../src/db/key-lock.js';
import { SECRETS_CHANNEL } from '../src/services/change-listener.js';
import { HistoryCache } from '../src/services/secrets/history-cache.js';
import { ANNOUNCE_CALL, ANY_SECRET, SecretChanges } from '../src/services/secrets/secret-changes.js';
import { withKeyLock } from '../src/services/secrets/secret-lock.js';
import { pollUntil } from './support/poll.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

let db: TestDatabase;
let listener: pg.Client;
let sender: pg.Client;
let locks: PostgresKeyLock;
let heard: string[];
/** The notices this process sent on its own, one array per statement. */
let sent: string[][];
let history: HistoryCache;
let changes: SecretChanges;

beforeAll(async () => {
  db = await createTestDatabase('secret_announce');
  listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  listener.on('notification', ({ payload }) => heard.push(payload ?? ''));
  await listener.query(`LISTEN ${SECRETS_CHANNEL}`);
  sender = new pg.Client({ connectionString: db.url });
  await sender.connect();
  locks = new PostgresKeyLock(db.url, { waitMs: 200 });
});
afterAll(async () => {
  await locks?.close();
  await sender?.end();
  await listener?.end();
  await db?.drop();
});
beforeEach(() => {
  heard = [];
  sent = [];
  history = new HistoryCache();
  changes = new SecretChanges(
    history,
    async (payloads) => {
      sent.push(payloads);
      await sender.query(`SELECT pg_notify('${SECRETS_CHANNEL}', p) FROM unnest($1::text[]) AS p`, [payloads]);
    },
    { warn: () => undefined },
  );
});

const deps = () => ({ locks, secretChanges: changes });
const releasing = (extra = '') => ({
  text: `SELECT ${UNLOCK_CALL} AS unlocked, ${ANNOUNCE_CALL} AS announced${extra}`,
  values: [],
});
const cachedPage = (path: string) => history.get(path, 'page', async () => ({ items: [] }));

/** Waits for `count` notices, then a moment more for any that should not have come. */
async function notices(count: number): Promise<string[]> {
  await pollUntil(
    async () => heard.length,
    (n) => n >= count,
  );
  await changes.flush();
  await sender.query('SELECT 1');
  await listener.query('SELECT 1');
  return heard;
}

describe('a change under a secret’s lock', () => {
  it('is told by the releasing statement that carries the notice, and by nothing else', async () => {
    await cachedPage('app/A');
    await withKeyLock(deps(), 'app/A', (held) => held.releaseWith(releasing()));
    expect(await notices(1)).toEqual(['app/A']);
    expect(sent).toEqual([]);
    expect(history.size).toBe(0);
  });

  it('of a path too long for a notice is told as a change of any secret, and the release still succeeds', async () => {
    const long = `app/${'x'.repeat(8_000)}`;
    const rows = await withKeyLock(deps(), long, (held) => held.releaseWith(releasing()));
    expect(rows?.[0]?.['unlocked']).toBe(true);
    expect(await notices(1)).toEqual([ANY_SECRET]);
    expect(sent).toEqual([]);
  });

  it('is told by a notice of its own when the releasing statement fails (its notice went with it)', async () => {
    await expect(withKeyLock(deps(), 'app/B', (held) => held.releaseWith(releasing(', 1 / 0')))).rejects.toThrow(
      /division by zero/,
    );
    expect(await notices(1)).toEqual(['app/B']);
    expect(sent).toEqual([['app/B']]);
  });

  it('is told by a notice of its own when the work releases nothing itself', async () => {
    await cachedPage('app/C');
    await withKeyLock(deps(), 'app/C', async () => 'read only');
    expect(await notices(1)).toEqual(['app/C']);
    expect(sent).toEqual([['app/C']]);
    expect(history.size).toBe(0);
  });
});
