/** /metrics tells the truth, /openapi.json and /docs describe the API, and logs never carry a secret. */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, routeKey } from '@secret-api/contract';
import { OPERATIONS } from '../src/app.js';
import type { ApiClient } from './support/http.js';
import { pollUntil } from './support/poll.js';
import { ADMIN_GROUP, startStack, type Stack } from './support/stack.js';

let stack: Stack;
let admin: ApiClient;

beforeAll(async () => {
  stack = await startStack('operability');
  admin = await stack.admin();
});
afterAll(async () => stack?.close());

function metric(text: string, name: string, labels: Record<string, string>): number {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('metrics', () => {
  it('count requests by route and status, ensures, SecretIDs, secret sets and Vault calls', async () => {
    const before = (await stack.client.get('/metrics')).text;
    await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: ['ctl'] });
    await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'] });
    await admin.put('/v1/apps/myapp/clusters/aws.stg/approle');
    await admin.put('/v1/apps/myapp/clusters/aws.stg/approle');
    await admin.get('/v1/apps/nope');
    await (await stack.as('ctl')).post('/v1/apps/myapp/clusters/aws.stg/secret-id');
    await admin.put('/v1/apps/myapp/secrets/KEY', { value: 'v' });
    const after = (await stack.client.get('/metrics')).text;

    const delta = (name: string, labels: Record<string, string>) =>
      metric(after, name, labels) - metric(before, name, labels);
    expect(
      delta('secret_api_http_requests_total', {
        route: '/v1/apps/:app/clusters/:cluster/approle',
        method: 'PUT',
        status: '200',
      }),
    ).toBe(2);
    expect(delta('secret_api_http_requests_total', { route: '/v1/apps/:app', method: 'GET', status: '404' })).toBe(1);
    expect(delta('secret_api_approle_ensures_total', { outcome: 'changed' })).toBe(1);
    expect(delta('secret_api_approle_ensures_total', { outcome: 'unchanged' })).toBe(1);
    expect(delta('secret_api_secret_ids_issued_total', { kind: 'wrapped', cluster: 'aws.stg' })).toBe(1);
    expect(delta('secret_api_secret_sets_total', { scope: 'app' })).toBe(1);
    expect(
      delta('secret_api_vault_request_duration_seconds_count', { area: 'secret/data', outcome: 'ok' }),
    ).toBeGreaterThan(0);
    expect(after).toContain('secret_api_http_request_duration_seconds_bucket');
  });
});

describe('OpenAPI', () => {
  it('every route of the contract is served, and nothing else', () => {
    expect(OPERATIONS.map((o) => routeKey(o.route)).sort()).toEqual(ROUTES.map(routeKey).sort());
  });

  it('documents every route the API serves, generated from the contract', async () => {
    const doc = (await stack.client.get('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(documented.sort()).toEqual(ROUTES.map(routeKey).sort());
  });

  it('has a browsable page at /docs that needs nothing from the internet', async () => {
    const page = await stack.client.get('/docs');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(assets.every((a) => a.startsWith('/docs/'))).toBe(true);
    for (const asset of assets) expect((await stack.client.get(asset)).status, asset).toBe(200);
    expect((await stack.client.get('/docs/init.js')).text).toContain('/openapi.json');
  });
});

describe('logs', () => {
  it('carry the request id and never a secret value, token, JWT or SecretID', async () => {
    const canary = 'canary-value-8d1f3e0b';
    const owner = await stack.as('bob@example.com', ['team-logs']);
    await admin.post('/v1/clusters', { name: 'gcp.prd', controllerSubjects: ['ctl-logs'] });
    await admin.post('/v1/apps', { name: 'logged', ownerGroups: ['team-logs'], revealGroups: ['team-logs'] });
    await owner.put('/v1/apps/logged/secrets/CANARY', { value: canary, comment: 'canary' });
    await owner.put('/v1/apps/logged/secrets/CANARY', { value: 'x'.repeat(70_000) });
    expect((await owner.get('/v1/apps/logged/secrets/CANARY?reveal=true')).body.value).toBe(canary);
    const ensured = await owner.put('/v1/apps/logged/clusters/gcp.prd/approle');
    const ctl = await stack.as('ctl-logs');
    const wrapped = await ctl.post('/v1/apps/logged/clusters/gcp.prd/secret-id', {});
    const token = await ctl.post('/v1/apps/logged/clusters/gcp.prd/secret-id-token');
    const unwrapped = await stack.vaultCall('POST', 'sys/wrapping/unwrap', undefined, wrapped.body.wrappingToken);
    await owner.put('/v1/apps/logged/secrets/CANARY', { value: 'bad', cas: 0 }); // a 409 is logged too

    const everything = JSON.stringify(stack.logs);
    for (const secret of [
      canary,
      wrapped.body.wrappingToken as string,
      token.body.token as string,
      unwrapped.body.data.secret_id as string,
      stack.env['VAULT_TOKEN'] as string,
    ]) {
      expect(everything).not.toContain(secret);
    }
    // JWTs: none of the signatures of the tokens used in this file.
    expect(everything).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
    const requestLines = stack.logs.filter((l) => l['msg'] === 'request');
    expect(requestLines.length).toBeGreaterThan(5);
    for (const l of requestLines) expect(typeof l['requestId']).toBe('string');
    expect(ensured.headers.get('x-request-id')).toBeTruthy();
    expect(requestLines.map((l) => l['requestId'])).toContain(ensured.headers.get('x-request-id'));
  });
});

describe('access log', () => {
  it('logs what people do at info, and what machines poll only when it fails', async () => {
    const cluster = await admin.post('/v1/clusters', { name: 'gcp.prd', controllerSubjects: ['ctl'] });
    expect([201, 409]).toContain(cluster.status);
    const polled = [
      await stack.client.get('/healthz'),
      await stack.client.get('/metrics'),
      await admin.get('/v1/clusters/gcp.prd/changes'),
    ];
    for (const r of polled) expect(r.status).toBe(200);
    const asked = await admin.get('/v1/whoami');
    expect(asked.status).toBe(200);
    const failedPoll = await admin.get('/v1/clusters/gcp.prd/changes?after=not-a-cursor');
    expect(failedPoll.status).toBe(400);

    const lines = (id: string | null) => stack.logs.filter((l) => l['msg'] === 'request' && l['requestId'] === id);
    for (const r of polled) expect(lines(r.headers.get('x-request-id'))).toEqual([]);
    expect(lines(asked.headers.get('x-request-id'))).toHaveLength(1);
    expect(lines(failedPoll.headers.get('x-request-id'))).toHaveLength(1);
  });

  it('logs a request its client abandoned before the answer, as status 499', async () => {
    const before = stack.logs.length;
    const { hostname, port } = new URL(stack.api.url);
    // A body announced and never sent in full: the client gives up while the API still reads it.
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const token = await stack.issuer.sign({ sub: 'alice@example.com', groups: [ADMIN_GROUP] });
    socket.write(`PUT /v1/scopes/global/secrets/K HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer ${token}\r\n`);
    socket.write('Content-Type: application/json\r\n');
    socket.write('Content-Length: 100\r\n\r\n{"value":');
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    const abandoned = await pollUntil(
      async () => stack.logs.slice(before).filter((l) => String(l['msg']).startsWith('request abandoned')),
      (found) => found.length > 0,
    );
    expect(abandoned).toHaveLength(1);
    expect(abandoned[0]).toMatchObject({ method: 'PUT', status: 499 });
  });
});
