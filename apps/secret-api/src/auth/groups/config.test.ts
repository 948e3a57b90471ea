import { describe, expect, it } from 'vitest';
import { ZGroupsSource } from './config.js';

const minimal = {
  type: 'google-directory',
  credentialsFile: '/var/run/secrets/google/key.json',
  delegatedSubject: 'groups-reader@example.com',
};

function messages(value: unknown): string[] {
  const result = ZGroupsSource.safeParse(value);
  expect(result.success, `${JSON.stringify(value)} should be rejected`).toBe(false);
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
}

describe('ZGroupsSource', () => {
  it('fills in the cache, negative cache, size and timeout defaults', () => {
    expect(ZGroupsSource.parse(minimal)).toEqual({
      ...minimal,
      cacheTtlSeconds: 300,
      negativeCacheTtlSeconds: 60,
      maxCacheEntries: 10_000,
      timeoutMs: 5_000,
    });
  });

  it('lower-cases the domain and ends rootUrl with a slash', () => {
    const parsed = ZGroupsSource.parse({ ...minimal, domain: 'Example.COM', rootUrl: 'http://127.0.0.1:8085' });
    expect(parsed.domain).toBe('example.com');
    expect(parsed.rootUrl).toBe('http://127.0.0.1:8085/');
  });

  it('names an unknown type and lists the allowed fields for an unknown one', () => {
    expect(messages({ ...minimal, type: 'ldap' })).toEqual([
      'groupsSource.type must be one of: "google-directory" (got "ldap")',
    ]);
    expect(messages({ ...minimal, scopes: [] })).toEqual([
      'unknown field "scopes" (allowed: type, credentialsFile, delegatedSubject, domain, cacheTtlSeconds, negativeCacheTtlSeconds, maxCacheEntries, timeoutMs, rootUrl)',
    ]);
  });

  it('refuses a delegated subject that is not an email, a domain with "@", and out-of-range tuning', () => {
    expect(
      messages({
        ...minimal,
        delegatedSubject: 'admin',
        domain: '@example.com',
        cacheTtlSeconds: 0,
        maxCacheEntries: 1.5,
        timeoutMs: 120_000,
      }),
    ).toEqual([
      'delegatedSubject must be the email address of the Workspace admin to impersonate',
      'domain must be a DNS domain such as "example.com" (no "@", no scheme)',
      'cacheTtlSeconds must be at least 1',
      'maxCacheEntries must be a whole number',
      'timeoutMs must be at most 60000',
    ]);
  });

  it('refuses plain http for rootUrl unless it is a loopback address', () => {
    expect(messages({ ...minimal, rootUrl: 'http://directory.internal/' })).toEqual([
      'rootUrl must be an https URL (http is allowed only for 127.0.0.1, [::1] or localhost)',
    ]);
    expect(ZGroupsSource.safeParse({ ...minimal, rootUrl: 'https://directory.internal/' }).success).toBe(true);
  });
});
