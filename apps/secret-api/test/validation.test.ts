/**
 * Bad input is a clear 4xx problem+json and changes nothing: no database row, no Vault write.
 * Authentication comes first (401), then validation (400), then existence (404), then authorization (403).
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient, ApiReply } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

function rawRequest(
  method: string,
  path: string,
  token?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const url = new URL(stack.api.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { ...headers, ...(token && { Authorization: `Bearer ${token}` }) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

let stack: Stack;
let admin: ApiClient;
let auditFile: string;

async function vaultWriteCount(): Promise<number> {
  return (await readFile(auditFile, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; request: { operation: string } })
    .filter((e) => e.type === 'request' && ['create', 'update', 'delete'].includes(e.request.operation)).length;
}

function expectProblem(reply: ApiReply, status: number) {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({
    status,
    type: expect.stringMatching(/^urn:secret-api:problem:/),
    title: expect.any(String),
  });
  expect(typeof reply.body.detail).toBe('string');
  expect(reply.text).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack trace
}

beforeAll(async () => {
  stack = await startStack('validation');
  auditFile = join(tmpdir(), `vault-audit-${randomBytes(4).toString('hex')}.log`);
  await stack.vaultCall('POST', 'sys/audit/file', { type: 'file', options: { file_path: auditFile } });
  admin = await stack.admin();
  expect((await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: ['ctl'] })).status).toBe(201);
  expect((await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] })).status).toBe(201);
});
afterAll(async () => stack?.close());

const label = (name: string) => (name.length > 40 ? `${name.slice(0, 10)}… (${name.length} chars)` : name);
const BAD_APP_NAMES = [
  '../sys',
  'a.b',
  'MyApp',
  'my_app',
  '-app',
  'app-',
  'global',
  'project',
  'cluster',
  'a'.repeat(64),
  'x'.repeat(10_000),
  'app%00',
  'app*',
  'app+x',
  ' app',
];
const BAD_CLUSTER_NAMES = [
  'aws',
  'aws.stg.x',
  'AWS.stg',
  '../sys',
  'aws..stg',
  'aws/stg',
  '.stg',
  'aws.',
  'x'.repeat(10_000),
];

describe('names', () => {
  it.each(BAD_APP_NAMES.map((n) => [label(n), n]))(
    'app name %j in a path is a 400 and writes nothing to Vault',
    async (_l, name) => {
      const before = await vaultWriteCount();
      const reply = await admin.put(`/v1/apps/${encodeURIComponent(name)}/clusters/aws.stg/approle`);
      expectProblem(reply, 400);
      expect(reply.body.errors[0].path).toBe('/params/app');
      expect(await vaultWriteCount()).toBe(before);
    },
  );

  it.each(BAD_APP_NAMES.map((n) => [label(n), n]))(
    'app name %j in a create body is a 400 naming /body/name',
    async (_l, name) => {
      const reply = await admin.post('/v1/apps', { name, ownerGroups: ['team'] });
      expectProblem(reply, 400);
      expect(reply.body.errors.map((e: { path: string }) => e.path)).toContain('/body/name');
    },
  );

  it.each(BAD_CLUSTER_NAMES.map((n) => [label(n), n]))(
    'cluster name %j is a 400 in a path and in a body',
    async (_l, name) => {
      expectProblem(await admin.put(`/v1/apps/myapp/clusters/${encodeURIComponent(name)}/approle`), 400);
      const reply = await admin.post('/v1/clusters', { name, controllerSubjects: ['ctl'] });
      expectProblem(reply, 400);
      expect(reply.body.errors[0].path).toBe('/body/name');
    },
  );

  it('a ".." segment never reaches a route: HTTP clients resolve it, and what is left matches nothing', async () => {
    const before = await vaultWriteCount();
    expectProblem(await admin.put('/v1/apps/../clusters/aws.stg/approle'), 404);
    // fetch would resolve %2E%2E too (WHATWG URL); a raw request sends it as is, and is refused before routing.
    const raw = await rawRequest('PUT', '/v1/apps/%2E%2E/clusters/aws.stg/approle', admin.token);
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.body).detail).toContain("'.' or '..' segment");
    for (const path of [
      '/v1/apps/../clusters/aws.stg/approle',
      '/v1/apps/myapp/./approle',
      '/v1/apps/.%2e/x',
      '/v1/apps/.',
    ]) {
      const literal = await rawRequest('PUT', path, admin.token);
      expect(literal.status, path).toBe(400);
      expect(JSON.parse(literal.body).detail).toContain("'.' or '..' segment");
    }
    expect(await vaultWriteCount()).toBe(before);
  });

  it('a malformed name is a 400 even for a caller who may not touch the app', async () => {
    const nobody = await stack.as('nobody@example.com');
    expectProblem(await nobody.put('/v1/apps/..%2Fsys/clusters/aws.stg/approle'), 400);
  });

  it('a malformed percent-escape in the path is a 400', async () => {
    expectProblem(await admin.get('/v1/apps/%E0%A4%A'), 400);
  });
});

describe('bodies', () => {
  const cases: [string, unknown, string][] = [
    ['ownerGroups not an array', { name: 'x1', ownerGroups: 'team' }, '/body/ownerGroups'],
    ['ownerGroups empty', { name: 'x1', ownerGroups: [] }, '/body/ownerGroups'],
    ['ownerGroups of numbers', { name: 'x1', ownerGroups: [1] }, '/body/ownerGroups/0'],
    ['name a number', { name: 42, ownerGroups: ['t'] }, '/body/name'],
    ['unknown field', { name: 'x1', ownerGroups: ['t'], owner: 'me' }, '/body/owner'],
    ['duplicate groups', { name: 'x1', ownerGroups: ['t', 't'] }, '/body/ownerGroups'],
    ['group with a star', { name: 'x1', ownerGroups: ['t*'] }, '/body/ownerGroups/0'],
    ['deployer with a space', { name: 'x1', ownerGroups: ['t'], deployers: ['a b'] }, '/body/deployers/0'],
    ['missing name', { ownerGroups: ['t'] }, '/body/name'],
  ];
  it.each(cases)('POST /v1/apps with %s is a 400 listing the field', async (_label, body, path) => {
    const reply = await admin.post('/v1/apps', body);
    expectProblem(reply, 400);
    expect(reply.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect((await admin.get('/v1/apps/x1')).status).toBe(404);
  });

  it('one problem with a field is one entry of errors[], however many of its checks it fails', async () => {
    const replies = [
      await admin.post('/v1/apps', { name: 'a'.repeat(70), ownerGroups: [''] }),
      await admin.put('/v1/scopes/global/secrets/BIG', { value: 'x'.repeat(400_000) }),
      await admin.get('/v1/audit?since=garbage'),
    ];
    for (const reply of replies) {
      expectProblem(reply, 400);
      const paths = reply.body.errors.map((e: { path: string }) => e.path);
      expect(paths).toEqual([...new Set(paths)]);
    }
    expect(replies[0]!.body.errors).toHaveLength(2); // the name and the group
    expect(replies[1]!.body.detail).toBe('/body/value: secret value must be at most 65536 bytes');
    expect(replies[2]!.body.errors).toHaveLength(1);
  });

  it("what Node's HTTP parser refuses is answered as problem+json too: 431 for huge headers, 400 for a control byte", async () => {
    const { hostname, port } = new URL(stack.api.url);
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), hostname);
        let text = '';
        socket.on('data', (c) => (text += c.toString('latin1')));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
        socket.end(request);
      });
    for (const [request, status, type] of [
      [`GET /v1/whoami HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
      ['GET /v1/whoami HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n', 400, 'bad_request'],
    ] as const) {
      const answer = await raw(request);
      expect(answer.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
      expect(answer).toContain('Content-Type: application/problem+json');
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
      expect(body).toMatchObject({ status, type: `urn:secret-api:problem:${type}` });
    }
  });

  it('a body that is not JSON is a 400; a body of another media type is a 415', async () => {
    expectProblem(
      await admin.call('POST', '/v1/apps', { rawBody: '{"name": ', headers: { 'Content-Type': 'application/json' } }),
      400,
    );
    expectProblem(
      await admin.call('POST', '/v1/apps', {
        rawBody: 'name=x',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }),
      415,
    );
  });

  it('a missing body where one is required is a 400', async () => {
    const reply = await admin.call('POST', '/v1/apps');
    expectProblem(reply, 400);
    expect(reply.body.errors[0].path).toBe('/body');
  });

  it('an oversized body is a 413', async () => {
    expectProblem(await admin.post('/v1/apps', { name: 'big', ownerGroups: ['x'.repeat(600 * 1024)] }), 413);
  });

  it('a secret-id body with a bad CIDR or unknown metadata is a 400 and mints nothing', async () => {
    await admin.put('/v1/apps/myapp/clusters/aws.stg/approle');
    const controller = await stack.as('ctl');
    const before = await vaultWriteCount();
    expectProblem(
      await controller.post('/v1/apps/myapp/clusters/aws.stg/secret-id', { cidrList: ['10.0.0.0/33'] }),
      400,
    );
    expectProblem(
      await controller.post('/v1/apps/myapp/clusters/aws.stg/secret-id', { metadata: { pod: 'Bad Pod' } }),
      400,
    );
    expectProblem(
      await controller.post('/v1/apps/myapp/clusters/aws.stg/secret-id', { metadata: { owner: 'x' } }),
      400,
    );
    expect(await vaultWriteCount()).toBe(before);
  });

  it('PATCH with nothing to change is a 400', async () => {
    expectProblem(await admin.patch('/v1/apps/myapp', {}), 400);
  });

  it('a conflicting create is a 409', async () => {
    expectProblem(await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] }), 409);
    expectProblem(await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: ['ctl'] }), 409);
  });

  it('list queries are validated', async () => {
    expectProblem(await admin.get('/v1/apps?limit=0'), 400);
    expectProblem(await admin.get('/v1/apps?limit=abc'), 400);
    expectProblem(await admin.get('/v1/apps?cursor=%2F%2F'), 400);
    expectProblem(await admin.get('/v1/apps?bogus=1'), 400);
  });
});

describe('routing', () => {
  it('an unknown route is a 404 problem; a known path with another method is a 405 with Allow', async () => {
    expectProblem(await admin.get('/v1/nope'), 404);
    expectProblem(await stack.client.get('/nope'), 404);
    const reply = await admin.call('PUT', '/v1/apps');
    expectProblem(reply, 405);
    expect(reply.headers.get('allow')).toBe('GET, HEAD, POST');
  });

  it('paths are case-sensitive', async () => {
    expectProblem(await admin.get('/V1/APPS'), 404);
  });

  it('any other method on a known path is a 405, even one the API never uses', async () => {
    for (const method of ['PATCH', 'OPTIONS', 'PROPFIND', 'TRACE']) {
      const reply = await rawRequest(method, '/v1/apps/myapp/clusters/aws.stg/approle', admin.token);
      expect(reply.status, `${method}: ${reply.body}`).toBe(405);
    }
    const reply = await admin.call('DELETE', '/v1/apps/myapp/clusters/aws.stg/secret-id');
    expectProblem(reply, 405);
    expect(reply.headers.get('allow')).toBe('POST');
  });

  it('HEAD is answered wherever GET is, without a body', async () => {
    const head = await rawRequest('HEAD', '/v1/apps/myapp', admin.token);
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    const get = await rawRequest('GET', '/v1/apps/myapp', admin.token);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(get.body)));
    expect(head.headers['content-type']).toBe('application/json; charset=utf-8');
    expect((await rawRequest('HEAD', '/v1/apps/nope', admin.token)).status).toBe(404);
  });

  it('every answer carries its request id and may not be cached: operations, errors, docs and unknown paths', async () => {
    const answers = [
      await rawRequest('GET', '/v1/apps/myapp', admin.token),
      await rawRequest('GET', '/v1/apps/nope', admin.token),
      await rawRequest('PUT', '/v1/apps', admin.token),
      await rawRequest('GET', '/v1/apps/%2e%2e', admin.token),
      await rawRequest('GET', '/nope'),
      await rawRequest('GET', '/docs'),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 404, 405, 400, 404, 200]);
    for (const answer of answers) {
      expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
    for (const problem of answers.slice(1, 5)) {
      expect(problem.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(JSON.parse(problem.body).requestId).toBe(problem.headers['x-request-id']);
    }
  });

  it('a request target in absolute form is routed by its path; an odd one is an answer, never a crash', async () => {
    const absolute = await rawRequest('GET', 'http://api.example/v1/apps/myapp', admin.token);
    expect(absolute.status).toBe(200);
    expect(JSON.parse(absolute.body)).toMatchObject({ name: 'myapp' });
    for (const target of [
      'http://[::1',
      'http://%zz/v1/apps',
      '*',
      'http://a:b@/v1/apps/myapp?x=%',
      '/v1/apps?%zz=1&a[b]=c',
    ]) {
      const reply = await rawRequest('GET', target, admin.token);
      expect(reply.status, `${target}: ${reply.body}`).toBeGreaterThanOrEqual(200);
      expect(reply.status, `${target}: ${reply.body}`).toBeLessThan(500);
    }
    expect((await stack.client.get('/healthz')).status).toBe(200);
  });

  it("a GET whose If-None-Match names the answer's ETag is a 304 without a body", async () => {
    const first = await rawRequest('GET', '/v1/apps/myapp', admin.token);
    const etag = first.headers['etag'] as string;
    expect(etag).toBeTruthy();
    const again = await rawRequest('GET', '/v1/apps/myapp', admin.token, { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers['etag']).toBe(etag);
    const other = await rawRequest('GET', '/v1/apps/myapp', admin.token, { 'If-None-Match': '"other"' });
    expect(other.status).toBe(200);
  });

  it('a trailing slash names the same resource; an empty segment names none', async () => {
    expect((await admin.get('/v1/apps/myapp/')).body).toMatchObject({ name: 'myapp' });
    expect((await admin.get('/v1/apps/')).status).toBe(200);
    expectProblem(await admin.get('/v1/apps//clusters/aws.stg/approle'), 404);
    expectProblem(await admin.get('/v1/apps/myapp//'), 404);
  });

  it('path parameters are percent-decoded before validation, and a long one is a 400 naming it', async () => {
    expect((await admin.get('/v1/apps/my%61pp')).body).toMatchObject({ name: 'myapp' });
    const slash = await admin.get('/v1/apps/my%2Fapp');
    expectProblem(slash, 400);
    expect(JSON.stringify(slash.body.errors)).toContain('/params/app');
    const long = await admin.get(`/v1/apps/${'a'.repeat(5000)}`);
    expectProblem(long, 400);
    expect(JSON.stringify(long.body.errors)).toContain('/params/app');
  });
});

describe('pagination', () => {
  it('lists page with a cursor until there is no nextCursor', async () => {
    for (const n of ['pa', 'pb', 'pc', 'pd', 'pe']) await admin.post('/v1/apps', { name: n, ownerGroups: ['t'] });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const reply = await admin.get(`/v1/apps?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(reply.status).toBe(200);
      expect(reply.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...reply.body.items.map((a: { name: string }) => a.name));
      cursor = reply.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining(['myapp', 'pa', 'pb', 'pc', 'pd', 'pe']));
    expect(new Set(seen).size).toBe(seen.length);
  });
});
