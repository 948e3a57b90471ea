import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ClaimsError, SignatureError, validateJwt } from './jwt.js';
import { parsePublicKeyPEM } from './pem.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });

const NOW = 1_750_000_000_000;
const nowSec = NOW / 1000;
const expected = { issuer: '', audiences: [] as string[], now: NOW };

function jwt(alg: string, claims: Record<string, unknown>, key: KeyObject): string {
  const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = Buffer.from(`${encode({ alg })}.${encode(claims)}`);
  const digest = `sha${alg.slice(2)}`;
  const signature = alg.startsWith('ES')
    ? sign(digest, input, { key, dsaEncoding: 'ieee-p1363' })
    : alg.startsWith('PS')
      ? sign(digest, input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
      : sign(digest, input, key);
  return `${input.toString()}.${signature.toString('base64url')}`;
}

describe('service-account JWT validation', () => {
  it.each([
    ['RS256', rsa],
    ['PS256', rsa],
    ['ES256', p256],
    ['ES384', p384],
  ])('verifies a %s signature against a configured PEM key', (alg, pair) => {
    const key = parsePublicKeyPEM(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const token = jwt(alg, { sub: 'x' }, pair.privateKey);
    expect(validateJwt(token, [key], expected)).toEqual({ sub: 'x' });
    const otherKey = pair === rsa ? p256.publicKey : rsa.publicKey;
    expect(() => validateJwt(token, [otherKey], expected)).toThrow(SignatureError);
  });

  it('takes any RS/ES/PS token unverified without keys, and refuses other algorithms and malformed tokens', () => {
    expect(validateJwt(jwt('RS256', { a: 1 }, rsa.privateKey), [], expected)).toEqual({
      a: 1,
    });
    const hs = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.c2ln`;
    expect(() => validateJwt(hs, [], expected)).toThrow(SignatureError);
    expect(() => validateJwt('a.b', [], expected)).toThrow(SignatureError);
  });

  it('allows a minute of clock skew on exp, nbf and iat', () => {
    const ok = (claims: Record<string, unknown>) => validateJwt(jwt('RS256', claims, rsa.privateKey), [], expected);
    expect(() => ok({ exp: nowSec - 59 })).not.toThrow();
    expect(() => ok({ exp: nowSec - 61 })).toThrow('invalid expiration time (exp) claim: token is expired');
    expect(() => ok({ nbf: nowSec + 61, exp: nowSec + 600 })).toThrow(
      'invalid not before (nbf) claim: token not yet valid',
    );
    expect(() => ok({ iat: nowSec + 61, nbf: nowSec, exp: nowSec + 600 })).toThrow(
      'invalid issued at (iat) claim: token issued in the future',
    );
    // iat alone: the token lives 150 s (cap's default leeway) plus the skew.
    expect(() => ok({ iat: nowSec - 200 })).not.toThrow();
    expect(() => ok({ iat: nowSec - 220 })).toThrow(ClaimsError);
  });

  it('checks the issuer only when one is expected, and the audience against the role audience', () => {
    const token = jwt('RS256', { iss: 'a', aud: ['vault'] }, rsa.privateKey);
    expect(() => validateJwt(token, [], { ...expected, issuer: 'b' })).toThrow('invalid issuer (iss) claim');
    expect(() => validateJwt(token, [], { ...expected, issuer: 'a', audiences: ['vault'] })).not.toThrow();
    expect(() => validateJwt(token, [], { ...expected, audiences: ['other'] })).toThrow(
      'invalid audience (aud) claim: audience claim does not match any expected audience',
    );
  });
});
