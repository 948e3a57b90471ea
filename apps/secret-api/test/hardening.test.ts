/**
 * What an outside attack run found (issue 10), each as a class: the order of checks for every kind of
 * body failure, decoded inputs the database would refuse, dot segments, Vault drift, one identity per
 * issuer, separation of duties for admins, and our own request ids in the audit trail.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalIssuer } from '../src/auth/local-issuer.js';
import { OPERATIONS } from '../src/app.js';
import type { ApiClient, ApiReply } from './support/http.js';
import { ADMIN_GROUP, AUDIENCE, startStack, type Stack } from './support/stack.js';

let stack: Stack;
let admin: ApiClient;

function expectProblem(reply: ApiReply, status: number, type?: string): void {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  if (type) expect(reply.body.type).toBe(`urn:secret-api:problem:${type}`);
}

/** A request exactly as written: no client-side URL normalisation. */
function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<{ status: number; text: string }> {
  const url = new URL(stack.api.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  stack = await startStack('hardening');
  admin = await stack.admin();
  expect((await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: ['ctl'] })).status).toBe(201);
  expect((await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] })).status).toBe(201);
  expect((await admin.put('/v1/apps/myapp/clusters/aws.stg/approle')).status).toBe(200);
});
afterAll(async () => stack?.close());

const bodyRoutes = OPERATIONS.filter((op) => op.route.auth && op.route.body !== undefined).map((op) => op.route);
const fill = (path: string) =>
  path.replace(':app', 'myapp').replace(':cluster', 'aws.stg').replace(':cloud', 'aws').replace(':key', 'DB_PASSWORD');

describe('authentication comes before anything is read from the body', () => {
  const kinds: { name: string; headers: Record<string, string>; body: Buffer }[] = [
    { name: 'broken JSON', headers: { 'Content-Type': 'application/json' }, body: Buffer.from('{"name":') },
    { name: 'a body of another type', headers: { 'Content-Type': 'text/plain' }, body: Buffer.from('hello') },
    {
      name: 'a body over the limit',
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.alloc(600 * 1024, 0x20),
    },
    {
      name: 'gzip that is not gzip',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body: Buffer.from('{"a":1}'),
    },
    {
      name: 'an unknown content coding',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'x-made-up' },
      body: Buffer.from('{}'),
    },
  ];
  for (const route of bodyRoutes) {
    for (const kind of kinds) {
      it(`${route.method} ${route.path} with ${kind.name} and no token is a 401`, async () => {
        const reply = await raw(route.method, fill(route.path), kind.headers, kind.body);
        expect(reply.status, reply.text).toBe(401);
      });
    }
  }
});

describe('a body the server cannot decode is a 4xx for an authenticated caller, never a 500', () => {
  const json = Buffer.from(JSON.stringify({ name: 'zz', ownerGroups: ['team'] }));
  const gz = gzipSync(json);
  const cases: [string, Record<string, string>, Buffer, number][] = [
    ['gzip that is not gzip', { 'Content-Encoding': 'gzip' }, json, 400],
    ['truncated gzip', { 'Content-Encoding': 'gzip' }, gz.subarray(0, gz.length - 6), 400],
    ['deflate that is not deflate', { 'Content-Encoding': 'deflate' }, json, 400],
    ['br that is not br', { 'Content-Encoding': 'br' }, json, 400],
    ['an unknown content coding', { 'Content-Encoding': 'x-made-up' }, json, 415],
    ['gzip twice', { 'Content-Encoding': 'gzip, gzip' }, gzipSync(gz), 415],
  ];
  for (const [name, headers, body, status] of cases) {
    it(`${name} → ${status}, and nothing is created`, async () => {
      const reply = await raw(
        'POST',
        '/v1/apps',
        { ...headers, 'Content-Type': 'application/json', Authorization: `Bearer ${admin.token}` },
        body,
      );
      expect(reply.status, reply.text).toBe(status);
      // A coding refused is said to be one, not taken for a charset.
      if (status === 415) expect(reply.text).toContain('Content-Encoding is not supported');
      expect((await admin.get('/v1/apps/zz')).status).toBe(404);
    });
  }

  it('a real gzip body is accepted', async () => {
    const body = gzipSync(Buffer.from(JSON.stringify({ name: 'gzipped', ownerGroups: ['team'] })));
    const reply = await raw(
      'POST',
      '/v1/apps',
      { 'Content-Encoding': 'gzip', 'Content-Type': 'application/json', Authorization: `Bearer ${admin.token}` },
      body,
    );
    expect(reply.status, reply.text).toBe(201);
  });
});

describe('decoded query values the database would refuse are 400s', () => {
  it.each([
    ['/v1/apps?cursor=AA', 'a cursor that decodes to a NUL byte'],
    ['/v1/clusters?cursor=AA', 'a cluster cursor that decodes to a NUL byte'],
    [`/v1/audit?cursor=${Buffer.from('9999999999999999999').toString('base64url')}`, 'an audit cursor beyond int8'],
    [`/v1/audit?cursor=${Buffer.from('0').toString('base64url')}`, 'an audit cursor of 0'],
    ['/v1/audit?since=0000-01-01T00:00:00Z', 'year 0'],
    ['/v1/audit?since=1969-12-31T23:59:59Z', 'before 1970'],
    ['/v1/audit?since=%2B275760-09-13T00:00:00Z', 'an extended year'],
  ])('%s (%s)', async (path) => {
    expectProblem(await admin.get(path), 400);
  });
});

describe('dot segments are refused before routing, so a path never becomes another', () => {
  it.each([
    ['DELETE', '/v1/apps/myapp/secrets/..'],
    ['DELETE', '/v1/apps/myapp/secrets/%2e%2e'],
    ['DELETE', '/v1/apps/myapp/secrets/.%2E'],
    ['DELETE', '/v1/apps/myapp/secrets/%2E'],
    ['GET', '/v1/apps/..'],
    ['PUT', '/v1/apps/myapp/secrets/./x'],
    ['DELETE', '/v1/apps/x/../myapp'],
  ])('%s %s → 400 and the app is still there', async (method, path) => {
    const reply = await raw(method, path, { Authorization: `Bearer ${admin.token}` });
    expect(reply.status, reply.text).toBe(400);
    expect(reply.text).toContain("'.' or '..' segment");
    expect((await admin.get('/v1/apps/myapp')).status).toBe(200);
  });
});

describe('Vault drift is a documented problem, never a 500', () => {
  it('a SecretID for an app whose AppRole was deleted in Vault is a 409 naming the repair', async () => {
    expect((await admin.post('/v1/apps', { name: 'drifty', ownerGroups: ['team'] })).status).toBe(201);
    expect((await admin.put('/v1/apps/drifty/clusters/aws.stg/approle')).status).toBe(200);
    expect((await stack.vaultCall('DELETE', 'auth/approle/role/aws.stg.drifty')).status).toBe(204);
    const controller = await stack.as('ctl');
    const reply = await controller.post('/v1/apps/drifty/clusters/aws.stg/secret-id', {});
    expectProblem(reply, 409, 'vault_drift');
    expect(reply.body.detail).toContain('deployer roleid drifty --cluster aws.stg');
    // The owner's repair works, and then so does the controller.
    expect((await admin.put('/v1/apps/drifty/clusters/aws.stg/approle')).body.changed).toBe(true);
    expect((await controller.post('/v1/apps/drifty/clusters/aws.stg/secret-id', {})).status).toBe(201);
  });

  it('a SecretID token for an app whose token role was deleted in Vault is a 409', async () => {
    expect((await stack.vaultCall('DELETE', 'auth/token/roles/getsecretid-aws.stg.drifty')).status).toBe(204);
    const controller = await stack.as('ctl');
    expectProblem(await controller.post('/v1/apps/drifty/clusters/aws.stg/secret-id-token'), 409, 'vault_drift');
  });

  it('the failure is an audit event of result error that names the problem', async () => {
    const events = (await admin.get('/v1/audit?app=drifty')).body.items as Record<string, unknown>[];
    expect(events).toContainEqual(
      expect.objectContaining({ action: 'secretid-token.issue', result: 'error', error: 'vault_drift' }),
    );
  });
});

describe('a repeated Authorization header', () => {
  it('is a 400 whichever token comes first: a proxy keeping the other would see another caller', async () => {
    const other = await stack.as('mallory@example.com');
    for (const tokens of [
      [other.token, admin.token],
      [admin.token, other.token],
      [admin.token, admin.token],
    ]) {
      const url = new URL(stack.api.url);
      const reply = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        // Node's client joins repeated fields given as an array into separate header lines.
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            method: 'GET',
            path: '/v1/whoami',
            headers: {
              Authorization: tokens.map((t) => `Bearer ${t!}`),
            },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(reply.status, reply.text).toBe(400);
      expect(reply.text).toContain('repeats the Authorization header');
    }
    expect((await admin.get('/v1/whoami')).status).toBe(200);
  });
});

describe('separation of duties for admins', () => {
  it('an admin may not grant reveal rights to a group they belong to', async () => {
    const reply = await admin.patch('/v1/apps/myapp', { revealGroups: [ADMIN_GROUP] });
    expectProblem(reply, 403, 'forbidden');
    expect(reply.body.detail).toContain('separation of duties');
    expect((await admin.get('/v1/apps/myapp')).body.revealGroups).toEqual([]);
  });

  it('nor create an app that reveals to their own group', async () => {
    const reply = await admin.post('/v1/apps', { name: 'selfish', ownerGroups: ['team'], revealGroups: [ADMIN_GROUP] });
    expectProblem(reply, 403, 'forbidden');
    expect((await admin.get('/v1/apps/selfish')).status).toBe(404);
  });

  it('an admin may not register a cluster with themselves as its controller, nor add themselves later', async () => {
    const create = await admin.post('/v1/clusters', { name: 'aws.dev', controllerSubjects: ['alice@example.com'] });
    expectProblem(create, 403, 'forbidden');
    expect(create.body.detail).toContain('separation of duties');
    const patch = await admin.patch('/v1/clusters/aws.stg', { controllerSubjects: ['ctl', 'alice@example.com'] });
    expectProblem(patch, 403, 'forbidden');
    const clusters = (await admin.get('/v1/clusters')).body.items as { name: string; controllerSubjects: string[] }[];
    expect(clusters.map((c) => c.name)).toEqual(['aws.stg']);
    expect(clusters[0]?.controllerSubjects).toEqual(['ctl']);
  });

  it('a change of controllers by an admin is audited with before and after', async () => {
    expect((await admin.patch('/v1/clusters/aws.stg', { controllerSubjects: ['ctl', 'ctl-2'] })).status).toBe(200);
    const events = (await admin.get('/v1/audit')).body.items as Record<string, unknown>[];
    const update = events.find((e) => e['action'] === 'cluster.update' && e['result'] === 'success');
    expect(update?.['details']).toEqual({
      before: { controllerSubjects: ['ctl'] },
      after: { controllerSubjects: ['ctl', 'ctl-2'] },
    });
  });

  it('another admin may, and the grant is audited with before and after', async () => {
    const other = await stack.as('bob@example.com', [ADMIN_GROUP, 'auditors']);
    expect((await other.patch('/v1/apps/myapp', { revealGroups: ['security'] })).status).toBe(200);
    const events = (await admin.get('/v1/audit?app=myapp')).body.items as Record<string, unknown>[];
    const update = events.find((e) => e['action'] === 'app.update' && e['result'] === 'success');
    expect(update?.['details']).toEqual({
      before: { ownerGroups: ['team'], deployers: [], revealGroups: [] },
      after: { ownerGroups: ['team'], deployers: [], revealGroups: ['security'] },
    });
    const denied = events.find((e) => e['action'] === 'app.update' && e['result'] === 'denied');
    expect(denied?.['actor']).toBe('alice@example.com');
  });
});

describe('request ids', () => {
  it("the audit trail keeps our own id and records the caller's apart", async () => {
    const callerId = `caller-${randomBytes(4).toString('hex')}`;
    const reply = await admin.call('PUT', '/v1/apps/myapp/secrets/RID', {
      body: { value: 'v' },
      headers: { 'X-Request-Id': callerId },
    });
    expect(reply.status).toBe(200);
    const ours = reply.headers.get('x-request-id');
    expect(ours).not.toBe(callerId);
    const events = (await admin.get('/v1/audit?app=myapp')).body.items as Record<string, unknown>[];
    const event = events.find((e) => e['target'] === 'apps/myapp/secrets/RID');
    expect(event).toMatchObject({ requestId: ours, callerRequestId: callerId });
  });
});

describe('one identity per issuer', () => {
  let two: Stack;
  let first: LocalIssuer;
  let second: LocalIssuer;
  const dir = join(tmpdir(), `issuers-${randomBytes(4).toString('hex')}`);
  const as = async (issuer: LocalIssuer, sub: string, groups: string[] = []) =>
    two.client.as(await issuer.sign({ sub, groups }));

  beforeAll(async () => {
    first = await LocalIssuer.create({ issuer: 'https://first.test.example', audience: AUDIENCE, dir: join(dir, '1') });
    second = await LocalIssuer.create({
      issuer: 'https://second.test.example',
      audience: AUDIENCE,
      dir: join(dir, '2'),
    });
    const issuers = [
      { ...first.issuerConfig(), subjectPrefix: 'first:' },
      { ...second.issuerConfig(), subjectPrefix: 'second:' },
    ];
    two = await startStack('two_issuers', { env: { AUTH_ISSUERS: JSON.stringify(issuers) } });
    const boss = await as(first, 'alice', [ADMIN_GROUP]);
    expect((await boss.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: ['first:ctl'] })).status).toBe(201);
    expect(
      (await boss.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'], deployers: ['first:repo:acme/*'] })).status,
    ).toBe(201);
    expect((await boss.put('/v1/apps/myapp/clusters/aws.stg/approle')).status).toBe(200);
  });
  afterAll(async () => {
    await two?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the controller, from its own issuer, gets SecretIDs', async () => {
    const controller = await as(first, 'ctl');
    expect((await controller.post('/v1/apps/myapp/clusters/aws.stg/secret-id', {})).status).toBe(201);
  });

  it("a token from the other trusted issuer with the controller's subject is not the controller", async () => {
    const impostor = await as(second, 'ctl');
    expectProblem(await impostor.post('/v1/apps/myapp/clusters/aws.stg/secret-id', {}), 403, 'forbidden');
    expectProblem(await impostor.post('/v1/apps/myapp/clusters/aws.stg/secret-id-token'), 403, 'forbidden');
  });

  it("a deployer pattern trusts only its issuer's subjects", async () => {
    expect((await (await as(first, 'repo:acme/app')).get('/v1/apps/myapp/clusters/aws.stg/approle')).status).toBe(200);
    const impostor = await as(second, 'repo:acme/app');
    expectProblem(await impostor.get('/v1/apps/myapp/clusters/aws.stg/approle'), 403, 'forbidden');
  });

  it('a controller subject or deployer pattern no principal can match is kept, with a warning that says why', async () => {
    const boss = await as(first, 'alice', [ADMIN_GROUP]);
    const cluster = await boss.post('/v1/clusters', {
      name: 'gcp.stg',
      controllerSubjects: ['system:serviceaccount:secrets:controller', 'second:ctl'],
    });
    expect(cluster.status).toBe(201);
    expect(cluster.body.controllerSubjects).toEqual(['system:serviceaccount:secrets:controller', 'second:ctl']);
    expect(cluster.headers.get('warning')).toBe(
      `299 - "controller subject 'system:serviceaccount:secrets:controller' can never match a caller: every ` +
        `principal this Secret API accepts starts with one of 'first:', 'second:' (the issuer's subject prefix; ` +
        `see GET /v1/whoami's principal)"`,
    );
    const patched = await boss.patch('/v1/clusters/gcp.stg', { controllerSubjects: ['second:ctl', 'third:ctl'] });
    expect(patched.status).toBe(200);
    expect(patched.headers.get('warning')).toMatch(/^299 - "controller subject 'third:ctl' can never match/);
    expect(
      (await boss.patch('/v1/clusters/gcp.stg', { controllerSubjects: ['second:ctl'] })).headers.get('warning'),
    ).toBeNull();

    // A pattern may reach a prefix through its glob: `*:deploy` and `fir*:x` can match `first:…`, `repo:*` cannot.
    const app = await boss.post('/v1/apps', {
      name: 'warned',
      ownerGroups: ['team'],
      deployers: ['*:deploy', 'fir*:x', 'first:repo:*', 'repo:acme/*'],
    });
    expect(app.status).toBe(201);
    const warning = app.headers.get('warning') ?? '';
    expect(warning).toMatch(/^299 - "deployer pattern 'repo:acme\/\*' can never match a caller/);
    expect(warning.match(/299 - /g)).toHaveLength(1);
    const quiet = await boss.patch('/v1/apps/warned', { deployers: ['second:repo:*'] });
    expect(quiet.status).toBe(200);
    expect(quiet.headers.get('warning')).toBeNull();
  });

  it('whoami and the audit trail name the principal', async () => {
    const who = await (await as(second, 'ctl')).get('/v1/whoami');
    expect(who.body).toMatchObject({ subject: 'ctl', issuer: 'https://second.test.example', principal: 'second:ctl' });
    const boss = await as(first, 'alice', [ADMIN_GROUP]);
    const events = (await boss.get('/v1/audit?app=myapp')).body.items as Record<string, unknown>[];
    expect(events).toContainEqual(expect.objectContaining({ actor: 'second:ctl', result: 'denied' }));
    expect(events).toContainEqual(expect.objectContaining({ actor: 'first:ctl', action: 'secretid.issue' }));
  });
});
