import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TIssuerConfigInput } from './issuers.js';
import { AuthenticationError, checkIssuerKeys, IssuerUnavailableError, JwtVerifier } from './jwt-verifier.js';
import type { JwtVerifierOptions } from './jwt-verifier.js';
import { LocalIssuer } from './local-issuer.js';

const ISSUER = 'https://rotating.test';
const AUDIENCE = 'secret-api';

let dir: string;
const servers: Server[] = [];

function makeVerifier(issuers: TIssuerConfigInput[], options: Partial<JwtVerifierOptions> = {}): JwtVerifier {
  return new JwtVerifier({ issuers, groupsClaim: 'groups', clockSkewSeconds: 30, ...options });
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the token to be refused');
    },
    (err: unknown) => err,
  );
}

/** A JWKS endpoint on 127.0.0.1 whose answer the test can change; counts the fetches. */
async function jwksServer(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
}

function serveJson(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jwks-'));
});

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('key rotation through a jwksFile', () => {
  it('a new key is picked up when the file is rewritten, without restart', async () => {
    const first = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE, dir: join(dir, 'rot1') });
    const file = first.jwksPath ?? '';
    const verifier = makeVerifier([first.issuerConfig()], { jwksFileReloadIntervalMs: 0 });
    await expect(verifier.verify(await first.sign({ sub: 'a', groups: [] }))).resolves.toMatchObject({ subject: 'a' });

    const second = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE });
    await writeFile(file, JSON.stringify({ keys: [...first.jwks().keys, ...second.jwks().keys] }));
    await expect(verifier.verify(await second.sign({ sub: 'b', groups: [] }))).resolves.toMatchObject({ subject: 'b' });
    await expect(verifier.verify(await first.sign({ sub: 'a', groups: [] }))).resolves.toMatchObject({ subject: 'a' });

    // Retiring the old key: its tokens stop working once the file no longer lists it.
    await second.writeJwks(file);
    await expect(verifier.verify(await second.sign({ sub: 'b', groups: [] }, { kid: 'nudge' }))).rejects.toThrow(
      'token signing key is unknown',
    );
    await expect(verifier.verify(await first.sign({ sub: 'a', groups: [] }))).rejects.toThrow(
      'token signing key is unknown',
    );
  });

  it('the file is re-read at most once per interval, however many unknown kids arrive', async () => {
    const first = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE, dir: join(dir, 'rot2') });
    const verifier = makeVerifier([first.issuerConfig()], { jwksFileReloadIntervalMs: 60_000 });
    await verifier.verify(await first.sign({ sub: 'a', groups: [] }));
    const second = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE });
    await second.writeJwks(first.jwksPath ?? '');
    const error = await refusal(verifier.verify(await second.sign({ sub: 'b', groups: [] })));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).reason).toBe('token signing key is unknown');
    // The keys already loaded keep working in the meantime.
    await expect(verifier.verify(await first.sign({ sub: 'a', groups: [] }))).resolves.toMatchObject({ subject: 'a' });
  });

  it('a file broken during a rewrite keeps the old keys and reports the issuer unavailable for new kids', async () => {
    const first = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE, dir: join(dir, 'rot3') });
    const verifier = makeVerifier([first.issuerConfig()], { jwksFileReloadIntervalMs: 0 });
    await verifier.verify(await first.sign({ sub: 'a', groups: [] }));
    await writeFile(first.jwksPath ?? '', '{"keys": [{"kty": "EC", ');
    const error = await refusal(verifier.verify(await first.sign({ sub: 'a', groups: [] }, { kid: 'new' })));
    expect(error).toBeInstanceOf(IssuerUnavailableError);
    expect((error as Error).message).toMatch(/jwks\.json is not valid JSON/);
    await expect(verifier.verify(await first.sign({ sub: 'a', groups: [] }))).resolves.toMatchObject({ subject: 'a' });
  });
});

describe('key rotation through a jwksUri', () => {
  it('a token with a new kid makes the verifier fetch the JWKS again', async () => {
    const first = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE });
    const second = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE });
    let current = first.jwks();
    let fetches = 0;
    const jwksUri = await jwksServer((_req, res) => {
      fetches++;
      serveJson(res, current);
    });
    const verifier = makeVerifier([{ issuer: ISSUER, audience: AUDIENCE, jwksUri }], { jwksCooldownMs: 0 });
    await expect(verifier.verify(await first.sign({ sub: 'a', groups: [] }))).resolves.toMatchObject({ subject: 'a' });
    await verifier.verify(await first.sign({ sub: 'a', groups: [] }));
    expect(fetches).toBe(1);

    current = second.jwks();
    await expect(verifier.verify(await second.sign({ sub: 'b', groups: [] }))).resolves.toMatchObject({ subject: 'b' });
    expect(fetches).toBe(2);
  });

  it('within the cooldown an unknown kid does not trigger another fetch', async () => {
    const first = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE });
    let fetches = 0;
    const jwksUri = await jwksServer((_req, res) => {
      fetches++;
      serveJson(res, first.jwks());
    });
    const verifier = makeVerifier([{ issuer: ISSUER, audience: AUDIENCE, jwksUri }]);
    await verifier.verify(await first.sign({ sub: 'a', groups: [] }));
    for (let i = 0; i < 5; i++) {
      await expect(
        verifier.verify(await first.sign({ sub: 'a', groups: [] }, { kid: `made-up-${i}` })),
      ).rejects.toThrow('token signing key is unknown');
    }
    expect(fetches).toBe(1);
  });

  it('a kid still unknown after the refetch is refused as unknown', async () => {
    const first = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE });
    let fetches = 0;
    const jwksUri = await jwksServer((_req, res) => {
      fetches++;
      serveJson(res, first.jwks());
    });
    const verifier = makeVerifier([{ issuer: ISSUER, audience: AUDIENCE, jwksUri }], { jwksCooldownMs: 0 });
    await verifier.verify(await first.sign({ sub: 'a', groups: [] }));
    const error = await refusal(verifier.verify(await first.sign({ sub: 'a', groups: [] }, { kid: 'gone' })));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).reason).toBe('token signing key is unknown');
    expect(fetches).toBe(2);
  });

  it('symmetric and private keys served by the JWKS endpoint are ignored', async () => {
    const idp = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE });
    const leaked = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE });
    const leakedPrivate = { ...(await exportJWK(leaked.privateKey)), kid: leaked.kid, alg: 'ES256' };
    const jwksUri = await jwksServer((_req, res) =>
      serveJson(res, { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'h' }, leakedPrivate, ...idp.jwks().keys] }),
    );
    const verifier = makeVerifier([{ issuer: ISSUER, audience: AUDIENCE, jwksUri }], { jwksCooldownMs: 0 });
    await expect(verifier.verify(await idp.sign({ sub: 'a', groups: [] }))).resolves.toMatchObject({ subject: 'a' });
    await expect(verifier.verify(await leaked.sign({ sub: 'a', groups: [] }))).rejects.toThrow(
      'token signing key is unknown',
    );
  });
});

describe('an unavailable JWKS endpoint', () => {
  async function expectUnavailable(jwksUri: string, pattern: RegExp, options: Partial<JwtVerifierOptions> = {}) {
    const idp = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE });
    const verifier = makeVerifier([{ issuer: ISSUER, audience: AUDIENCE, jwksUri }], options);
    const error = await refusal(verifier.verify(await idp.sign({ sub: 'a', groups: [] })));
    expect(error).toBeInstanceOf(IssuerUnavailableError);
    expect((error as IssuerUnavailableError).issuer).toBe(ISSUER);
    expect((error as Error).message).toMatch(pattern);
  }

  it('a server that is down makes the issuer unavailable (503), not the token invalid', async () => {
    const jwksUri = await jwksServer(() => undefined);
    const server = servers.pop();
    await new Promise((resolve) => server?.close(resolve));
    await expectUnavailable(jwksUri, /JWKS fetch failed \(ECONNREFUSED\)/);
  });

  it('a server that does not answer in time makes the issuer unavailable', async () => {
    const jwksUri = await jwksServer(() => undefined);
    await expectUnavailable(jwksUri, /timed out after 200 ms/, { jwksTimeoutMs: 200 });
  });

  it('a server answering an error status makes the issuer unavailable', async () => {
    const jwksUri = await jwksServer((_req, res) => {
      res.writeHead(500);
      res.end('boom');
    });
    await expectUnavailable(jwksUri, /JWKS answered HTTP 500/);
  });

  it('a redirect is not followed', async () => {
    const jwksUri = await jwksServer((_req, res) => {
      res.writeHead(302, { location: 'http://169.254.169.254/' });
      res.end();
    });
    await expectUnavailable(jwksUri, /JWKS answered HTTP 302/);
  });

  it('a server answering something that is not a key set makes the issuer unavailable', async () => {
    const jwksUri = await jwksServer((_req, res) => serveJson(res, { hello: 'world' }));
    await expectUnavailable(jwksUri, /not a JSON Web Key Set/);
  });

  it('a server answering invalid JSON makes the issuer unavailable', async () => {
    const jwksUri = await jwksServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('<html>');
    });
    await expectUnavailable(jwksUri, /not valid JSON/);
  });

  it('an oversized JWKS response is not read to the end', async () => {
    const jwksUri = await jwksServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"keys": [], "pad": "${'x'.repeat(600 * 1024)}"}`);
    });
    await expectUnavailable(jwksUri, /larger than 524288 bytes/);
  });

  it('the JWKS is not fetched before the first token arrives', async () => {
    let fetches = 0;
    const jwksUri = await jwksServer((_req, res) => {
      fetches++;
      serveJson(res, { keys: [] });
    });
    makeVerifier([{ issuer: ISSUER, audience: AUDIENCE, jwksUri }]);
    await checkIssuerKeys([{ issuer: ISSUER, audience: AUDIENCE, jwksUri }]);
    expect(fetches).toBe(0);
  });
});

describe('checkIssuerKeys (start-up)', () => {
  async function fileWith(name: string, content: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  }

  it('accepts the key sets of every file-backed issuer', async () => {
    const a = await LocalIssuer.create({ issuer: 'https://a.test', audience: AUDIENCE, dir: join(dir, 'ok-a') });
    const b = await LocalIssuer.create({
      issuer: 'https://b.test',
      audience: AUDIENCE,
      dir: join(dir, 'ok-b'),
      alg: 'RS256',
    });
    await expect(checkIssuerKeys([a.issuerConfig(), b.issuerConfig()])).resolves.toBeUndefined();
  });

  it('names the issuer and the file that cannot be read', async () => {
    const missing = join(dir, 'nope.json');
    await expect(
      checkIssuerKeys([{ issuer: 'https://a.test', audience: AUDIENCE, jwksFile: missing }]),
    ).rejects.toThrow(`issuer https://a.test: JWKS file ${missing} cannot be read (ENOENT)`);
  });

  it.each([
    ['bad-json.json', '{"keys":', 'is not valid JSON'],
    ['not-a-set.json', '[1, 2]', 'is not a JSON Web Key Set (expected an object with a "keys" list)'],
    ['empty.json', '{"keys": []}', 'has no asymmetric public keys (kty RSA, EC or OKP)'],
    [
      'only-oct.json',
      '{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}',
      'has no asymmetric public keys (kty RSA, EC or OKP)',
    ],
    [
      'broken-key.json',
      '{"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "x": "AAAA", "y": "AAAA"}]}',
      'has an unusable key kid "k1"',
    ],
  ])('refuses %s and says what is wrong', async (name, content, what) => {
    const path = await fileWith(name, content);
    const error = await checkIssuerKeys([{ issuer: 'https://a.test', audience: AUDIENCE, jwksFile: path }]).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`JWKS file ${path} ${what}`);
  });

  it('refuses a file that publishes a private key', async () => {
    const idp = await LocalIssuer.create({ issuer: 'https://a.test', audience: AUDIENCE });
    const path = await fileWith('private.json', JSON.stringify({ keys: [await exportJWK(idp.privateKey)] }));
    await expect(checkIssuerKeys([{ issuer: 'https://a.test', audience: AUDIENCE, jwksFile: path }])).rejects.toThrow(
      'contains 1 private key(s); publish only the public keys',
    );
  });

  it('accepts a file with an oct key next to a public key (the oct key is ignored)', async () => {
    const idp = await LocalIssuer.create({ issuer: 'https://a.test', audience: AUDIENCE });
    const path = await fileWith(
      'mixed.json',
      JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }, ...idp.jwks().keys] }),
    );
    await expect(
      checkIssuerKeys([{ issuer: 'https://a.test', audience: AUDIENCE, jwksFile: path }]),
    ).resolves.toBeUndefined();
  });
});
