/**
 * Text arrives as it will be stored, or is refused. A body that is not valid UTF-8, or whose JSON escapes
 * spell a lone UTF-16 surrogate, used to be decoded with U+FFFD in place of the bad bytes and answered 200: a
 * secret value was written to Vault as something other than what was sent. Every route with a body now
 * answers 400 and changes nothing, compressed or not.
 */
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../src/app.js';
import type { ApiClient } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let admin: ApiClient;
let revealer: ApiClient;

/** Sends `body` as written: no client re-encodes it. */
function send(method: string, path: string, body: Buffer, headers: Record<string, string> = {}) {
  const url = new URL(stack.api.url);
  return new Promise<{ status: number; type: string | undefined; json: Record<string, unknown> }>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${admin.token}`, ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            type: res.headers['content-type'],
            json: text ? JSON.parse(text) : {},
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  stack = await startStack('request_text');
  admin = await stack.admin();
  revealer = await stack.as('rita@example.com', ['team']);
  expect((await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: ['ctl'] })).status).toBe(201);
  expect((await admin.post('/v1/apps', { name: 'myapp', ownerGroups: ['team'], revealGroups: ['team'] })).status).toBe(
    201,
  );
  expect((await admin.put('/v1/apps/myapp/secrets/DB_PASSWORD', { value: 'before' })).status).toBe(200);
});
afterAll(async () => stack?.close());

const fill = (path: string) =>
  path.replace(':app', 'myapp').replace(':cluster', 'aws.stg').replace(':cloud', 'aws').replace(':key', 'DB_PASSWORD');
const bodyRoutes = OPERATIONS.filter((op) => op.route.auth && op.route.body !== undefined).map((op) => op.route);

/** `{"value":"ab<0xff 0xfe>cd"}`: JSON whose string holds two bytes no UTF-8 text has. */
const notUtf8 = Buffer.concat([Buffer.from('{"value":"ab'), Buffer.from([0xff, 0xfe]), Buffer.from('cd"}')]);

const current = async () => (await revealer.get('/v1/apps/myapp/secrets/DB_PASSWORD?reveal=true')).body;

describe('a body that is not valid UTF-8 is a 400 on every route with a body', () => {
  for (const route of bodyRoutes) {
    it(`${route.method} ${route.path}`, async () => {
      const reply = await send(route.method, fill(route.path), notUtf8);
      expect(reply.status, JSON.stringify(reply.json)).toBe(400);
      expect(reply.type).toMatch(/^application\/problem\+json/);
      expect(reply.json.detail).toBe('the request body is not valid UTF-8');
    });
  }

  it('also when it arrives gzip-compressed, and the secret keeps its value', async () => {
    const reply = await send('PUT', '/v1/apps/myapp/secrets/DB_PASSWORD', gzipSync(notUtf8), {
      'Content-Encoding': 'gzip',
    });
    expect(reply.status).toBe(400);
    expect(await current()).toMatchObject({ value: 'before', version: 1 });
  });

  it('UTF-8 encoded surrogates (CESU-8) are not UTF-8 either', async () => {
    const cesu = Buffer.concat([Buffer.from('{"value":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]);
    expect((await send('PUT', '/v1/apps/myapp/secrets/DB_PASSWORD', cesu)).status).toBe(400);
    expect(await current()).toMatchObject({ value: 'before', version: 1 });
  });
});

describe('a lone surrogate spelled as a JSON escape is a 400', () => {
  it.each([
    ['a value', '{"value":"x\\ud800y"}'],
    ['a value ending in a high surrogate', '{"value":"x\\uD83D"}'],
    ['a low surrogate first', '{"value":"\\udc00\\ud800"}'],
    ['a comment', '{"value":"ok","comment":"why \\udfff"}'],
    ['an object key', '{"value":"ok","\\ud800":1}'],
  ])('in %s, and nothing is written', async (_name, body) => {
    const reply = await send('PUT', '/v1/apps/myapp/secrets/DB_PASSWORD', Buffer.from(body));
    expect(reply.status, JSON.stringify(reply.json)).toBe(400);
    expect(String(reply.json.detail)).toContain('lone UTF-16 surrogate');
    expect(await current()).toMatchObject({ value: 'before', version: 1 });
  });

  it('in a body of another route too', async () => {
    const reply = await send('POST', '/v1/apps', Buffer.from('{"name":"zz","ownerGroups":["t\\ud800"]}'));
    expect(reply.status).toBe(400);
    expect((await admin.get('/v1/apps/zz')).status).toBe(404);
  });
});

describe('text that is valid stays byte for byte what was sent', () => {
  it('a surrogate pair spelled as escapes is one character, stored as such', async () => {
    const reply = await send('PUT', '/v1/apps/myapp/secrets/EMOJI', Buffer.from('{"value":"k\\ud83d\\ude00y"}'));
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    expect((await revealer.get('/v1/apps/myapp/secrets/EMOJI?reveal=true')).body.value).toBe('k😀y');
  });

  it('as is text that merely looks like an escape, and multi-byte UTF-8', async () => {
    const value = 'literal \\ud800, ünïcødé, 漢字, 😀';
    const reply = await send('PUT', '/v1/apps/myapp/secrets/LOOKALIKE', Buffer.from(JSON.stringify({ value })));
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    expect((await revealer.get('/v1/apps/myapp/secrets/LOOKALIKE?reveal=true')).body.value).toBe(value);
  });
});

describe('a member named twice in one object is a 400 (RFC 8259 §4: its meaning is up to the parser)', () => {
  it.each([
    ['the value', '{"value":"a","value":"b"}', 'value'],
    ['spelled with an escape', '{"value":"a","\\u0076alue":"b"}', 'value'],
    ['after other members', '{"cas":1,"comment":"x","value":"a","cas":2}', 'cas'],
  ])('%s, and nothing is written', async (_name, body, member) => {
    const reply = await send('PUT', '/v1/apps/myapp/secrets/DB_PASSWORD', Buffer.from(body));
    expect(reply.status, JSON.stringify(reply.json)).toBe(400);
    expect(String(reply.json.detail)).toContain(`the member "${member}" twice in one object`);
    expect(await current()).toMatchObject({ value: 'before', version: 1 });
  });

  it('on every route with a body, nested objects included; the same name in two objects is fine', async () => {
    const twiceNested = Buffer.from('{"name":"dup","ownerGroups":["t"],"x":{"a":1,"a":2}}');
    expect((await send('POST', '/v1/apps', twiceNested)).json.detail).toContain('"a" twice');
    const apart = await send('POST', '/v1/clusters', Buffer.from('{"name":"aws.dup","controllerSubjects":["x"]}'));
    expect(apart.status, JSON.stringify(apart.json)).toBe(201);
    const sameNameApart = Buffer.from('{"cidrList":["127.0.0.1/32"],"metadata":{"pod":"p","namespace":"n"}}');
    const secretId = await send('POST', '/v1/apps/myapp/clusters/aws.stg/secret-id', sameNameApart);
    expect(secretId.status).not.toBe(400);
  });
});
