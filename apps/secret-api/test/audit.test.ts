/** GET /v1/audit: admins read everything, owners their apps; filters by app, actor and time; pages newest first. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let admin: ApiClient;
let ownerA: ApiClient;
let ownerB: ApiClient;

interface Event {
  id: string;
  time: string;
  actor: string;
  action: string;
  target: string;
  result: string;
  requestId: string;
}

beforeAll(async () => {
  stack = await startStack('audit');
  admin = await stack.admin();
  ownerA = await stack.as('bob@example.com', ['team-a']);
  ownerB = await stack.as('carol@example.com', ['team-b']);
  await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: ['ctl'] });
  await admin.post('/v1/apps', { name: 'app-a', ownerGroups: ['team-a'] });
  await admin.post('/v1/apps', { name: 'app-b', ownerGroups: ['team-b'] });
  await ownerA.put('/v1/apps/app-a/secrets/K', { value: 'a' });
  await ownerB.put('/v1/apps/app-b/secrets/K', { value: 'b' });
  await ownerA.put('/v1/apps/app-a/clusters/aws.stg/approle');
  await ownerA.get('/v1/apps/app-a/clusters/aws.stg/approle');
  await (await stack.as('ctl')).post('/v1/apps/app-a/clusters/aws.stg/secret-id');
  await ownerB.put('/v1/apps/app-a/secrets/K', { value: 'intruder' }); // denied
});
afterAll(async () => stack?.close());

async function all(client: ApiClient, query = ''): Promise<Event[]> {
  const reply = await client.get(`/v1/audit${query}`);
  expect(reply.status, reply.text).toBe(200);
  return reply.body.items as Event[];
}

describe('audit trail', () => {
  it('records mutations, RoleID reads, SecretID issues and denials with actor, target, result and request id', async () => {
    const events = await all(admin, '?app=app-a');
    const summary = events.map((e) => `${e.actor} ${e.action} ${e.target} ${e.result}`);
    expect(summary).toEqual(
      expect.arrayContaining([
        'alice@example.com app.create apps/app-a success',
        'bob@example.com secret.set apps/app-a/secrets/K success',
        'bob@example.com approle.ensure apps/app-a/clusters/aws.stg/approle success',
        'bob@example.com approle.read apps/app-a/clusters/aws.stg/approle success',
        'ctl secretid.issue apps/app-a/clusters/aws.stg/secret-id success',
        'carol@example.com secret.set apps/app-a/secrets/K denied',
      ]),
    );
    for (const e of events) {
      expect(e.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(Number.isNaN(Date.parse(e.time))).toBe(false);
    }
    const ids = events.map((e) => BigInt(e.id));
    expect([...ids].sort((a, b) => (a > b ? -1 : 1))).toEqual(ids);
  });

  it('filters by actor and by time', async () => {
    const bobs = await all(admin, '?actor=bob%40example.com');
    expect(bobs.length).toBeGreaterThan(0);
    expect(bobs.every((e) => e.actor === 'bob@example.com')).toBe(true);
    expect(await all(admin, `?since=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);
    const recent = await all(admin, `?since=${new Date(Date.now() - 60_000).toISOString()}`);
    expect(recent.length).toBeGreaterThan(5);
    expect((await admin.get('/v1/audit?since=yesterday')).status).toBe(400);
    const foreign = Buffer.from('not-an-id').toString('base64url');
    expect((await admin.get(`/v1/audit?cursor=${foreign}`)).status).toBe(400);
  });

  it('an owner reads the events of their apps only; another app’s trail is forbidden', async () => {
    const mine = await all(ownerA);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((e) => e.target.startsWith('apps/app-a'))).toBe(true);
    expect((await ownerA.get('/v1/audit?app=app-b')).status).toBe(403);
    expect((await ownerA.get('/v1/audit?app=no-such-app')).status).toBe(404);
  });

  it('pages with a cursor, newest first, without gaps or repeats', async () => {
    const everything = await all(admin, '?limit=1000');
    const paged: Event[] = [];
    let cursor: string | undefined;
    do {
      const reply = await admin.get(`/v1/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...(reply.body.items as Event[]));
      cursor = reply.body.nextCursor;
    } while (cursor);
    // Reading the trail is not itself an event, so both reads see the same trail.
    expect(paged.map((e) => e.id)).toEqual(everything.map((e) => e.id));
  });
});
