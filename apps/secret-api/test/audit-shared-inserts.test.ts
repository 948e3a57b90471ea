/**
 * Events that must be on record before the response (SecretID issues, mutations, denials) are in
 * the table when `record()` resolves, also when many requests record at once; concurrent ones share
 * an insert rather than each paying a round trip, and the session's own commit setting is untouched.
 * Batched events (RoleID reads) behind a slow database: one insert in flight carrying what queued
 * meanwhile, and a bounded queue whose overflow makes requests wait instead of growing memory.
 */
import { createDatabase, type Database } from '@secret-api/prisma';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/observability/logger.js';
import { postgresAuditStore, prismaAuditStore, type AuditStore } from '../src/services/audit/audit-store.js';
import { AuditTrail } from '../src/services/audit/audit-trail.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

let database: TestDatabase;
let db: Database;
let inserts = 0;
const stores: AuditStore[] = [];

beforeAll(async () => {
  database = await createTestDatabase('audit_shared_inserts');
  db = await createDatabase({ url: database.url }, { migrate: true });
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await db?.close();
  await database?.drop();
});

/** The store the API uses on PostgreSQL (its own connection), or the one through Prisma (the embedded database). */
const STORES = {
  'its own connection': () => postgresAuditStore(database.url),
  Prisma: () => prismaAuditStore(db.prisma),
};

/** A trail on a store of `kind`, counting its inserts in `inserts`. */
function trailOn(kind: keyof typeof STORES, options?: ConstructorParameters<typeof AuditTrail>[2]): AuditTrail {
  const store = STORES[kind]();
  stores.push(store);
  const counted: AuditStore = {
    insert: (rows) => {
      inserts++;
      return store.insert(rows);
    },
    close: () => store.close(),
  };
  return new AuditTrail(counted, createLogger('silent'), options);
}

const event = (i: number) => ({
  actor: 'controller',
  action: 'secretid.issue',
  target: `apps/a${i}/clusters/c/secret-id`,
  app: `a${i}`,
  result: 'success' as const,
  requestId: `req-${i}`,
});

describe.each(Object.keys(STORES) as (keyof typeof STORES)[])('through %s', (kind) => {
  describe('audit events written before the response', () => {
    it('are each in the table when record() resolves, 50 at once, in fewer inserts than events', async () => {
      await db.prisma.auditEvent.deleteMany();
      const trail = trailOn(kind);
      inserts = 0;
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          await trail.record(event(i));
          const found = await db.prisma.auditEvent.count({ where: { requestId: `req-${i}` } });
          expect(found).toBe(1);
        }),
      );
      expect(await db.prisma.auditEvent.count()).toBe(50);
      expect(inserts).toBeGreaterThan(0);
      expect(inserts).toBeLessThan(50);
    });

    it('recorded in one turn of the event loop share one insert, though none was in flight', async () => {
      await db.prisma.auditEvent.deleteMany();
      const trail = trailOn(kind);
      inserts = 0;
      // As requests whose Vault answers arrived in one read of the sockets: each records, none awaits before the next.
      await Promise.all(Array.from({ length: 5 }, (_, i) => trail.record(event(200 + i))));
      expect(inserts).toBe(1);
      expect(await db.prisma.auditEvent.count()).toBe(5);
      // A lone event afterwards is written on its own, at once.
      await trail.record(event(205));
      expect(inserts).toBe(2);
    });

    it("leave every other statement's commit as the server is configured", async () => {
      const [configured] = await db.prisma.$queryRaw<
        { s: string }[]
      >`SELECT current_setting('synchronous_commit') AS s`;
      const trail = trailOn(kind);
      await Promise.all(Array.from({ length: 10 }, (_, i) => trail.record(event(100 + i))));
      // One connection in the pool or ten: after the audit insert, no session has synchronous_commit changed.
      const settings = await Promise.all(
        Array.from(
          { length: 10 },
          () => db.prisma.$queryRaw<{ s: string }[]>`SELECT current_setting('synchronous_commit') AS s`,
        ),
      );
      expect(settings.map((r) => r[0]?.s)).toEqual(Array(10).fill(configured?.s));
    });
  });

  /** Holds an exclusive lock on the audit table until `release()`: every insert into it waits, as on a stalled database. */
  async function stallAuditInserts(): Promise<{ release: () => Promise<void> }> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query('LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE');
    return {
      release: async () => {
        await client.query('COMMIT');
        await client.end();
      },
    };
  }

  const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

  /** Audit inserts sent and waiting for the lock. */
  async function insertsWaiting(): Promise<number> {
    const [row] = await db.prisma.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE query LIKE '%INSERT INTO audit_events%' AND query NOT LIKE '%pg_stat_activity%' AND wait_event_type = 'Lock'`;
    return row?.n ?? 0;
  }

  describe('batched audit events behind a slow database', () => {
    it('are written by one insert at a time, each carrying what queued meanwhile', async () => {
      const trail = trailOn(kind, { maxBatch: 200 });
      await db.prisma.auditEvent.deleteMany();
      const stall = await stallAuditInserts();
      inserts = 0;
      try {
        for (let i = 0; i < 3_000; i++) await trail.record(event(10_000 + i), { batched: true });
        await settle();
        // The first 200 are in the one insert that waits; the rest wait in the queue, not in 14 more statements.
        expect(await insertsWaiting()).toBe(1);
        expect(trail.queued).toBe(2_800);
        expect(inserts).toBe(1);
      } finally {
        await stall.release();
      }
      await trail.flush();
      expect(await db.prisma.auditEvent.count()).toBe(3_000);
      // The stalled insert of 200, then the 2,800 queued meanwhile in statements of at most 1,000.
      expect(inserts).toBe(4);
    });

    it('make requests wait past the queue bound, and lose none', async () => {
      const trail = trailOn(kind, { maxBatch: 100, maxQueued: 500 });
      await db.prisma.auditEvent.deleteMany();
      const stall = await stallAuditInserts();
      const written = new Set<number>();
      let records: Promise<unknown>[] = [];
      try {
        records = Array.from({ length: 800 }, (_, i) =>
          trail.record(event(20_000 + i), { batched: true }).then(() => written.add(i)),
        );
        await settle();
        // 100 in the stalled insert, then 500 queued that answered at once; every later request waits.
        expect(written.size).toBe(600);
        expect([...written].every((i) => i < 600)).toBe(true);
      } finally {
        await stall.release();
      }
      await Promise.all(records);
      expect(written.size).toBe(800);
      expect(await db.prisma.auditEvent.count()).toBe(800);
    });
  });

  describe('the rows an insert writes', () => {
    it('keep every field, and a string PostgreSQL cannot hold costs neither its event nor its batch', async () => {
      const trail = trailOn(kind);
      await db.prisma.auditEvent.deleteMany();
      const before = Date.now();
      await Promise.all([
        trail.record({
          actor: 'alice@example.com',
          action: 'app.update',
          target: 'apps/full',
          app: 'full',
          result: 'error',
          requestId: 'req-full',
          callerRequestId: 'ci-7',
          error: 'vault_unavailable',
          details: { before: ['a'], after: ['a', 'b'], note: 'quote " and \\ and é 🔑 and \\u0000 \\uD800 as text' },
        }),
        trail.record({ ...event(1), requestId: 'req-nul', target: 'apps/x\u0000y', details: { v: 'n\u0000l' } }),
        trail.record({ ...event(2), requestId: 'req-surrogate', target: 'apps/\ud800x', details: { v: '\udfffz' } }),
        trail.record({ ...event(3), requestId: 'req-plain', app: undefined }),
      ]);
      const rows = await db.prisma.auditEvent.findMany({ orderBy: { requestId: 'asc' } });
      const byId = new Map(rows.map((r) => [r.requestId, r]));
      expect(byId.get('req-full')).toMatchObject({
        actor: 'alice@example.com',
        action: 'app.update',
        target: 'apps/full',
        app: 'full',
        result: 'error',
        callerRequestId: 'ci-7',
        error: 'vault_unavailable',
        details: { before: ['a'], after: ['a', 'b'], note: 'quote " and \\ and é 🔑 and \\u0000 \\uD800 as text' },
      });
      expect(byId.get('req-full')!.time.getTime()).toBeGreaterThanOrEqual(before - 5);
      expect(byId.get('req-nul')).toMatchObject({ target: 'apps/x\uFFFDy', details: { v: 'n\uFFFDl' } });
      expect(byId.get('req-surrogate')).toMatchObject({ target: 'apps/\uFFFDx', details: { v: '\uFFFDz' } });
      expect(byId.get('req-plain')).toMatchObject({ app: null, callerRequestId: null, error: null, details: null });
    });
  });
});
