import { createHmac, createSign } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url, exportPKCS8, exportSPKI, importJWK, SignJWT } from 'jose';
import type { CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TIssuerConfigInput } from './issuers.js';
import {
  AuthenticationError,
  bearerToken,
  IssuerUnavailableError,
  JwtVerifier,
  MAX_TOKEN_LENGTH,
} from './jwt-verifier.js';
import type { JwtVerifierOptions } from './jwt-verifier.js';
import { LocalIssuer } from './local-issuer.js';

let dir: string;
let idp: LocalIssuer;
let rsaIdp: LocalIssuer;
let verifier: JwtVerifier;

const now = () => Math.floor(Date.now() / 1000);

function makeVerifier(issuers: TIssuerConfigInput[], options: Partial<JwtVerifierOptions> = {}): JwtVerifier {
  return new JwtVerifier({ issuers, groupsClaim: 'groups', clockSkewSeconds: 30, ...options });
}

/** Asserts a 401 with this exact reason, and that the message never echoes the token. */
async function expectRefused(promise: Promise<unknown>, reason: string, token?: string): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error, `expected refusal "${reason}"`).toBeInstanceOf(AuthenticationError);
  expect((error as AuthenticationError).reason).toBe(reason);
  expect((error as AuthenticationError).message).toBe(reason);
  if (token) {
    for (const part of token.split('.').filter((p) => p.length > 8)) {
      expect((error as Error).message).not.toContain(part);
    }
  }
}

function encode(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

/** Signs a hand-built JWT with this issuer's real private key (for tokens LocalIssuer.sign refuses to make). */
async function forge(issuer: LocalIssuer, payload: Record<string, unknown>, header: Record<string, unknown> = {}) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: issuer.alg, kid: issuer.kid, ...header } as { alg: string })
    .sign(issuer.privateKey, {
      crit: Object.fromEntries(((header.crit as string[]) ?? []).map((name) => [name, true])),
    });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jwt-verifier-'));
  idp = await LocalIssuer.create({ issuer: 'https://idp.test', audience: 'secret-api', dir: join(dir, 'idp') });
  rsaIdp = await LocalIssuer.create({
    issuer: 'https://rsa.test',
    audience: 'secret-api',
    dir: join(dir, 'rsa'),
    alg: 'RS256',
  });
  verifier = makeVerifier([idp.issuerConfig(), rsaIdp.issuerConfig()]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a valid token', () => {
  it('becomes an Identity with subject, issuer and groups', async () => {
    const token = await idp.sign({ sub: 'alice@example.com', groups: ['team-a', 'admins'] });
    await expect(verifier.verify(token)).resolves.toEqual({
      subject: 'alice@example.com',
      issuer: 'https://idp.test',
      // Two issuers are trusted here, so each one's principals carry its issuer.
      principal: 'https://idp.test#alice@example.com',
      groups: ['team-a', 'admins'],
    });
  });

  it('is accepted from an RS256 issuer too', async () => {
    const token = await rsaIdp.sign({ sub: 'bob', groups: [] });
    await expect(verifier.verify(token)).resolves.toEqual({
      subject: 'bob',
      issuer: 'https://rsa.test',
      principal: 'https://rsa.test#bob',
      groups: [],
    });
  });

  it('is accepted when its audience is one of the configured audiences', async () => {
    const v = makeVerifier([{ ...idp.issuerConfig(), audience: ['other', 'secret-api-2'] }]);
    const token = await idp.sign({ sub: 'alice', groups: [] }, { audience: 'secret-api-2' });
    await expect(v.verify(token)).resolves.toMatchObject({ subject: 'alice' });
  });

  it('is accepted when its aud is a list containing a configured audience', async () => {
    const token = await forge(idp, {
      sub: 'a',
      groups: [],
      iss: idp.issuer,
      aud: ['x', 'secret-api'],
      exp: now() + 60,
    });
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'a' });
  });

  it.each(['JWT', 'at+jwt', 'application/at+jwt'])('is accepted with typ %s', async (typ) => {
    const token = await forge(
      idp,
      { sub: 'a', groups: [], iss: idp.issuer, aud: idp.audience, exp: now() + 60 },
      { typ },
    );
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'a' });
  });

  it('is accepted without a typ header', async () => {
    const token = await forge(idp, { sub: 'a', groups: [], iss: idp.issuer, aud: idp.audience, exp: now() + 60 });
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'a' });
  });
});

describe('time', () => {
  it('an expired token is refused', async () => {
    const token = await idp.sign({ sub: 'a', groups: [] }, { expiresAt: now() - 120 });
    await expectRefused(verifier.verify(token), 'token has expired', token);
  });

  it('a token expired less than the clock skew ago is still accepted', async () => {
    const token = await idp.sign({ sub: 'a', groups: [] }, { expiresAt: now() - 10 });
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'a' });
  });

  it('a token whose nbf is beyond the clock skew is not yet valid', async () => {
    const token = await idp.sign({ sub: 'a', groups: [] }, { notBefore: now() + 120 });
    await expectRefused(verifier.verify(token), 'token is not yet valid');
  });

  it('a token whose nbf is within the clock skew is accepted', async () => {
    const token = await idp.sign({ sub: 'a', groups: [] }, { notBefore: now() + 10 });
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'a' });
  });

  it('a token without exp is refused (no eternal tokens)', async () => {
    const token = await forge(idp, { sub: 'a', groups: [], iss: idp.issuer, aud: idp.audience });
    await expectRefused(verifier.verify(token), 'token has no "exp" claim');
  });

  it('a token whose exp, iat or nbf is not a number is refused, saying so', async () => {
    const base = { sub: 'a', groups: [], iss: idp.issuer, aud: idp.audience };
    const exp = await forge(idp, { ...base, exp: 'tomorrow' });
    await expectRefused(verifier.verify(exp), 'token "exp" claim is not a number');
    const iat = await forge(idp, { ...base, exp: now() + 60, iat: '1' });
    await expectRefused(verifier.verify(iat), 'token "iat" claim is not a number');
    const nbf = await forge(idp, { ...base, exp: now() + 60, nbf: '1' });
    await expectRefused(verifier.verify(nbf), 'token "nbf" claim is not a number');
  });
});

describe('a member given twice', () => {
  /** Signs header and claims given as raw JSON text (so a member can appear twice) with the issuer's real key. */
  async function signRaw(issuer: LocalIssuer, header: string, claims: string): Promise<string> {
    const input = `${base64url.encode(header)}.${base64url.encode(claims)}`;
    const signature = await crypto.subtle.sign(
      issuer.alg === 'RS256' ? { name: 'RSASSA-PKCS1-v1_5' } : { name: 'ECDSA', hash: 'SHA-256' },
      issuer.privateKey as CryptoKey,
      new TextEncoder().encode(input),
    );
    return `${input}.${base64url.encode(new Uint8Array(signature))}`;
  }
  const header = () => `{"alg":"${idp.alg}","kid":"${idp.kid}"}`;
  const claims = (extra: string) =>
    `{"iss":"${idp.issuer}","aud":"${idp.audience}","exp":${now() + 60},"sub":"a@x","groups":[]${extra}}`;

  it('is accepted once: the raw signing is sound', async () => {
    await expect(verifier.verify(await signRaw(idp, header(), claims('')))).resolves.toMatchObject({ subject: 'a@x' });
  });

  it('in the claims is refused, whichever claim (the last would otherwise win)', async () => {
    for (const [extra, name] of [
      [',"sub":"admin@x"', 'sub'],
      [',"groups":["admins"]', 'groups'],
      [`,"exp":${now() + 3600}`, 'exp'],
      [',"aud":"other"', 'aud'],
      [`,"iss":"${idp.issuer}"`, 'iss'],
    ] as const) {
      await expectRefused(
        verifier.verify(await signRaw(idp, header(), claims(extra))),
        `token claims name "${name}" twice`,
      );
    }
  });

  it('in the header, or in a nested object, is refused', async () => {
    const twiceAlg = `{"alg":"none","alg":"${idp.alg}","kid":"${idp.kid}"}`;
    await expectRefused(verifier.verify(await signRaw(idp, twiceAlg, claims(''))), 'token header name "alg" twice');
    const nested = claims(',"act":{"sub":"x","sub":"y"}');
    await expectRefused(verifier.verify(await signRaw(idp, header(), nested)), 'token claims name "sub" twice');
  });
});

describe('issuer and audience', () => {
  it('a token from an issuer that is not configured is refused', async () => {
    const token = await idp.sign({ sub: 'a', groups: [] }, { issuer: 'https://evil.test' });
    await expectRefused(verifier.verify(token), 'token issuer is not trusted');
  });

  it('issuer matching is exact (no trailing-slash or case folding)', async () => {
    const token = await idp.sign({ sub: 'a', groups: [] }, { issuer: 'https://idp.test/' });
    await expectRefused(verifier.verify(token), 'token issuer is not trusted');
    const upper = await idp.sign({ sub: 'a', groups: [] }, { issuer: 'https://IDP.test' });
    await expectRefused(verifier.verify(upper), 'token issuer is not trusted');
  });

  it('a token without iss is refused', async () => {
    const token = await forge(idp, { sub: 'a', groups: [], aud: idp.audience, exp: now() + 60 });
    await expectRefused(verifier.verify(token), 'token has no issuer');
  });

  it('a token for another audience is refused', async () => {
    const token = await idp.sign({ sub: 'a', groups: [] }, { audience: 'another-api' });
    await expectRefused(verifier.verify(token), 'token audience is not accepted');
  });

  it('a token without aud is refused', async () => {
    const token = await forge(idp, { sub: 'a', groups: [], iss: idp.issuer, exp: now() + 60 });
    await expectRefused(verifier.verify(token), 'token has no "aud" claim');
  });

  it('a token claiming issuer A but signed with issuer B’s key is refused', async () => {
    const b = await LocalIssuer.create({ issuer: 'https://b.test', audience: 'secret-api', dir: join(dir, 'b') });
    const v = makeVerifier([idp.issuerConfig(), b.issuerConfig()]);
    // B signs with its own kid: A's key set has no such key.
    const withOwnKid = await b.sign({ sub: 'a', groups: [] }, { issuer: idp.issuer });
    await expectRefused(v.verify(withOwnKid), 'token signing key is unknown');
    // B claims A's kid: the key is found, the signature does not match.
    const withAsKid = await b.sign({ sub: 'a', groups: [] }, { issuer: idp.issuer, kid: idp.kid });
    await expectRefused(v.verify(withAsKid), 'token signature is invalid');
    await expect(v.verify(await b.sign({ sub: 'a', groups: [] }))).resolves.toMatchObject({ issuer: 'https://b.test' });
  });
});

describe('signature and algorithm', () => {
  it('a token with a tampered payload is refused', async () => {
    const token = await idp.sign({ sub: 'alice', groups: ['team-a'] });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
    const tampered = `${header}.${encode({ ...claims, groups: ['admins'] })}.${signature}`;
    await expectRefused(verifier.verify(tampered), 'token signature is invalid', tampered);
  });

  it('a token with a kid not in the key set is refused', async () => {
    const token = await idp.sign({ sub: 'a', groups: [] }, { kid: 'no-such-key' });
    await expectRefused(verifier.verify(token), 'token signing key is unknown');
  });

  it('an unsigned token (alg none) is refused', async () => {
    const token = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: 'a', groups: ['admins'], iss: idp.issuer, aud: idp.audience, exp: now() + 60 })}.`;
    await expectRefused(verifier.verify(token), 'token algorithm is not allowed');
  });

  it('an HS256 token keyed with the issuer’s public key bytes is refused (key confusion)', async () => {
    const publicPem = await exportSPKI(await publicKeyOf(rsaIdp));
    const claims = { sub: 'a', groups: ['admins'], iss: rsaIdp.issuer, aud: rsaIdp.audience, exp: now() + 60 };
    for (const secret of [publicPem, Buffer.from(publicPem.replace(/-----[^-]+-----|\s/g, ''), 'base64')]) {
      const input = `${encode({ alg: 'HS256', typ: 'JWT', kid: rsaIdp.kid })}.${encode(claims)}`;
      const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
      await expectRefused(verifier.verify(token), 'token algorithm is not allowed');
    }
  });

  it('an oct key planted in the key set is ignored, so HMAC tokens using it still fail', async () => {
    const file = join(dir, 'with-oct.json');
    const secret = Buffer.from('correct horse battery staple, 32+ bytes long');
    await writeFile(
      file,
      JSON.stringify({ keys: [...idp.jwks().keys, { kty: 'oct', kid: 'hmac', k: secret.toString('base64url') }] }),
    );
    const v = makeVerifier([{ issuer: 'https://oct.test', audience: 'secret-api', jwksFile: file }]);
    const claims = { sub: 'a', groups: [], iss: 'https://oct.test', aud: 'secret-api', exp: now() + 60 };
    const input = `${encode({ alg: 'HS256', kid: 'hmac' })}.${encode(claims)}`;
    const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    await expectRefused(v.verify(token), 'token algorithm is not allowed');
    // The asymmetric key next to it keeps working.
    await expect(v.verify(await idp.sign({ sub: 'a', groups: [] }, { issuer: 'https://oct.test' }))).resolves.toEqual({
      subject: 'a',
      issuer: 'https://oct.test',
      principal: 'a',
      groups: [],
    });
  });

  it('an algorithm outside the issuer’s configured list is refused', async () => {
    const v = makeVerifier([{ ...rsaIdp.issuerConfig(), algorithms: ['ES256'] }]);
    const token = await rsaIdp.sign({ sub: 'a', groups: [] });
    await expectRefused(v.verify(token), 'token algorithm is not allowed');
  });

  it('a token that names an allowed algorithm its key cannot do is refused', async () => {
    // RS256 key, header says PS256: the key set offers the RSA key for PS256, the RS256 signature does not verify.
    const claims = { sub: 'a', groups: [], iss: rsaIdp.issuer, aud: rsaIdp.audience, exp: now() + 60 };
    const input = `${encode({ alg: 'PS256', kid: rsaIdp.kid })}.${encode(claims)}`;
    const signature = createSign('RSA-SHA256')
      .update(input)
      .sign(await exportPKCS8(rsaIdp.privateKey))
      .toString('base64url');
    const v = makeVerifier([{ ...rsaIdp.issuerConfig(), algorithms: undefined }]);
    // The published JWK pins alg RS256, so no key of the set may verify PS256.
    await expectRefused(v.verify(`${input}.${signature}`), 'token signing key is unknown');
  });

  it.each(['logout+jwt', 'dpop+jwt', 'JWE', 123])('a token of typ %s is refused', async (typ) => {
    const token = await forge(
      idp,
      { sub: 'a', groups: [], iss: idp.issuer, aud: idp.audience, exp: now() + 60 },
      { typ },
    );
    await expectRefused(verifier.verify(token), 'token type is not accepted');
  });

  it('a token marking an unknown header parameter critical is refused', async () => {
    const token = await forge(
      idp,
      { sub: 'a', groups: [], iss: idp.issuer, aud: idp.audience, exp: now() + 60 },
      { crit: ['x-custom'], 'x-custom': 1 },
    );
    await expectRefused(verifier.verify(token), 'token uses an unsupported feature');
  });

  it('a token without kid is verified against each key of its type in the set', async () => {
    const next = await LocalIssuer.create({ issuer: 'https://kidless.test', audience: 'secret-api' });
    const file = join(dir, 'two-keys.json');
    await writeFile(file, JSON.stringify({ keys: [...idp.jwks().keys, ...next.jwks().keys] }));
    const v = makeVerifier([{ issuer: 'https://kidless.test', audience: 'secret-api', jwksFile: file }]);
    const claims = { sub: 'a', groups: [], iss: 'https://kidless.test', aud: 'secret-api', exp: now() + 60 };
    const signedByNext = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(next.privateKey);
    await expect(v.verify(signedByNext)).resolves.toMatchObject({ subject: 'a' });
    const stranger = await LocalIssuer.create({ issuer: 'x', audience: 'y' });
    const signedByStranger = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(stranger.privateKey);
    await expectRefused(v.verify(signedByStranger), 'token signature is invalid');
  });
});

describe('malformed tokens', () => {
  it('an oversized token is refused before any parsing', async () => {
    const token = 'a'.repeat(MAX_TOKEN_LENGTH + 1);
    await expectRefused(verifier.verify(token), 'token is too large');
  });

  it('an oversized but properly signed token is refused', async () => {
    const token = await idp.sign({ sub: 'a', groups: [], padding: 'x'.repeat(MAX_TOKEN_LENGTH) });
    await expectRefused(verifier.verify(token), 'token is too large');
  });

  it.each([
    ['not-a-token'],
    ['a.b'],
    ['a.b.c.d'],
    ['...'],
    ['a.b.c'],
    [`${'eyJhbGciOiJFUzI1NiJ9'}.bm90IGpzb24.c2ln`],
    ['eyJhbGciOiJFUzI1NiJ9.W10.c2ln'],
    ['ab+c.de/f.gh=='],
    ['héllo.wörld.sig'],
  ])('garbage %j is refused as malformed', async (token) => {
    await expectRefused(verifier.verify(token), 'token is malformed');
  });

  it('a token with an empty header and payload is refused for having no issuer', async () => {
    await expectRefused(verifier.verify('e30.e30.e30'), 'token has no issuer');
  });

  it('an empty token is refused', async () => {
    await expectRefused(verifier.verify(''), 'token is missing');
  });

  it('an encrypted token (JWE) is refused', async () => {
    await expectRefused(verifier.verify('a.b.c.d.e'), 'token is encrypted (JWE); a signed JWT is required');
  });

  it('an allowed-algorithm token with an empty signature is refused', async () => {
    const token = await idp.sign({ sub: 'a', groups: [] });
    await expectRefused(verifier.verify(token.slice(0, token.lastIndexOf('.') + 1)), 'token is malformed');
  });
});

describe('subject', () => {
  it('a token without sub is refused', async () => {
    const token = await forge(idp, { groups: [], iss: idp.issuer, aud: idp.audience, exp: now() + 60 });
    await expectRefused(verifier.verify(token), 'token has no "sub" claim');
  });

  it('keeps a CI OIDC subject as is', async () => {
    const sub = 'repo:acme/myapp:ref:refs/heads/main';
    await expect(verifier.verify(await idp.sign({ sub, groups: [] }))).resolves.toMatchObject({ subject: sub });
  });

  it.each([['has space'], ['glob*'], [''], ['tab\t'], ['ünïcode'], ['x'.repeat(513)], [42]])(
    'a sub of %j is refused',
    async (sub) => {
      const token = await forge(idp, { sub, groups: [], iss: idp.issuer, aud: idp.audience, exp: now() + 60 });
      await expectRefused(
        verifier.verify(token),
        'token subject is invalid (printable ASCII without spaces or "*", 1-512)',
      );
    },
  );
});

describe('groups', () => {
  it('a token without the groups claim is refused when the issuer requires groups', async () => {
    const token = await idp.sign({ sub: 'a' });
    await expectRefused(verifier.verify(token), 'token has no "groups" claim');
  });

  it('a token without the groups claim gets no groups when the issuer does not require them', async () => {
    const v = makeVerifier([{ ...idp.issuerConfig(), groupsRequired: false }]);
    await expect(v.verify(await idp.sign({ sub: 'repo:acme/app:ref:refs/heads/main' }))).resolves.toEqual({
      subject: 'repo:acme/app:ref:refs/heads/main',
      issuer: idp.issuer,
      principal: 'repo:acme/app:ref:refs/heads/main',
      groups: [],
    });
  });

  it('a groups claim that is not a list is refused even when groups are optional', async () => {
    const v = makeVerifier([{ ...idp.issuerConfig(), groupsRequired: false }]);
    await expectRefused(
      v.verify(await idp.sign({ sub: 'a', groups: 'admins' as never })),
      'token "groups" claim is not a list of strings',
    );
    await expectRefused(
      v.verify(await idp.sign({ sub: 'a', groups: null as never })),
      'token "groups" claim is not a list of strings',
    );
  });

  it('a groups list with a non-string entry is refused', async () => {
    const token = await idp.sign({ sub: 'a', groups: ['ok', 7, { name: 'admins' }] as never });
    await expectRefused(verifier.verify(token), 'token "groups" claim is not a list of strings');
  });

  it('uses the global groups claim name', async () => {
    const v = makeVerifier([idp.issuerConfig()], { groupsClaim: 'https://example.com/groups' });
    const token = await idp.sign({ sub: 'a', 'https://example.com/groups': ['g1'], groups: ['ignored'] });
    await expect(v.verify(token)).resolves.toMatchObject({ groups: ['g1'] });
    await expectRefused(
      v.verify(await idp.sign({ sub: 'a', groups: ['x'] })),
      'token has no "https://example.com/groups" claim',
    );
  });

  it('an issuer’s own groupsClaim overrides the global one', async () => {
    const v = makeVerifier([{ ...idp.issuerConfig(), groupsClaim: 'roles' }]);
    await expect(v.verify(await idp.sign({ sub: 'a', roles: ['r1'], groups: ['g1'] }))).resolves.toMatchObject({
      groups: ['r1'],
    });
  });

  it('inherited object properties are not mistaken for a groups claim', async () => {
    const v = makeVerifier([{ ...idp.issuerConfig(), groupsClaim: 'constructor' }]);
    await expectRefused(v.verify(await idp.sign({ sub: 'a' })), 'token has no "constructor" claim');
  });

  it('drops invalid group names, removes duplicates and keeps the order', async () => {
    const groups = [
      'team a',
      'b',
      ' lead',
      'trail ',
      'star*',
      '',
      'ctl\u0001',
      'ünï',
      'x'.repeat(257),
      'b',
      'y'.repeat(256),
    ];
    const identity = await verifier.verify(await idp.sign({ sub: 'a', groups }));
    expect(identity.groups).toEqual(['team a', 'b', 'y'.repeat(256)]);
  });

  it('keeps at most 1000 groups', async () => {
    const groups = Array.from({ length: 1200 }, (_, i) => `g${i}`);
    const identity = await verifier.verify(await idp.sign({ sub: 'a', groups }));
    expect(identity.groups).toHaveLength(1000);
    expect(identity.groups[999]).toBe('g999');
  });
});

describe('configuration', () => {
  it('refuses an invalid issuer list at construction', () => {
    expect(() => makeVerifier([])).toThrow('invalid issuer configuration: AUTH_ISSUERS must list at least one issuer');
    expect(() => makeVerifier([{ issuer: 'a', audience: 'b' }])).toThrow('jwksUri or jwksFile is required');
  });

  it('refuses a negative clock skew', () => {
    expect(() => makeVerifier([idp.issuerConfig()], { clockSkewSeconds: -1 })).toThrow('clockSkewSeconds');
  });

  it('an unreadable jwksFile at verify time makes the issuer unavailable, not the token invalid', async () => {
    const v = makeVerifier([
      { issuer: 'https://gone.test', audience: 'secret-api', jwksFile: join(dir, 'missing.json') },
    ]);
    const token = await idp.sign({ sub: 'a', groups: [] }, { issuer: 'https://gone.test' });
    const error = await v.verify(token).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(IssuerUnavailableError);
    expect((error as IssuerUnavailableError).issuer).toBe('https://gone.test');
    expect((error as Error).message).toMatch(/missing\.json cannot be read \(ENOENT\)/);
  });

  it('an invalid jwksFile at verify time makes the issuer unavailable', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{"keys": [');
    const v = makeVerifier([{ issuer: 'https://broken.test', audience: 'secret-api', jwksFile: file }]);
    const token = await idp.sign({ sub: 'a', groups: [] }, { issuer: 'https://broken.test' });
    await expect(v.verify(token)).rejects.toThrow(IssuerUnavailableError);
    await expect(v.verify(token)).rejects.toThrow(/broken\.json is not valid JSON/);
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['BEARER abc', 'abc'],
    ['Bearer   abc', 'abc'],
    ['  Bearer abc  ', 'abc'],
  ])('%j yields the token', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([
    [undefined, 'Authorization header is missing; send "Authorization: Bearer <token>"'],
    ['', 'Authorization header is missing; send "Authorization: Bearer <token>"'],
    ['   ', 'Authorization header is missing; send "Authorization: Bearer <token>"'],
    ['Bearer', 'Authorization header has no token after "Bearer"'],
    ['Bearer    ', 'Authorization header has no token after "Bearer"'],
    ['Basic dXNlcjpwYXNz', 'Authorization header must use the Bearer scheme: "Authorization: Bearer <token>"'],
    ['Token abc', 'Authorization header must use the Bearer scheme: "Authorization: Bearer <token>"'],
    ['abc.def.ghi', 'Authorization header must use the Bearer scheme: "Authorization: Bearer <token>"'],
    ['Bearerabc', 'Authorization header must use the Bearer scheme: "Authorization: Bearer <token>"'],
    ['Bearer abc def', 'Authorization header must be "Bearer <token>" with a single token'],
    [`Bearer ${'a'.repeat(MAX_TOKEN_LENGTH + 1)}`, 'token is too large'],
  ])('%j is refused with a helpful reason', (header, reason) => {
    let error: unknown;
    try {
      bearerToken(header);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).reason).toBe(reason);
    expect((error as Error).message).not.toContain('dXNlcjpwYXNz');
  });
});

async function publicKeyOf(issuer: LocalIssuer): Promise<CryptoKey> {
  return (await importJWK(issuer.jwks().keys[0] ?? {}, issuer.alg)) as CryptoKey;
}

describe('issuance time', () => {
  /** A token signed by an issuer whose clock is `aheadSeconds` ahead of ours. */
  async function signedAhead(aheadSeconds: number): Promise<string> {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + aheadSeconds * 1000);
      return await idp.sign({ sub: 'a', groups: [] });
    } finally {
      vi.useRealTimers();
    }
  }

  it('a token issued a day in the future is refused', async () => {
    await expect(verifier.verify(await signedAhead(86_400))).rejects.toThrow('token was issued in the future');
  });

  it('a token issued within the clock skew in the future is accepted', async () => {
    await expect(verifier.verify(await signedAhead(10))).resolves.toMatchObject({ subject: 'a' });
  });
});

describe('one identity per issuer', () => {
  it('the same subject from two issuers is two principals', async () => {
    const a = await verifier.verify(await idp.sign({ sub: 'controller', groups: [] }));
    const b = await verifier.verify(await rsaIdp.sign({ sub: 'controller', groups: [] }));
    expect(a.subject).toBe(b.subject);
    expect(a.principal).not.toBe(b.principal);
  });

  it("an issuer's groupsPrefix and subjectPrefix mark its groups and principals", async () => {
    const v = makeVerifier([{ ...idp.issuerConfig(), subjectPrefix: 'idp:', groupsPrefix: 'idp:' }]);
    await expect(v.verify(await idp.sign({ sub: 'alice', groups: ['admins'] }))).resolves.toEqual({
      subject: 'alice',
      issuer: 'https://idp.test',
      principal: 'idp:alice',
      groups: ['idp:admins'],
    });
  });
});
