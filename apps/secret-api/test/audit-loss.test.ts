/**
 * An audit insert whose database session dies under it: tried again on a new connection, so the event is kept; and
 * when it cannot be recorded at all, an answer that discloses a secret (a reveal, SecretID material) is withheld.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './support/http.js';
import { postgresAuditStore } from '../src/services/audit/audit-store.js';
import { pollUntil } from './support/poll.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let revealer: ApiClient;
let controller: ApiClient;

beforeAll(async () => {
  stack = await startStack('auditloss');
  const admin = await stack.admin();
  await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: ['ctl'] });
  await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'], revealGroups: ['team'] });
  revealer = await stack.as('rita@example.com', ['team']);
  expect((await revealer.put('/v1/apps/myapp/secrets/K', { value: 'the-value' })).status).toBe(200);
  expect((await revealer.put('/v1/apps/myapp/clusters/aws.stg/approle')).status).toBe(200);
  controller = await stack.as('ctl');
});
afterAll(async () => stack?.close());

/** Holds the audit table locked, and ends the trail's session each time its insert waits for the lock. */
async function withAuditBlocked<T>(kills: number, during: () => Promise<T>): Promise<T> {
  const locker = new pg.Client({ connectionString: stack.db.url });
  const killer = new pg.Client({ connectionString: stack.db.url });
  await Promise.all([locker.connect(), killer.connect()]);
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE audit_events IN EXCLUSIVE MODE');
    const answer = during();
    const killed: number[] = [];
    for (let i = 0; i < kills; i++) {
      const waiting = await pollUntil(
        async () =>
          (
            await killer.query(
              `SELECT pid FROM pg_stat_activity
               WHERE application_name = 'secret-api audit trail' AND wait_event_type = 'Lock' AND NOT pid = ANY($1)`,
              [killed],
            )
          ).rows as { pid: number }[],
        (rows) => rows.length > 0,
      );
      expect(waiting).toHaveLength(1);
      killed.push(waiting[0]!.pid);
      await killer.query('SELECT pg_terminate_backend($1)', [waiting[0]!.pid]);
    }
    // The last attempt waits for the lock, or there was none left to wait.
    if (kills < 2) await locker.query('COMMIT');
    const result = await answer;
    if (kills >= 2) await locker.query('COMMIT');
    return result;
  } finally {
    await Promise.all([locker.end(), killer.end()]);
  }
}

async function eventsOf(requestId: string): Promise<number> {
  const client = new pg.Client({ connectionString: stack.db.url });
  await client.connect();
  try {
    return (await client.query('SELECT count(*)::int AS n FROM audit_events WHERE request_id = $1', [requestId]))
      .rows[0].n as number;
  } finally {
    await client.end();
  }
}

describe('an audit insert whose session dies', () => {
  it('is tried again on a new connection: the reveal is answered and on record', async () => {
    const reveal = await withAuditBlocked(1, () => revealer.get('/v1/apps/myapp/secrets/K?reveal=true'));
    expect(reveal.status).toBe(200);
    expect(reveal.body.value).toBe('the-value');
    expect(await eventsOf(reveal.headers.get('x-request-id')!)).toBe(1);
  });

  it('twice: a reveal and a SecretID issue are withheld (503), as nothing may be disclosed off the record', async () => {
    for (const send of [
      () => revealer.get('/v1/apps/myapp/secrets/K?reveal=true'),
      () => controller.post('/v1/apps/myapp/clusters/aws.stg/secret-id'),
    ]) {
      const withheld = await withAuditBlocked(2, send);
      expect(withheld.status).toBe(503);
      expect(withheld.headers.get('retry-after')).toBe('5');
      expect(withheld.body.detail).toContain('nothing was disclosed');
      expect(withheld.text).not.toContain('the-value');
      expect(withheld.text).not.toContain('wrappingToken');
    }
    // The database is back: so are the answers.
    expect((await revealer.get('/v1/apps/myapp/secrets/K?reveal=true')).body.value).toBe('the-value');
  });
});

describe('an audit insert that waits on a locked table', () => {
  it('gives up after its timeout rather than hold the requests that wait for it', async () => {
    const store = postgresAuditStore(stack.db.url, { insertTimeoutMs: 300 });
    const locker = new pg.Client({ connectionString: stack.db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE audit_events IN EXCLUSIVE MODE');
      const started = Date.now();
      await expect(store.insert('[]')).rejects.toThrow(/statement timeout/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
      await store.close();
    }
  });
});
