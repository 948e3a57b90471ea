/** Every token problem is a 401 problem+json over HTTP, and a 401 comes before any other check. */
import { createHmac } from 'node:crypto';
import { SignJWT, exportSPKI, importJWK, base64url, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalIssuer } from '../src/auth/local-issuer.js';
import type { ApiReply } from './support/http.js';
import { ADMIN_GROUP, AUDIENCE, ISSUER, startStack, type Stack } from './support/stack.js';

let stack: Stack;
let stranger: LocalIssuer;

beforeAll(async () => {
  stack = await startStack('authn');
  stranger = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE });
});
afterAll(async () => stack?.close());

const now = () => Math.floor(Date.now() / 1000);
const ADMIN = { sub: 'alice@example.com', groups: [ADMIN_GROUP] };

/** RFC 7235 §4.1 with RFC 6750 §3's auth-params: quoted values of printable ASCII without `"` or `\`. */
const BEARER_CHALLENGE = /^Bearer realm="[^"\\]*"(, (error|error_description)="[\x20\x21\x23-\x5b\x5d-\x7e]*")*$/;

function expect401(reply: ApiReply, detail?: RegExp) {
  expect(reply.status, reply.text).toBe(401);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.headers.get('www-authenticate')).toMatch(BEARER_CHALLENGE);
  expect(reply.body).toMatchObject({ status: 401, type: 'urn:secret-api:problem:unauthenticated' });
  if (detail) expect(reply.body.detail).toMatch(detail);
}

async function hs256WithPublicKey(): Promise<string> {
  const pem = await exportSPKI((await importJWK(stack.issuer.publicJwk, 'ES256', { extractable: true })) as CryptoKey);
  const header = base64url.encode(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: stack.issuer.kid }));
  const payload = base64url.encode(JSON.stringify({ ...ADMIN, iss: ISSUER, aud: AUDIENCE, exp: now() + 600 }));
  const mac = createHmac('sha256', pem).update(`${header}.${payload}`).digest();
  return `${header}.${payload}.${base64url.encode(mac)}`;
}

const ATTACKS: [string, () => Promise<string>, RegExp][] = [
  ['an expired token', () => stack.issuer.sign(ADMIN, { expiresAt: now() - 3600 }), /expired/],
  ['a token not yet valid', () => stack.issuer.sign(ADMIN, { notBefore: now() + 3600 }), /not yet valid/],
  ['a token from an untrusted issuer', () => stack.issuer.sign(ADMIN, { issuer: 'https://evil.example' }), /issuer/],
  ['a token for another audience', () => stack.issuer.sign(ADMIN, { audience: 'another-api' }), /audience/],
  [
    'an unsigned token (alg none)',
    async () => {
      const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
      const payload = base64url.encode(JSON.stringify({ ...ADMIN, iss: ISSUER, aud: AUDIENCE, exp: now() + 600 }));
      return `${header}.${payload}.`;
    },
    /./,
  ],
  ['an HS256 token signed with the public key', hs256WithPublicKey, /./],
  ['a token signed by an unknown key', () => stranger.sign(ADMIN), /key/],
  [
    'a token with an unknown kid',
    async () =>
      new SignJWT({ groups: ADMIN.groups })
        .setProtectedHeader({ alg: 'ES256', kid: 'no-such-kid' })
        .setSubject(ADMIN.sub)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('10m')
        .sign(stranger.privateKey),
    /key/,
  ],
  [
    'a tampered payload',
    async () => {
      const [h, , s] = (await stack.issuer.sign({ sub: 'bob@example.com', groups: [] })).split('.');
      const forged = base64url.encode(JSON.stringify({ ...ADMIN, iss: ISSUER, aud: AUDIENCE, exp: now() + 600 }));
      return `${h}.${forged}.${s}`;
    },
    /signature/,
  ],
  ['a token without the groups claim', () => stack.issuer.sign({ sub: 'bob@example.com' }), /groups/],
  [
    'a token whose groups claim is not a list',
    () => stack.issuer.sign({ sub: 'bob@example.com', groups: 'admins' as never }),
    /groups/,
  ],
  [
    'a token without exp',
    async () => {
      return new SignJWT({ groups: ADMIN.groups })
        .setProtectedHeader({ alg: 'ES256', kid: stack.issuer.kid, typ: 'JWT' })
        .setSubject(ADMIN.sub)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .sign(stack.issuer.privateKey);
    },
    /exp/,
  ],
  ['garbage', async () => 'not-a-jwt', /malformed/],
];

describe('JWT attacks', () => {
  it.each(ATTACKS)('%s is refused with 401', async (_name, make, detail) => {
    const token = await make();
    expect401(await stack.client.get('/v1/whoami', { token }), detail);
    // Even where the body is invalid and the app does not exist: authentication is checked first.
    expect401(await stack.client.post('/v1/apps', { name: 'BAD NAME' }, { token }));
    expect401(await stack.client.put('/v1/apps/no-such/clusters/aws.stg/approle', undefined, { token }));
  });

  it('no token, an empty one, or another scheme is a 401', async () => {
    expect401(await stack.client.get('/v1/apps'));
    expect401(await stack.client.get('/v1/apps', { headers: { Authorization: 'Bearer ' } }));
    expect401(await stack.client.get('/v1/apps', { headers: { Authorization: `Basic ${btoa('a:b')}` } }));
  });

  it('the challenge names an error only when Bearer credentials were sent (RFC 6750 §3.1)', async () => {
    const none = await stack.client.get('/v1/apps');
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="secret-api"');
    const basic = await stack.client.get('/v1/apps', { headers: { Authorization: `Basic ${btoa('a:b')}` } });
    expect(basic.headers.get('www-authenticate')).toBe('Bearer realm="secret-api"');
    const refused = await stack.client.get('/v1/apps', { token: 'not-a-jwt' });
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer realm="secret-api", error="invalid_token", /);
  });

  it('which routes and methods exist is for authenticated callers: 401 first, then 404 or 405', async () => {
    expect401(await stack.client.get('/v1/no-such-route'));
    expect401(await stack.client.call('OPTIONS', '/v1/apps/myapp/secrets'));
    expect401(await stack.client.call('DELETE', '/v1/whoami'));
    const token = await stack.issuer.sign(ADMIN);
    expect((await stack.client.get('/v1/no-such-route', { token })).status).toBe(404);
    const options = await stack.client.call('OPTIONS', '/v1/apps/myapp/secrets', { token });
    expect(options.status).toBe(405);
    expect(options.headers.get('allow')).toContain('GET');
    // Outside /v1 (probes, metrics, documents) no caller is needed.
    expect((await stack.client.get('/no-such-page')).status).toBe(404);
    const post = await stack.client.call('POST', '/healthz');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toContain('GET');
  });

  it('a token refused never shows up in the response or the logs', async () => {
    const token = await stack.issuer.sign(ADMIN, { audience: 'another-api' });
    const reply = await stack.client.get('/v1/whoami', { token });
    expect(reply.text).not.toContain(token);
    expect(JSON.stringify(stack.logs)).not.toContain(token.split('.')[2]);
  });

  it('a good token within the clock skew is accepted', async () => {
    const token = await stack.issuer.sign(ADMIN, { notBefore: now() + 10 });
    expect((await stack.client.get('/v1/whoami', { token })).status).toBe(200);
  });

  it('the operational routes need no token', async () => {
    expect((await stack.client.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await stack.client.get('/readyz')).body).toEqual({ status: 'ok', checks: { database: 'ok', vault: 'ok' } });
    expect((await stack.client.get('/openapi.json')).body.openapi).toBe('3.1.0');
    const metrics = await stack.client.get('/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(metrics.text).toContain('secret_api_http_requests_total');
  });
});
