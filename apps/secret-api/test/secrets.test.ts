/** The secret lifecycle over HTTP: values only in Vault, history in PostgreSQL, each reveal audited. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let admin: ApiClient;
let owner: ApiClient;
let revealer: ApiClient;
let stranger: ApiClient;

const S = '/v1/apps/myapp/secrets';

beforeAll(async () => {
  stack = await startStack('secrets');
  admin = await stack.admin();
  owner = await stack.as('bob@example.com', ['team-myapp']);
  revealer = await stack.as('rita@example.com', ['myapp-revealers']);
  stranger = await stack.as('eve@example.com', ['team-other']);
  expect((await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: ['ctl'] })).status).toBe(201);
  expect(
    (await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team-myapp'], revealGroups: ['myapp-revealers'] }))
      .status,
  ).toBe(201);
});
afterAll(async () => stack?.close());

async function dbRows(sql: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: stack.db.url });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows;
  } finally {
    await client.end();
  }
}

describe('secret lifecycle', () => {
  it('set, list, show, reveal, history, rollback, delete', async () => {
    const v1 = await owner.put(`${S}/DB_PASSWORD`, { value: 'first-value', comment: 'initial' });
    expect(v1.status, v1.text).toBe(200);
    expect(v1.body).toEqual({ key: 'DB_PASSWORD', version: 1 });
    const v2 = await owner.put(`${S}/DB_PASSWORD`, { value: 'second-value', cas: 1 });
    expect(v2.body).toEqual({ key: 'DB_PASSWORD', version: 2 });

    const vault = await stack.vaultCall('GET', 'secret/data/myapp/DB_PASSWORD');
    expect(vault.body.data.data).toEqual({ value: 'second-value' });

    const list = await owner.get(S);
    expect(list.body).toEqual({
      items: [{ key: 'DB_PASSWORD', version: 2, updatedAt: expect.any(String), updatedBy: 'bob@example.com' }],
    });
    const meta = await owner.get(`${S}/DB_PASSWORD`);
    expect(meta.body).toEqual({
      key: 'DB_PASSWORD',
      version: 2,
      updatedAt: expect.any(String),
      updatedBy: 'bob@example.com',
    });
    expect(meta.body.value).toBeUndefined();

    expect((await owner.get(`${S}/DB_PASSWORD?reveal=true`)).status).toBe(403);
    const revealed = await revealer.get(`${S}/DB_PASSWORD?reveal=true`);
    expect(revealed.body.value).toBe('second-value');
    expect((await revealer.get(`${S}/DB_PASSWORD?reveal=true&version=1`)).body.value).toBe('first-value');

    const history = await owner.get(`${S}/DB_PASSWORD/versions`);
    expect(history.body.items.map((i: { version: number }) => i.version)).toEqual([2, 1]);
    expect(history.body.items[1]).toMatchObject({
      actor: 'bob@example.com',
      comment: 'initial',
      deleted: false,
      destroyed: false,
    });
    expect(history.body.items[0].fingerprint).not.toBe(history.body.items[1].fingerprint);
    // One version, one time: the history's, the list's and a read's agree (Vault's creation of it).
    expect(history.body.items[0].createdAt).toBe(meta.body.updatedAt);
    expect(history.body.items[0].createdAt).toBe(list.body.items[0].updatedAt);

    const rolled = await owner.post(`${S}/DB_PASSWORD/rollback`, { version: 1 });
    expect(rolled.body).toEqual({ key: 'DB_PASSWORD', version: 3 });
    const after = await owner.get(`${S}/DB_PASSWORD/versions`);
    expect(after.body.items[0]).toMatchObject({ version: 3, comment: 'rollback to version 1' });
    expect(after.body.items[0].fingerprint).toBe(after.body.items[2].fingerprint);
    expect((await revealer.get(`${S}/DB_PASSWORD?reveal=true`)).body.value).toBe('first-value');

    expect((await owner.delete(`${S}/DB_PASSWORD`)).status).toBe(204);
    expect((await owner.get(`${S}/DB_PASSWORD`)).status).toBe(404);
    expect((await owner.get(S)).body.items).toEqual([]);
    const gone = await owner.get(`${S}/DB_PASSWORD/versions`);
    expect(gone.body.items.map((i: { deleted: boolean }) => i.deleted)).toEqual([true, true, true]);
    expect((await owner.delete(`${S}/DB_PASSWORD`)).status).toBe(404);
    const again = await owner.put(`${S}/DB_PASSWORD`, { value: 'fresh' });
    expect(again.body.version).toBe(4);
  });

  it('history comes a page at a time, newest first, however many versions a key has', async () => {
    for (let i = 1; i <= 5; i++) {
      expect((await owner.put('/v1/apps/myapp/secrets/PAGED', { value: `v${i}`, comment: `c${i}` })).status).toBe(200);
    }
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const query = `limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await owner.get(`/v1/apps/myapp/secrets/PAGED/versions?${query}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...(page.body.items as { version: number }[]).map((v) => v.version));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor !== undefined);
    expect(seen).toEqual([5, 4, 3, 2, 1]);
    expect(pages).toBe(3);
    // Without a limit, a page holds up to 100 versions; a cursor the API never issued is a 400.
    expect((await owner.get('/v1/apps/myapp/secrets/PAGED/versions')).body.items).toHaveLength(5);
    expect((await owner.get('/v1/apps/myapp/secrets/PAGED/versions?cursor=AA')).status).toBe(400);
  });

  it('a fingerprint tells equal values apart within one key only: a guess on another key or app never matches', async () => {
    // An owner who may not reveal writes a guess where it costs nothing and compares fingerprints.
    await owner.put(`${S}/TARGET`, { value: 'the-real-password' });
    await owner.put(`${S}/GUESS`, { value: 'the-real-password' });
    await admin.put('/v1/scopes/global/secrets/GUESS', { value: 'the-real-password' });
    const shown = async (path: string) => (await admin.get(`${path}/versions`)).body.items[0].fingerprint as string;
    const target = await shown(`${S}/TARGET`);
    expect(target).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await shown(`${S}/GUESS`)).not.toBe(target);
    expect(await shown('/v1/scopes/global/secrets/GUESS')).not.toBe(target);
    // Within the key, the same value still shows the same fingerprint, as a rollback does above.
    await owner.put(`${S}/TARGET`, { value: 'another' });
    await owner.put(`${S}/TARGET`, { value: 'the-real-password' });
    const items = (await admin.get(`${S}/TARGET/versions`)).body.items as { fingerprint: string }[];
    expect(items.map((i) => i.fingerprint === target)).toEqual([true, false, true]);
  });

  it('a stale cas is a 409 and writes nothing', async () => {
    await owner.put(`${S}/API_KEY`, { value: 'a' });
    const stale = await owner.put(`${S}/API_KEY`, { value: 'b', cas: 0 });
    expect(stale.status).toBe(409);
    expect(stale.body.type).toBe('urn:secret-api:problem:cas_mismatch');
    expect((await owner.get(`${S}/API_KEY/versions`)).body.items).toHaveLength(1);
  });

  it('existence before authorization: an owner who may not reveal gets 404 for a key or version not there, 403 otherwise', async () => {
    await owner.put(`${S}/THERE`, { value: 'x' });
    expect((await owner.get(`${S}/NOT_THERE?reveal=true`)).status).toBe(404);
    expect((await owner.get(`${S}/THERE?reveal=true&version=99`)).status).toBe(404);
    const refused = await owner.get(`${S}/THERE?reveal=true`);
    expect(refused.status).toBe(403);
    expect(refused.text).not.toContain('"x"');
    // Someone with no part in the app learns nothing of its keys: 403 either way.
    const stranger = await stack.as('eve@example.com', ['team-elsewhere']);
    expect((await stranger.get(`${S}/NOT_THERE`)).status).toBe(403);
    expect((await stranger.get(`${S}/THERE`)).status).toBe(403);
  });

  it('cas 0 means "only if it does not exist", and a deleted key does not', async () => {
    expect((await owner.put(`${S}/DEL`, { value: 'x' })).status).toBe(200);
    expect((await owner.delete(`${S}/DEL`)).status).toBe(204);
    expect((await owner.get(`${S}/DEL`)).status).toBe(404);
    const wrong = await owner.put(`${S}/DEL`, { value: 'y', cas: 5 });
    expect(wrong.status).toBe(409);
    expect(wrong.body.detail).toBe(
      'DEL does not exist (its version 1 was deleted), so cas 5 does not hold; retry with cas 0',
    );
    const created = await owner.put(`${S}/DEL`, { value: 'y', cas: 0 });
    expect(created.status, created.text).toBe(200);
    expect(created.body.version).toBe(2);
    expect((await owner.put(`${S}/DEL`, { value: 'z', cas: 0 })).status).toBe(409);
    expect((await revealer.get(`${S}/DEL?reveal=true`)).body.value).toBe('y');
  });

  it('the database never holds a value, only a keyed fingerprint', async () => {
    await owner.put(`${S}/CANARY`, { value: 'canary-7f3a9c-do-not-store' });
    const rows = await dbRows('SELECT * FROM secret_versions');
    expect(JSON.stringify(rows)).not.toContain('canary-7f3a9c');
    const events = await dbRows('SELECT * FROM audit_events');
    expect(JSON.stringify(events)).not.toContain('canary-7f3a9c');
    expect(JSON.stringify(stack.logs)).not.toContain('canary-7f3a9c');
  });

  it('concurrent sets of one key produce consecutive versions, each with exactly one row', async () => {
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => owner.put(`${S}/RACE`, { value: `v${i}` })));
    for (const r of replies) expect(r.status, r.text).toBe(200);
    expect(replies.map((r) => r.body.version).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    const rows = await dbRows(
      "SELECT version, confirmed FROM secret_versions WHERE path = 'myapp/RACE' ORDER BY version",
    );
    expect(rows).toEqual(Array.from({ length: 12 }, (_, i) => ({ version: i + 1, confirmed: true })));
  });

  it('a version written outside the Secret API is recorded by repair on the next access', async () => {
    await owner.put(`${S}/OUTSIDE`, { value: 'ours' });
    await stack.vaultCall('POST', 'secret/data/myapp/OUTSIDE', { data: { value: 'theirs' } });
    const history = await owner.get(`${S}/OUTSIDE/versions`);
    expect(history.body.items.map((i: { version: number; actor: string }) => [i.version, i.actor])).toEqual([
      [2, 'system'],
      [1, 'bob@example.com'],
    ]);
  });

  it('deleting an app deletes its secrets: an app created later under the name starts empty', async () => {
    expect((await admin.post('/v1/apps', { name: 'doomed', ownerGroups: ['team-myapp'] })).status).toBe(201);
    await owner.put('/v1/apps/doomed/secrets/TOKEN', { value: 'old-owner-secret' });
    await owner.put('/v1/apps/doomed/secrets/TOKEN', { value: 'old-owner-secret-2' });
    await owner.put('/v1/apps/doomed/secrets/OTHER', { value: 'x' });
    expect((await admin.delete('/v1/apps/doomed')).status).toBe(204);
    expect((await stack.vaultCall('GET', 'secret/metadata/doomed/TOKEN')).status).toBe(404);
    expect((await stack.vaultCall('GET', 'secret/metadata/doomed/OTHER')).status).toBe(404);
    expect(await dbRows("SELECT * FROM secret_versions WHERE path LIKE 'doomed/%'")).toEqual([]);

    await stack.tokensOfDeletedNamesExpired();
    expect((await admin.post('/v1/apps', { name: 'doomed', ownerGroups: ['new-team'] })).status).toBe(201);
    const newOwner = await stack.as('nina@example.com', ['new-team']);
    expect((await newOwner.get('/v1/apps/doomed/secrets')).body.items).toEqual([]);
    expect((await newOwner.get('/v1/apps/doomed/secrets/TOKEN/versions')).status).toBe(404);
    expect((await newOwner.put('/v1/apps/doomed/secrets/TOKEN', { value: 'new' })).body.version).toBe(1);
    // The audit trail still tells what happened to the old app.
    const trail = await admin.get('/v1/audit?app=doomed&limit=1000');
    expect(trail.body.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['app.delete', 'secret.set']),
    );
  });

  it('shared scopes are admin only', async () => {
    expect((await admin.put('/v1/scopes/global/secrets/LOG_ENDPOINT', { value: 'x' })).status).toBe(200);
    expect((await admin.put('/v1/scopes/project/aws/secrets/REGION', { value: 'eu-west-1' })).status).toBe(200);
    expect((await admin.put('/v1/scopes/cluster/aws.stg/secrets/INGRESS', { value: 'stg' })).status).toBe(200);
    expect((await stack.vaultCall('GET', 'secret/data/cluster/aws/stg/INGRESS')).body.data.data).toEqual({
      value: 'stg',
    });
    expect((await owner.put('/v1/scopes/global/secrets/LOG_ENDPOINT', { value: 'y' })).status).toBe(403);
    expect((await owner.get('/v1/scopes/global/secrets')).status).toBe(403);
    expect((await admin.get('/v1/scopes/global/secrets/LOG_ENDPOINT?reveal=true')).body.value).toBe('x');
    expect((await admin.put('/v1/scopes/cluster/no.such/secrets/X', { value: 'x' })).status).toBe(404);
    // Like a cluster scope's cluster, a project scope's cloud must be one a registered cluster runs on.
    const noCloud = await admin.put('/v1/scopes/project/zz/secrets/X', { value: 'x' });
    expect(noCloud.status).toBe(404);
    expect(noCloud.body.detail).toBe("no cluster of cloud 'zz' is registered");
    expect((await admin.get('/v1/scopes/project/zz/secrets')).status).toBe(404);
    expect((await owner.get('/v1/scopes/project/zz/secrets')).status).toBe(404);
  });

  it('strangers get 403, bad keys 400, unknown keys 404', async () => {
    expect((await stranger.get(S)).status).toBe(403);
    expect((await stranger.put(`${S}/X`, { value: 'x' })).status).toBe(403);
    expect((await owner.put(`${S}/1BAD`, { value: 'x' })).status).toBe(400);
    expect((await owner.put(`${S}/BAD-KEY`, { value: 'x' })).status).toBe(400);
    expect((await owner.put(`${S}/${'K'.repeat(129)}`, { value: 'x' })).status).toBe(400);
    expect((await owner.put(`${S}/OK`, { value: 'x'.repeat(65_537) })).status).toBe(400);
    expect((await owner.put(`${S}/OK`, { value: 42 })).status).toBe(400);
    expect((await owner.get(`${S}/NOPE`)).status).toBe(404);
    expect((await owner.get(`${S}/NOPE/versions`)).status).toBe(404);
    expect((await owner.post(`${S}/NOPE/rollback`, { version: 1 })).status).toBe(404);
  });

  it('mutations, reveals, RoleID reads and denials are in the audit trail', async () => {
    await owner.put(`${S}/AUDITED`, { value: 'x' });
    await revealer.get(`${S}/AUDITED?reveal=true`);
    await owner.get(`${S}/AUDITED?reveal=true`);
    const trail = await admin.get('/v1/audit?app=myapp&limit=1000');
    expect(trail.status).toBe(200);
    const events = trail.body.items as {
      actor: string;
      action: string;
      target: string;
      result: string;
      requestId: string;
    }[];
    expect(events).toContainEqual(
      expect.objectContaining({
        actor: 'bob@example.com',
        action: 'secret.set',
        target: 'apps/myapp/secrets/AUDITED',
        result: 'success',
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ actor: 'rita@example.com', action: 'secret.reveal', result: 'success' }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ actor: 'bob@example.com', action: 'secret.reveal', result: 'denied' }),
    );
    const mine = await owner.get('/v1/audit');
    expect(mine.status).toBe(200);
    expect(mine.body.items.length).toBeGreaterThan(0);
    expect((await stranger.get('/v1/audit?app=myapp')).status).toBe(403);
    expect((await stranger.get('/v1/audit')).body.items).toEqual([]);
  });
});
