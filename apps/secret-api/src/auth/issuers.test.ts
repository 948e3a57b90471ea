import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ALLOWED_ALGORITHMS, parseAuthIssuers, ZAuthIssuers, ZIssuerConfig } from './issuers.js';

function messages(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  expect(result.success, `${JSON.stringify(value)} should be rejected`).toBe(false);
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
}

const base = { issuer: 'https://idp.example.com', jwksUri: 'https://idp.example.com/jwks', audience: 'secret-api' };

describe('ZIssuerConfig', () => {
  it('accepts a minimal entry and fills in groupsRequired and the full algorithm allow-list', () => {
    expect(ZIssuerConfig.parse(base)).toEqual({
      ...base,
      groupsRequired: true,
      groupsPrefix: '',
      algorithms: [...ALLOWED_ALGORITHMS],
    });
  });

  it('accepts a file-backed entry with an audience list, its own groups claim and algorithms', () => {
    const entry = {
      issuer: 'https://token.actions.githubusercontent.com',
      jwksFile: '/etc/secret-api/gha-jwks.json',
      audience: ['secret-api', 'https://secret-api.example.com'],
      groupsClaim: 'roles',
      groupsRequired: false,
      algorithms: ['RS256'],
      subjectPrefix: 'gh:',
      groupsPrefix: 'gh:',
    };
    expect(ZIssuerConfig.parse(entry)).toEqual(entry);
  });

  it('accepts an http JWKS URL (local dev) and any non-URL issuer string', () => {
    expect(
      ZIssuerConfig.safeParse({ ...base, issuer: 'local-dev', jwksUri: 'http://127.0.0.1:9999/jwks' }).success,
    ).toBe(true);
  });

  it('refuses an entry with both jwksUri and jwksFile', () => {
    expect(messages(ZIssuerConfig, { ...base, jwksFile: '/k.json' })).toEqual([
      'issuer https://idp.example.com: set either jwksUri or jwksFile, not both',
    ]);
  });

  it('refuses an entry with neither jwksUri nor jwksFile', () => {
    expect(messages(ZIssuerConfig, { issuer: 'a', audience: 'b' })).toEqual([
      'issuer a: jwksUri or jwksFile is required',
    ]);
  });

  it.each([
    [{ ...base, issuer: '' }, 'issuer must not be empty'],
    [{ ...base, issuer: 'x'.repeat(513) }, 'issuer must be at most 512 characters'],
    [{ ...base, issuer: 42 }, 'issuer must be a string'],
    [{ ...base, jwksUri: 'ftp://idp.example.com/jwks' }, 'jwksUri must be an http or https URL'],
    [{ ...base, jwksUri: 'not a url' }, 'jwksUri must be an http or https URL'],
    [{ issuer: 'a', jwksFile: '', audience: 'b' }, 'jwksFile must not be empty'],
    [{ ...base, audience: '' }, 'audience must not be empty'],
    [{ ...base, audience: [] }, 'audience list must not be empty'],
    [{ ...base, audience: ['ok', ''] }, 'audience must not be empty'],
    [{ ...base, audience: 7 }, 'audience must be a non-empty string or a non-empty list of non-empty strings'],
    [{ ...base, groupsClaim: '' }, 'groupsClaim must not be empty'],
    [{ ...base, groupsRequired: 'no' }, 'groupsRequired must be true or false'],
    [{ ...base, algorithms: [] }, 'algorithms must not be empty'],
  ])('names the field in its message: %j', (value, expected) => {
    expect(messages(ZIssuerConfig, value)).toContain(expected);
  });

  it.each(['none', 'HS256', 'HS512', 'RSA-OAEP'])('never allows the %s algorithm', (alg) => {
    const [message] = messages(ZIssuerConfig, { ...base, algorithms: ['RS256', alg] });
    expect(message).toMatch(/^algorithms may contain only RS256, .*EdDSA/);
    expect(message).toContain(JSON.stringify(alg));
  });

  it('refuses unknown fields and lists the allowed ones', () => {
    expect(messages(ZIssuerConfig, { ...base, jwks_uri: 'x' })).toEqual([
      'unknown field "jwks_uri" (allowed: issuer, jwksUri, jwksFile, jwksCaFile, audience, subjectPrefix, groupsClaim, groupsRequired, groupsPrefix, groupsSource, algorithms)',
    ]);
  });

  it('refuses an entry that is not an object', () => {
    expect(messages(ZIssuerConfig, 'https://idp.example.com')).toEqual(['issuer entry must be an object']);
  });
});

describe('ZAuthIssuers', () => {
  it('refuses an empty list', () => {
    expect(messages(ZAuthIssuers, [])).toEqual(['AUTH_ISSUERS must list at least one issuer']);
  });

  it('refuses more than 32 issuers', () => {
    const many = Array.from({ length: 33 }, (_, i) => ({ ...base, issuer: `https://idp${i}.example.com` }));
    expect(messages(ZAuthIssuers, many)).toEqual(['AUTH_ISSUERS may list at most 32 issuers']);
  });

  it('refuses a duplicated issuer and names it', () => {
    const result = ZAuthIssuers.safeParse([base, { ...base, jwksUri: 'https://other.example.com/jwks' }]);
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        path: [1, 'issuer'],
        message: 'issuer "https://idp.example.com" is listed more than once',
      }),
    ]);
  });
});

describe('parseAuthIssuers', () => {
  it('parses the AUTH_ISSUERS JSON text', () => {
    expect(parseAuthIssuers(JSON.stringify([base]))).toEqual([{ ...ZIssuerConfig.parse(base), subjectPrefix: '' }]);
  });

  it('says when the value is not JSON', () => {
    expect(() => parseAuthIssuers('{issuer: x}')).toThrow('AUTH_ISSUERS is not valid JSON');
  });

  it('names the entry and the field of every problem', () => {
    expect(() => parseAuthIssuers(JSON.stringify([base, { ...base, issuer: 'b', audience: [''] }, {}]))).toThrow(
      'AUTH_ISSUERS[1].audience[0]: audience must not be empty; AUTH_ISSUERS[2].issuer: issuer must be a string',
    );
  });
});

describe('one identity per issuer: subject prefixes', () => {
  const second = { ...base, issuer: 'https://ci.example.com', jwksUri: 'https://ci.example.com/jwks' };

  it('gives a single issuer no prefix, so principals are the plain subjects', () => {
    expect(ZAuthIssuers.parse([base])[0]?.subjectPrefix).toBe('');
  });

  it("prefixes each of several issuers' subjects with its issuer and '#' unless told otherwise", () => {
    const [a, b] = ZAuthIssuers.parse([base, { ...second, subjectPrefix: 'ci:' }]);
    expect(a?.subjectPrefix).toBe('https://idp.example.com#');
    expect(b?.subjectPrefix).toBe('ci:');
  });

  it('refuses an empty prefix when several issuers are trusted', () => {
    expect(messages(ZAuthIssuers, [base, { ...second, subjectPrefix: '' }])).toEqual([
      'issuer https://ci.example.com: subjectPrefix must not be empty when several issuers are trusted (e.g. "gh:"), so that a subject from one issuer can never pass for another\'s',
    ]);
  });

  it('refuses two issuers with the same prefix, or one prefix that starts another', () => {
    expect(
      messages(ZAuthIssuers, [
        { ...base, subjectPrefix: 'x:' },
        { ...second, subjectPrefix: 'x:' },
      ]),
    ).toEqual(['issuers https://idp.example.com and https://ci.example.com share the subjectPrefix "x:"']);
    expect(
      messages(ZAuthIssuers, [
        { ...base, subjectPrefix: 'gh:' },
        { ...second, subjectPrefix: 'gh:x:' },
      ]),
    ).toEqual(['subjectPrefix "gh:" of https://idp.example.com is a prefix of "gh:x:" of https://ci.example.com']);
  });

  it('refuses a prefix with a space or a glob star', () => {
    expect(messages(ZIssuerConfig, { ...base, subjectPrefix: 'a b' })[0]).toMatch(/subjectPrefix may contain only/);
    expect(messages(ZIssuerConfig, { ...base, groupsPrefix: 'g*' })[0]).toMatch(/groupsPrefix may contain only/);
  });
});
