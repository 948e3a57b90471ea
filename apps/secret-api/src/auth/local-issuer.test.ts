import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkIssuerKeys, JwtVerifier } from './jwt-verifier.js';
import { LocalIssuer, LocalIssuerKeyMissingError } from './local-issuer.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-issuer-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('LocalIssuer', () => {
  it('persists its private key with mode 0600 and a public jwks.json, and reuses them on the next start', async () => {
    const keyDir = join(dir, 'persist');
    const first = await LocalIssuer.create({
      issuer: 'http://127.0.0.1:8080/dev-issuer',
      audience: 'secret-api',
      dir: keyDir,
    });
    expect(first.jwksPath).toBe(join(keyDir, 'jwks.json'));
    expect((await stat(join(keyDir, 'issuer-key.json'))).mode & 0o777).toBe(0o600);
    const jwksBefore = await stat(join(keyDir, 'jwks.json'));

    const again = await LocalIssuer.create({
      issuer: 'http://127.0.0.1:8080/dev-issuer',
      audience: 'secret-api',
      dir: keyDir,
    });
    expect(again.kid).toBe(first.kid);
    // An unchanged jwks.json is not rewritten, so running verifiers see no spurious change.
    expect((await stat(join(keyDir, 'jwks.json'))).mtimeMs).toBe(jwksBefore.mtimeMs);
    const verifier = new JwtVerifier({ issuers: [first.issuerConfig()], groupsClaim: 'groups', clockSkewSeconds: 30 });
    await expect(verifier.verify(await again.sign({ sub: 'dev', groups: ['admins'] }))).resolves.toMatchObject({
      subject: 'dev',
      issuer: 'http://127.0.0.1:8080/dev-issuer',
      groups: ['admins'],
    });
  });

  it('publishes only public key material', async () => {
    const idp = await LocalIssuer.create({ issuer: 'i', audience: 'a', dir: join(dir, 'public'), alg: 'RS256' });
    const published = JSON.parse(await readFile(idp.jwksPath ?? '', 'utf8')) as { keys: Record<string, unknown>[] };
    expect(published).toEqual(idp.jwks());
    expect(published.keys).toHaveLength(1);
    const [key] = published.keys;
    expect(Object.keys(key ?? {}).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: idp.kid });
    await expect(checkIssuerKeys([idp.issuerConfig()])).resolves.toBeUndefined();
  });

  it('signs tokens with iss, aud, iat, exp, kid and typ JWT', async () => {
    const idp = await LocalIssuer.create({ issuer: 'https://dev.test', audience: 'secret-api' });
    const before = Math.floor(Date.now() / 1000);
    const token = await idp.sign({ sub: 'alice', groups: ['g'], email: 'alice@example.com' }, { ttlSeconds: 60 });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: idp.kid, typ: 'JWT' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: 'alice', groups: ['g'], email: 'alice@example.com', iss: 'https://dev.test' });
    expect(claims.aud).toBe('secret-api');
    expect(claims.exp).toBeGreaterThanOrEqual(before + 60);
    expect(claims.exp).toBeLessThanOrEqual(before + 61);
    expect(claims.nbf).toBeUndefined();
  });

  it('lets tests override exp, nbf, aud, iss and kid', async () => {
    const idp = await LocalIssuer.create({ issuer: 'https://dev.test', audience: 'secret-api' });
    const token = await idp.sign(
      { sub: 'a' },
      { expiresAt: 2_000_000_000, notBefore: 1_000_000_000, audience: 'x', issuer: 'y', kid: 'z' },
    );
    expect(decodeJwt(token)).toMatchObject({ exp: 2_000_000_000, nbf: 1_000_000_000, aud: 'x', iss: 'y' });
    expect(decodeProtectedHeader(token).kid).toBe('z');
  });

  it('an in-memory issuer has no jwksPath and cannot describe itself as a jwksFile issuer', async () => {
    const idp = await LocalIssuer.create({ issuer: 'i', audience: 'a' });
    expect(idp.jwksPath).toBeUndefined();
    expect(() => idp.issuerConfig()).toThrow('needs an issuer created with a dir');
  });

  it('writeJwks writes the public set where asked', async () => {
    const idp = await LocalIssuer.create({ issuer: 'i', audience: 'a' });
    const path = join(dir, 'written.json');
    await idp.writeJwks(path);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(idp.jwks());
  });

  it('refuses to switch the algorithm of a persisted key', async () => {
    const keyDir = join(dir, 'switch');
    await LocalIssuer.create({ issuer: 'i', audience: 'a', dir: keyDir, alg: 'ES256' });
    await expect(LocalIssuer.create({ issuer: 'i', audience: 'a', dir: keyDir, alg: 'RS256' })).rejects.toThrow(
      /holds a ES256 key but RS256 was asked for/,
    );
    await expect(LocalIssuer.create({ issuer: 'i', audience: 'a', dir: keyDir })).resolves.toMatchObject({
      alg: 'ES256',
    });
  });

  it('names a corrupt key file instead of silently replacing it', async () => {
    const keyDir = join(dir, 'corrupt');
    await LocalIssuer.create({ issuer: 'i', audience: 'a', dir: keyDir });
    await writeFile(join(keyDir, 'issuer-key.json'), '{"kty":"EC"}');
    await expect(LocalIssuer.create({ issuer: 'i', audience: 'a', dir: keyDir })).rejects.toThrow(
      /issuer-key\.json is invalid \(unsupported alg undefined\); remove it to generate a new one/,
    );
  });

  it('existingOnly signs with the key already in dir, and refuses, writing nothing, when there is none', async () => {
    const keyDir = join(dir, 'existing');
    const made = await LocalIssuer.create({ issuer: 'i', audience: 'a', dir: keyDir });
    const reused = await LocalIssuer.create({ issuer: 'i', audience: 'a', dir: keyDir, existingOnly: true });
    expect(reused.kid).toBe(made.kid);
    const empty = join(dir, 'no-key');
    await expect(LocalIssuer.create({ issuer: 'i', audience: 'a', dir: empty, existingOnly: true })).rejects.toThrow(
      LocalIssuerKeyMissingError,
    );
    await expect(stat(empty)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('issuerConfig({ groupsRequired: false }) trusts tokens without a groups claim, as from a CI issuer', async () => {
    const idp = await LocalIssuer.create({ issuer: 'i', audience: 'a', dir: join(dir, 'ci') });
    expect(idp.issuerConfig().groupsRequired).toBe(true);
    const verifier = new JwtVerifier({
      issuers: [idp.issuerConfig({ groupsRequired: false })],
      groupsClaim: 'groups',
      clockSkewSeconds: 30,
    });
    const identity = await verifier.verify(await idp.sign({ sub: 'repo:acme/app:ref:refs/heads/main' }));
    expect(identity.groups).toEqual([]);
  });
});
