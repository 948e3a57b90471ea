/**
 * Every deploy ensures its AppRole, nearly always changing nothing: such an ensure must not empty the app, cluster
 * and RoleID caches of every replica (PostgreSQL NOTIFY on `secret_api_targets`), while one that changes Vault or
 * the binding row must.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let owner: ApiClient;
let listener: pg.Client;
let notifications = 0;

beforeAll(async () => {
  stack = await startStack('ensure_invalidation');
  const admin = await stack.admin();
  owner = await stack.as('bob@example.com', ['team-myapp']);
  expect((await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: ['ctl'] })).status).toBe(201);
  expect((await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team-myapp'] })).status).toBe(201);
  listener = new pg.Client({ connectionString: stack.db.url });
  await listener.connect();
  listener.on('notification', (n) => {
    if (n.channel === 'secret_api_targets') notifications++;
  });
  await listener.query('LISTEN secret_api_targets');
});
afterAll(async () => {
  await listener?.end();
  await stack?.close();
});

const ENSURE = '/v1/apps/myapp/clusters/aws.stg/approle';

/** Notifications seen after `work`, once a NOTIFY sent after it has come back (they arrive in order). */
async function notificationsDuring(work: () => Promise<void>): Promise<number> {
  const before = notifications;
  await work();
  const marker = new Promise<void>((resolve) =>
    listener.on('notification', (n) => n.channel === 'ensure_test_marker' && resolve()),
  );
  await listener.query('LISTEN ensure_test_marker');
  await listener.query(`NOTIFY ensure_test_marker`);
  await marker;
  return notifications - before;
}

describe('cache invalidation by ensure', () => {
  it('a creating ensure notifies, an unchanged one does not, a repairing one does', async () => {
    expect(
      await notificationsDuring(async () => {
        const r = await owner.put(ENSURE);
        expect(r.status, r.text).toBe(200);
        expect(r.body.changed).toBe(true);
      }),
    ).toBeGreaterThan(0);

    expect(
      await notificationsDuring(async () => {
        const r = await owner.put(ENSURE);
        expect(r.body).toEqual({ roleName: 'aws.stg.myapp', roleId: expect.any(String), changed: false });
      }),
    ).toBe(0);

    // The role deleted in Vault by hand: the ensure re-creates it (a new RoleID) and every replica must hear.
    expect((await stack.vaultCall('DELETE', 'auth/approle/role/aws.stg.myapp')).status).toBe(204);
    expect(
      await notificationsDuring(async () => {
        const r = await owner.put(ENSURE);
        expect(r.body.changed).toBe(true);
      }),
    ).toBeGreaterThan(0);
  });
});
