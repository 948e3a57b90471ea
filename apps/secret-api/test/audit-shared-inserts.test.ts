/**
 * Events that must be on record before the response (SecretID issues, mutations, denials) are in
 * the table when `record()` resolves, also when many requests record at once; concurrent ones share
 * an insert rather than each paying a round trip, and the session's own commit setting is untouched.
 */
import { createDatabase, type Database } from '@secret-api/prisma';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/observability/logger.js';
import { AuditTrail } from '../src/services/audit/audit-trail.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

let database: TestDatabase;
let db: Database;
let inserts = 0;

beforeAll(async () => {
  database = await createTestDatabase('audit_shared_inserts');
  db = await createDatabase(
    { url: database.url },
    { migrate: true, onQuery: (sql) => void (sql.includes('INSERT INTO audit_events') && inserts++) },
  );
});
afterAll(async () => {
  await db?.close();
  await database?.drop();
});

const event = (i: number) => ({
  actor: 'controller',
  action: 'secretid.issue',
  target: `apps/a${i}/clusters/c/secret-id`,
  app: `a${i}`,
  result: 'success' as const,
  requestId: `req-${i}`,
});

describe('audit events written before the response', () => {
  it('are each in the table when record() resolves, 50 at once, in fewer inserts than events', async () => {
    const trail = new AuditTrail(db.prisma, createLogger('silent'));
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

  it("leave every other statement's commit as the server is configured", async () => {
    const [configured] = await db.prisma.$queryRaw<{ s: string }[]>`SELECT current_setting('synchronous_commit') AS s`;
    const trail = new AuditTrail(db.prisma, createLogger('silent'));
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
