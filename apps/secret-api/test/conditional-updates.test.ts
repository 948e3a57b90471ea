/**
 * Conditional edits of apps and clusters (RFC 9110 ETag / If-Match / 412): a read-modify-write client that sends
 * back the ETag of what it read never overwrites a change it did not see, however many run at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient, ApiReply } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let admin: ApiClient;

const STRONG_ETAG = /^"[A-Za-z0-9_-]{22}"$/;

beforeAll(async () => {
  stack = await startStack('conditional_updates');
  admin = await stack.admin();
  for (const name of ['shop', 'cart', 'race', 'rmw']) {
    expect((await admin.post('/v1/apps', { name, ownerGroups: ['team-shop'] })).status).toBe(201);
  }
  for (const name of ['aws.stg', 'gcp.dev']) {
    expect((await admin.post('/v1/clusters', { name, controllerSubjects: ['ctl-1'] })).status).toBe(201);
  }
});
afterAll(async () => stack?.close());

function etagOf(reply: ApiReply): string {
  const etag = reply.headers.get('etag');
  if (etag === null) throw new Error(`no ETag in the ${reply.status} answer`);
  return etag;
}

async function read(app: string): Promise<{ body: unknown; etag: string }> {
  const reply = await admin.get(`/v1/apps/${app}`);
  expect(reply.status, reply.text).toBe(200);
  return { body: reply.body, etag: etagOf(reply) };
}

function patchIf(path: string, body: unknown, ifMatch: string): Promise<ApiReply> {
  return admin.patch(path, body, { headers: { 'If-Match': ifMatch } });
}

function expectPreconditionFailed(reply: ApiReply): void {
  expect(reply.status, reply.text).toBe(412);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({
    type: 'urn:secret-api:problem:precondition_failed',
    title: 'Precondition failed',
    status: 412,
  });
}

describe('GET /v1/apps/:app', () => {
  it('answers a strong ETag that changes exactly when an editable field changes', async () => {
    const first = await read('shop');
    expect(first.etag).toMatch(STRONG_ETAG);
    expect((await read('shop')).etag).toBe(first.etag);

    // The same lists again: nothing changed, so neither does the tag.
    const same = await admin.patch('/v1/apps/shop', { ownerGroups: ['team-shop'], deployers: [] });
    expect(same.status).toBe(200);
    expect(etagOf(same)).toBe(first.etag);
    expect((await read('shop')).etag).toBe(first.etag);

    const tags = new Set([first.etag]);
    for (const change of [
      { deployers: ['repo:acme/shop:*'] },
      { revealGroups: ['oncall'] },
      { ownerGroups: ['team-shop', 'team-b'] },
    ]) {
      const patched = await admin.patch('/v1/apps/shop', change);
      expect(patched.status).toBe(200);
      const now = await read('shop');
      expect(etagOf(patched)).toBe(now.etag);
      tags.add(now.etag);
    }
    expect(tags.size).toBe(4);

    // Back to the first state: the first tag again (the client's view is current once more).
    await admin.patch('/v1/apps/shop', { ownerGroups: ['team-shop'], deployers: [], revealGroups: [] });
    expect((await read('shop')).etag).toBe(first.etag);
  });

  it('tags different apps with the same lists differently', async () => {
    expect((await read('shop')).etag).not.toBe((await read('cart')).etag);
  });
});

describe('PATCH /v1/apps/:app with If-Match', () => {
  it('applies the change when the ETag is current, and answers the new one', async () => {
    const before = await read('cart');
    const patched = await patchIf('/v1/apps/cart', { deployers: ['repo:acme/cart:*'] }, before.etag);
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ deployers: ['repo:acme/cart:*'] });
    expect(etagOf(patched)).not.toBe(before.etag);
    expect(etagOf(patched)).toBe((await read('cart')).etag);
  });

  it('refuses a stale ETag with 412 and changes nothing', async () => {
    const stale = (await read('cart')).etag;
    expect((await admin.patch('/v1/apps/cart', { revealGroups: ['oncall'] })).status).toBe(200);
    const current = await read('cart');

    const refused = await patchIf('/v1/apps/cart', { deployers: [] }, stale);
    expectPreconditionFailed(refused);
    expect(refused.body.detail).toMatch(/^app 'cart' changed since the ETag you sent was issued/);
    expect(await read('cart')).toEqual(current);
  });

  // RFC 9110 §13.1.1: `*` or a list of entity tags, strong comparison; anything else cannot be shown to match.
  const cases: { name: string; ifMatch: (current: string) => string; status: 200 | 412 }[] = [
    { name: 'the current tag', ifMatch: (c) => c, status: 200 },
    { name: '*', ifMatch: () => '*', status: 200 },
    { name: 'a list holding the current tag', ifMatch: (c) => `"stale", ${c}`, status: 200 },
    { name: 'a list with empty elements and tabs', ifMatch: (c) => ` ,\t"x" ,, ${c} ,`, status: 200 },
    { name: 'a list of stale tags', ifMatch: () => '"a", "b"', status: 412 },
    { name: 'the current tag, weak', ifMatch: (c) => `W/${c}`, status: 412 },
    { name: 'a weak and a stale strong tag', ifMatch: (c) => `W/${c}, "stale"`, status: 412 },
    { name: 'the current tag without quotes', ifMatch: (c) => c.slice(1, -1), status: 412 },
    { name: 'an unterminated tag', ifMatch: (c) => c.slice(0, -1), status: 412 },
    { name: 'two tags without a comma', ifMatch: (c) => `${c} ${c}`, status: 412 },
    { name: '* in a list', ifMatch: (c) => `*, ${c}`, status: 412 },
    { name: 'a lowercase weak prefix', ifMatch: (c) => `w/${c}`, status: 412 },
    { name: 'a tag holding a space', ifMatch: () => '"a b"', status: 412 },
    { name: 'an empty value', ifMatch: () => '', status: 412 },
    { name: 'only commas', ifMatch: () => ', ,', status: 412 },
    { name: 'garbage', ifMatch: () => 'garbage;\\"', status: 412 },
  ];
  it.each(cases)('If-Match with $name answers $status, never a 500', async ({ ifMatch, status }) => {
    const before = await read('shop');
    const groups = (before.body as { ownerGroups: string[] }).ownerGroups;
    // A real change each time, so a 200 is visible in the state and a 412 provably left it alone.
    const next = groups.includes('team-x') ? ['team-shop'] : ['team-shop', 'team-x'];
    const reply = await patchIf('/v1/apps/shop', { ownerGroups: next }, ifMatch(before.etag));
    if (status === 412) {
      expectPreconditionFailed(reply);
      expect(await read('shop')).toEqual(before);
    } else {
      expect(reply.status, reply.text).toBe(200);
      expect((await read('shop')).body).toMatchObject({ ownerGroups: next });
    }
  });

  it('If-Match * on an app that does not exist is a 404, as without it', async () => {
    const reply = await patchIf('/v1/apps/nosuch', { deployers: [] }, '*');
    expect(reply.status).toBe(404);
  });

  it('of concurrent PATCHes sent with the same ETag, exactly one applies', async () => {
    const { etag } = await read('race');
    const replies = await Promise.all(
      Array.from({ length: 5 }, (_, i) => patchIf('/v1/apps/race', { deployers: [`repo:acme/race-${i}:*`] }, etag)),
    );
    const won = replies.filter((r) => r.status === 200);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 412, 412, 412, 412]);
    expect((await read('race')).body).toMatchObject({ deployers: (won[0]?.body as { deployers: string[] }).deployers });
  });

  it('concurrent read-modify-write clients that retry on 412 keep every addition', async () => {
    const addDeployer = async (pattern: string): Promise<number> => {
      for (let attempt = 1; ; attempt++) {
        const { body, etag } = await read('rmw');
        const deployers = [...(body as { deployers: string[] }).deployers, pattern];
        const reply = await patchIf('/v1/apps/rmw', { deployers }, etag);
        if (reply.status === 200) return attempt;
        expectPreconditionFailed(reply);
      }
    };
    const patterns = Array.from({ length: 5 }, (_, i) => `repo:acme/rmw-${i}:*`);
    const attempts = await Promise.all(patterns.map(addDeployer));
    const { deployers } = (await read('rmw')).body as { deployers: string[] };
    expect([...deployers].sort()).toEqual(patterns);
    // Each success is one more change than the last, so the attempts add up to at least 5.
    expect(attempts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5);
  });

  it('without If-Match, a PATCH replaces the lists as before', async () => {
    const reply = await admin.patch('/v1/apps/cart', { deployers: ['repo:acme/plain:*'] });
    expect(reply.status).toBe(200);
    expect(etagOf(reply)).toBe((await read('cart')).etag);
  });
});

describe('PATCH /v1/clusters/:cluster with If-Match', () => {
  async function controllers(name: string): Promise<string[]> {
    const items = (await admin.get('/v1/clusters')).body.items as { name: string; controllerSubjects: string[] }[];
    return items.find((c) => c.name === name)?.controllerSubjects ?? [];
  }

  it('answers an ETag, applies a change sent with it, and refuses it once stale', async () => {
    const first = await admin.patch('/v1/clusters/aws.stg', { controllerSubjects: ['ctl-1'] });
    expect(first.status).toBe(200);
    const etag = etagOf(first);
    expect(etag).toMatch(STRONG_ETAG);

    const second = await patchIf('/v1/clusters/aws.stg', { controllerSubjects: ['ctl-1', 'ctl-2'] }, etag);
    expect(second.status, second.text).toBe(200);
    expect(etagOf(second)).not.toBe(etag);

    const stale = await patchIf('/v1/clusters/aws.stg', { controllerSubjects: ['ctl-3'] }, etag);
    expectPreconditionFailed(stale);
    expect(stale.body.detail).toMatch(/^cluster 'aws\.stg' changed since/);
    expect(await controllers('aws.stg')).toEqual(['ctl-1', 'ctl-2']);

    for (const garbage of ['nonsense', `W/${etagOf(second)}`]) {
      expectPreconditionFailed(await patchIf('/v1/clusters/aws.stg', { controllerSubjects: ['ctl-3'] }, garbage));
    }
    expect(await controllers('aws.stg')).toEqual(['ctl-1', 'ctl-2']);
    expect((await patchIf('/v1/clusters/nosuch.env', { controllerSubjects: ['c'] }, '*')).status).toBe(404);
  });

  it('of concurrent PATCHes sent with the same ETag, exactly one applies', async () => {
    const etag = etagOf(await admin.patch('/v1/clusters/gcp.dev', { controllerSubjects: ['ctl-1'] }));
    const replies = await Promise.all(
      // Every one a real change: a PATCH to the state the tag already names (ctl-1) keeps the tag, so a second PATCH
      // with that tag would rightly apply after it.
      Array.from({ length: 5 }, (_, i) =>
        patchIf('/v1/clusters/gcp.dev', { controllerSubjects: [`ctl-race-${i}`] }, etag),
      ),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([200, 412, 412, 412, 412]);
    const won = replies.find((r) => r.status === 200)?.body as { controllerSubjects: string[] };
    expect(await controllers('gcp.dev')).toEqual(won.controllerSubjects);
  });
});

describe('GET /v1/clusters/:cluster', () => {
  it('answers the cluster with the ETag its PATCH compares, so a client can read, modify and write', async () => {
    const read = await admin.get('/v1/clusters/aws.stg');
    expect(read.status, read.text).toBe(200);
    expect(read.body).toMatchObject({ name: 'aws.stg', cloud: 'aws', env: 'stg' });
    const etag = etagOf(read);
    expect(etag).toMatch(STRONG_ETAG);
    const subjects = read.body.controllerSubjects as string[];
    const write = await patchIf('/v1/clusters/aws.stg', { controllerSubjects: [...subjects, 'ctl-read'] }, etag);
    expect(write.status, write.text).toBe(200);
    expect(etagOf(await admin.get('/v1/clusters/aws.stg'))).toBe(etagOf(write));
    expect((await admin.get('/v1/clusters/nosuch.env')).status).toBe(404);
  });
});

describe('If-None-Match on a conditional change', () => {
  it("'*' is refused with 412: the resource exists", async () => {
    const before = await read('rmw');
    const reply = await admin.patch('/v1/apps/rmw', { deployers: ['x:*'] }, { headers: { 'If-None-Match': '*' } });
    expectPreconditionFailed(reply);
    expect((await read('rmw')).etag).toBe(before.etag);
  });

  it('the current ETag is refused, any other lets the change through', async () => {
    const { etag } = await read('rmw');
    const refused = await admin.patch('/v1/apps/rmw', { deployers: ['x:*'] }, { headers: { 'If-None-Match': etag } });
    expectPreconditionFailed(refused);
    const weak = await admin.patch(
      '/v1/apps/rmw',
      { deployers: ['x:*'] },
      { headers: { 'If-None-Match': `W/${etag}` } },
    );
    expectPreconditionFailed(weak); // If-None-Match compares weakly
    const other = await admin.patch(
      '/v1/apps/rmw',
      { deployers: ['x:*'] },
      { headers: { 'If-None-Match': '"other"' } },
    );
    expect(other.status, other.text).toBe(200);
  });
});

describe('DELETE with If-Match', () => {
  it('a stale ETag deletes nothing: the app, its secrets and its AppRole stay', async () => {
    expect((await admin.post('/v1/apps', { name: 'doomed', ownerGroups: ['team-shop'] })).status).toBe(201);
    expect((await admin.put('/v1/apps/doomed/secrets/KEEP', { value: 'still-here' })).status).toBe(200);
    expect((await admin.put('/v1/apps/doomed/clusters/gcp.dev/approle')).status).toBe(200);
    const { etag } = await read('doomed');
    expect((await admin.patch('/v1/apps/doomed', { deployers: ['ci:*'] })).status).toBe(200);

    for (const ifMatch of [etag, 'nonsense', `W/${(await read('doomed')).etag}`]) {
      expectPreconditionFailed(await admin.delete('/v1/apps/doomed', { headers: { 'If-Match': ifMatch } }));
    }
    expectPreconditionFailed(await admin.delete('/v1/apps/doomed', { headers: { 'If-None-Match': '*' } }));
    expect((await admin.get('/v1/apps/doomed')).status).toBe(200);
    expect((await stack.vaultCall('GET', 'secret/data/doomed/KEEP')).status).toBe(200);
    expect((await stack.vaultCall('GET', 'auth/approle/role/gcp.dev.doomed/role-id')).status).toBe(200);

    const current = await admin.delete('/v1/apps/doomed', { headers: { 'If-Match': (await read('doomed')).etag } });
    expect(current.status, current.text).toBe(204);
    expect((await admin.get('/v1/apps/doomed')).status).toBe(404);
    expect((await admin.delete('/v1/apps/doomed', { headers: { 'If-Match': '*' } })).status).toBe(404);
  });

  it('a stale ETag deletes no cluster, and a forced delete decommissions nothing', async () => {
    expect((await admin.post('/v1/clusters', { name: 'aws.tmp', controllerSubjects: ['ctl-1'] })).status).toBe(201);
    expect((await admin.put('/v1/apps/shop/clusters/aws.tmp/approle')).status).toBe(200);
    const stale = etagOf(await admin.get('/v1/clusters/aws.tmp'));
    expect((await admin.patch('/v1/clusters/aws.tmp', { controllerSubjects: ['ctl-2'] })).status).toBe(200);

    const refused = await admin.delete('/v1/clusters/aws.tmp?force=true', { headers: { 'If-Match': stale } });
    expectPreconditionFailed(refused);
    expect((await admin.get('/v1/clusters/aws.tmp')).status).toBe(200);
    expect((await stack.vaultCall('GET', 'auth/approle/role/aws.tmp.shop/role-id')).status).toBe(200);

    const current = etagOf(await admin.get('/v1/clusters/aws.tmp'));
    const deleted = await admin.delete('/v1/clusters/aws.tmp?force=true', { headers: { 'If-Match': current } });
    expect(deleted.status, deleted.text).toBe(204);
    expect((await admin.get('/v1/clusters/aws.tmp')).status).toBe(404);
    expect((await stack.vaultCall('GET', 'auth/approle/role/aws.tmp.shop/role-id')).status).toBe(404);
  });
});

describe('a change with no entity tag refuses If-Match and If-None-Match (412) instead of acting as if they held', () => {
  it.each([
    ['PUT', '/v1/apps/shop/secrets/KEY', { value: 'v2' }],
    ['DELETE', '/v1/apps/shop/secrets/KEY', undefined],
    ['POST', '/v1/apps/shop/secrets/KEY/rollback', { version: 1 }],
    ['PUT', '/v1/scopes/global/secrets/SHARED', { value: 'v2' }],
    ['PUT', '/v1/apps/cart/clusters/aws.stg/approle', undefined],
    ['POST', '/v1/apps', { name: 'newapp', ownerGroups: ['team-shop'] }],
    ['POST', '/v1/clusters', { name: 'aws.new', controllerSubjects: ['ctl-1'] }],
  ])('%s %s', async (method, path, body) => {
    expect((await admin.put('/v1/apps/shop/secrets/KEY', { value: 'v1' })).status).toBe(200);
    expect((await admin.put('/v1/scopes/global/secrets/SHARED', { value: 'v1' })).status).toBe(200);
    const secretBefore = (await admin.get('/v1/apps/shop/secrets/KEY')).body;
    const variants: Record<string, string>[] = [
      { 'If-Match': '"whatever"' },
      { 'If-Match': '*' },
      { 'If-None-Match': '*' },
    ];
    for (const headers of variants) {
      const reply = await admin.call(method, path, { body, headers });
      expectPreconditionFailed(reply);
      expect(reply.body.detail).toContain('has no entity tag to compare');
    }
    expect((await admin.get('/v1/apps/shop/secrets/KEY')).body).toEqual(secretBefore);
    expect((await admin.get('/v1/apps/newapp')).status).toBe(404);
    expect((await admin.get('/v1/clusters/aws.new')).status).toBe(404);
    expect((await admin.get('/v1/apps/cart/clusters/aws.stg/approle')).status).toBe(404);
  });

  it('a set says to use cas instead', async () => {
    const reply = await admin.put('/v1/apps/shop/secrets/KEY', { value: 'v3' }, { headers: { 'If-Match': '"x"' } });
    expect(reply.body.detail).toContain('send cas in the body');
  });

  it('a read ignores them', async () => {
    expect((await admin.get('/v1/apps/shop/secrets/KEY', { headers: { 'If-Match': '"x"' } })).status).toBe(200);
  });
});
