/**
 * §0 cross-cutting HTTP behaviour, through real HTTP against a started vault-dev.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { MULTI_INVALID_TOKEN, MULTI_PERMISSION_DENIED, useVaultDev } from './support/vault.js';

const ctx = useVaultDev();

function rawRequest(address: string, payload: string | Buffer): Promise<string> {
  const { hostname, port } = new URL(address);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.end(payload));
    let out = '';
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

describe('envelopes and status codes', () => {
  it('a successful read has the full envelope, a UUID request_id and Cache-Control: no-store', async () => {
    await ctx.client.post('secret/data/env', { data: { a: '1' } });
    const r = await ctx.client.get('secret/data/env');
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(Object.keys(r.body)).toEqual([
      'request_id',
      'lease_id',
      'renewable',
      'lease_duration',
      'data',
      'wrap_info',
      'warnings',
      'auth',
      'mount_type',
    ]);
    expect(r.body.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body.mount_type).toBe('kv');
  });

  it('a write with nothing to return is 204 with an empty body and still JSON content type', async () => {
    const r = await ctx.client.put('sys/policies/acl/envelope-test', {
      policy: 'path "x" { capabilities = ["read"] }',
    });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect(r.headers.get('content-type')).toBe('application/json');
  });

  it('reading something missing is 404 with an empty errors list', async () => {
    const r = await ctx.client.get('secret/data/does-not-exist');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ errors: [] });
  });

  it('an empty LIST is 404 with an empty errors list', async () => {
    const r = await ctx.client.list('secret/metadata/nothing-here');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ errors: [] });
  });

  it('LIST and GET ?list=true are the same operation', async () => {
    await ctx.client.post('secret/data/listing/a', { data: { v: '1' } });
    const viaList = await ctx.client.list('secret/metadata/listing');
    const viaGet = await ctx.client.get('secret/metadata/listing?list=true');
    expect(viaList.status).toBe(200);
    expect(viaList.body.data.keys).toEqual(['a']);
    expect(viaGet.body.data.keys).toEqual(['a']);
  });

  it('a raw LIST request line is accepted (Node rejects unknown methods by default)', async () => {
    const reply = await rawRequest(
      ctx.vault.address,
      `LIST /v1/sys/policies/acl HTTP/1.1\r\nHost: x\r\nX-Vault-Token: root\r\nConnection: close\r\n\r\n`,
    );
    expect(reply.startsWith('HTTP/1.1 200')).toBe(true);
    expect(reply).toContain('"keys"');
  });

  it('an unparsable ?list value is a 400', async () => {
    const r = await ctx.client.get('secret/metadata/?list=maybe');
    expect(r.status).toBe(400);
  });

  it('unknown parameters are ignored with a warning, turning a 204 into a 200', async () => {
    const r = await ctx.client.post('auth/token/create', { policies: ['default'], bogus_b: 1, bogus_a: 2 });
    expect(r.status).toBe(200);
    expect(r.body.warnings).toContain('Endpoint ignored these unrecognized parameters: [bogus_a bogus_b]');
  });

  it('PATCH without application/merge-patch+json is a 415', async () => {
    const r = await ctx.client.call('PATCH', 'secret/data/env', { body: { data: { a: '2' } } });
    expect(r.status).toBe(415);
    expect(r.body.errors[0]).toContain('PATCH requires Content-Type of application/merge-patch+json');
  });

  it('an unsupported HTTP method is a 405', async () => {
    const r = await ctx.client.call('OPTIONS', 'secret/data/env');
    expect(r.status).toBe(405);
  });

  it('a path outside /v1/ is a 404 with an empty errors list', async () => {
    const res = await fetch(`${ctx.vault.address}/v2/whatever`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ errors: [] });
  });

  it('a path under no mount is 404 "no handler for route" for root', async () => {
    const r = await ctx.client.get('nomount/foo');
    expect(r.status).toBe(404);
    expect(r.body.errors[0]).toBe('no handler for route "nomount/foo". route entry not found.');
  });

  it('a path under no mount is 403 for a token without access (the ACL comes first)', async () => {
    const token = await ctx.client.tokenWith(['default']);
    const r = await ctx.client.get('nomount/foo', { token });
    expect(r.status).toBe(403);
  });

  it('a known mount with an unknown path is 404 unsupported path', async () => {
    const r = await ctx.client.get('auth/token/no-such-endpoint');
    expect(r.status).toBe(404);
    expect(r.body.errors[0]).toContain('unsupported path');
  });

  it('a known path with an unsupported operation is 405 unsupported operation', async () => {
    const r = await ctx.client.delete('auth/token/lookup-self');
    expect(r.status).toBe(405);
    expect(r.body.errors[0]).toContain('unsupported operation');
  });

  it('a field of the wrong type is a 400 naming the field', async () => {
    const r = await ctx.client.post('secret/metadata/typed', { max_versions: 'many' });
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toContain('Field validation failed: error converting input for field "max_versions"');
  });
});

describe('request bodies', () => {
  it('malformed JSON is a 400 "error parsing JSON" and the server keeps serving', async () => {
    const r = await ctx.client.call('POST', 'secret/data/x', {
      rawBody: '{"data": {',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual(['error parsing JSON']);
    expect((await ctx.client.get('sys/health')).status).toBe(200);
  });

  it('a JSON body is parsed whatever the Content-Type', async () => {
    const r = await ctx.client.call('POST', 'secret/data/ct', {
      rawBody: JSON.stringify({ data: { k: 'v' } }),
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(r.status).toBe(200);
    expect((await ctx.client.get('secret/data/ct')).body.data.data).toEqual({ k: 'v' });
  });

  it('a form body is parsed as a form when it does not look like JSON', async () => {
    const r = await ctx.client.call('POST', 'sys/policies/acl/formpol', {
      rawBody: new URLSearchParams({ policy: 'path "f" { capabilities = ["read"] }' }).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(r.status).toBe(204);
  });

  it('a body over 32 MiB is refused with 413 and the server keeps serving', async () => {
    const big = 'x'.repeat(33 * 1024 * 1024);
    const r = await ctx.client.call('POST', 'secret/data/big', {
      rawBody: big,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(r.status).toBe(413);
    expect((await ctx.client.get('sys/health')).status).toBe(200);
  });

  it('garbage on the socket does not take the server down', async () => {
    await rawRequest(ctx.vault.address, Buffer.from('\x00\x01\x02 garbage \r\n\r\n\r\n'));
    await rawRequest(ctx.vault.address, 'GET /v1/sys/health HTTP/1.1\r\nContent-Length: nope\r\n\r\n');
    expect((await ctx.client.get('sys/health')).status).toBe(200);
  });

  it('query parameters of a GET become request data', async () => {
    await ctx.client.post('secret/data/versions', { data: { n: '1' } });
    await ctx.client.post('secret/data/versions', { data: { n: '2' } });
    const r = await ctx.client.get('secret/data/versions?version=1');
    expect(r.body.data.data).toEqual({ n: '1' });
  });
});

describe('tokens on the wire', () => {
  it('no token at all is 403 "permission denied" without the multierror wrapper', async () => {
    const r = await ctx.client.get('secret/data/env', { token: null });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: ['permission denied'] });
  });

  it('a garbage token is 403 "permission denied" + "invalid token"', async () => {
    const r = await ctx.client.get('secret/data/env', { token: 'hvs.garbage' });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: [MULTI_INVALID_TOKEN] });
  });

  it('a token whose policy does not allow the operation is 403 multierror "permission denied"', async () => {
    const token = await ctx.client.tokenWith(['default']);
    const r = await ctx.client.get('secret/data/env', { token });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: [MULTI_PERMISSION_DENIED] });
  });

  it('Authorization: Bearer works, and X-Vault-Token wins when both are sent', async () => {
    const bearer = await fetch(`${ctx.vault.address}/v1/auth/token/lookup-self`, {
      headers: { Authorization: 'Bearer root' },
    });
    expect(bearer.status).toBe(200);
    const both = await fetch(`${ctx.vault.address}/v1/auth/token/lookup-self`, {
      headers: { Authorization: 'Bearer root', 'X-Vault-Token': 'hvs.bogus' },
    });
    expect(both.status).toBe(403);
  });

  it('X-Vault-Namespace is ignored for routing and echoed back', async () => {
    const r = await ctx.client.get('sys/mounts', { headers: { 'X-Vault-Namespace': 'team-a' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-vault-namespace')).toBe('team-a');
  });

  it('a negative X-Vault-Wrap-TTL is a 400', async () => {
    const r = await ctx.client.get('secret/data/env', { headers: { 'X-Vault-Wrap-TTL': '-5' } });
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toContain('requested wrap ttl cannot be negative');
  });

  it('a path with ".." never reaches a backend: it is redirected to its clean form, as Go\'s ServeMux does', async () => {
    // fetch would normalise "..", so send the request line as a client could.
    const reply = await rawRequest(
      ctx.vault.address,
      'GET /v1/secret/data/a/../b?x=1 HTTP/1.1\r\nHost: x\r\nX-Vault-Token: root\r\nConnection: close\r\n\r\n',
    );
    expect(reply.startsWith('HTTP/1.1 301')).toBe(true);
    expect(reply).toMatch(/\r\nLocation: \/v1\/secret\/data\/b\?x=1\r\n/i);
  });
});

describe('connections', () => {
  it("keeps an idle keep-alive connection for Vault's http_idle_timeout (5m), not Node's 5 s", async () => {
    const { hostname, port } = new URL(ctx.vault.address);
    const socket = net.connect(Number(port), hostname);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    let answer = '';
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.write('GET /v1/sys/health HTTP/1.1\r\nHost: vault\r\n\r\n');
    for (let i = 0; i < 200 && !answer.includes('\r\n\r\n'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(answer.toLowerCase()).toContain('keep-alive: timeout=300');
    socket.destroy();
    await closed;
  });
});
