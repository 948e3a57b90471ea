import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  SECRET_VALUE_MAX_BYTES,
  ZAppName,
  ZAppParams,
  ZClusterName,
  ZComment,
  ZCreateAppBody,
  ZCreateClusterBody,
  ZGroupName,
  ZSecretKey,
  ZSecretValue,
  ZSubjectPattern,
  ZVersion,
  splitClusterName,
  zodErrorToProblemErrors,
} from './index.js';

function messages(schema: z.ZodType, value: unknown): string[] {
  const r = schema.safeParse(value);
  expect(r.success, `${JSON.stringify(value)?.slice(0, 40)} should be rejected`).toBe(false);
  return r.success ? [] : r.error.issues.map((i) => i.message);
}

const TEN_KB = 'a'.repeat(10 * 1024);

describe('app names', () => {
  it.each(['myapp', 'a', 'my-app-2', '0', 'a'.repeat(63)])('accepts %s', (name) => {
    expect(ZAppName.parse(name)).toBe(name);
  });

  it.each([
    ['../sys', /lowercase letters, digits and "-"/],
    ['A', /lowercase/],
    ['a.b', /lowercase letters, digits and "-"/],
    ['-a', /must start and end with a lowercase letter or digit/],
    ['a-', /must start and end with a lowercase letter or digit/],
    ['', /must not be empty/],
    ['a b', /lowercase/],
    ['a/b', /lowercase/],
    ['a'.repeat(64), /at most 63/],
    [TEN_KB, /at most 63/],
    ['global', /reserved/],
    ['project', /reserved/],
    ['cluster', /reserved/],
  ])('rejects %j with a message naming the app name', (name, why) => {
    const msgs = messages(ZAppName, name);
    expect(msgs.join('\n')).toMatch(why);
    expect(msgs.every((m) => m.startsWith('app name'))).toBe(true);
  });

  it('rejects a non-string', () => {
    expect(messages(ZAppName, 42)).toEqual(['app name must be a string']);
  });

  it('names the field in a request body error', () => {
    const r = ZCreateAppBody.safeParse({ name: '../sys', ownerGroups: ['g'] });
    expect(r.success).toBe(false);
    if (!r.success) expect(zodErrorToProblemErrors(r.error, '/body')[0]?.path).toBe('/body/name');
    const p = ZAppParams.safeParse({ app: 'A' });
    if (!p.success) expect(zodErrorToProblemErrors(p.error, '/params')[0]?.path).toBe('/params/app');
    expect(p.success).toBe(false);
  });
});

describe('cluster names', () => {
  it.each(['aws.stg', 'gcp.prod-eu', 'a.b'])('accepts %s', (name) => {
    expect(ZClusterName.parse(name)).toBe(name);
  });

  it.each(['aws', 'aws.', '.stg', 'aws.stg.x', 'AWS.stg', '../sys', 'aws.-stg', 'aws/stg', TEN_KB])(
    'rejects %j with a message naming the cluster name',
    (name) => {
      for (const m of messages(ZClusterName, name)) expect(m).toMatch(/^cluster name/);
    },
  );

  it('splits into cloud and env', () => {
    expect(splitClusterName('aws.stg')).toEqual({ cloud: 'aws', env: 'stg' });
  });
});

describe('secret keys', () => {
  it.each(['DB_PASSWORD', 'a', '_x', 'Key1', 'K'.repeat(128)])('accepts %s', (key) => {
    expect(ZSecretKey.parse(key)).toBe(key);
  });

  it.each(['..', '../sys', 'a/b', 'a.b', 'a-b', '1KEY', '', 'A B', 'K'.repeat(129), TEN_KB, 'ä'])(
    'rejects %j, which could not be a safe Vault path segment',
    (key) => {
      for (const m of messages(ZSecretKey, key)) expect(m).toMatch(/^secret key/);
    },
  );
});

describe('secret values', () => {
  it('accepts any text up to the limit, including newlines', () => {
    expect(ZSecretValue.parse('line1\nline2')).toBe('line1\nline2');
    expect(ZSecretValue.parse('x'.repeat(SECRET_VALUE_MAX_BYTES))).toHaveLength(SECRET_VALUE_MAX_BYTES);
  });

  it('rejects a value over the limit, counting UTF-8 bytes', () => {
    expect(messages(ZSecretValue, 'x'.repeat(SECRET_VALUE_MAX_BYTES + 1))[0]).toMatch(/secret value must be at most/);
    expect(messages(ZSecretValue, 'é'.repeat(SECRET_VALUE_MAX_BYTES / 2 + 1))[0]).toMatch(/bytes/);
  });
});

describe('groups and subject patterns', () => {
  it('accepts realistic groups and patterns', () => {
    expect(ZGroupName.parse('platform-admins')).toBe('platform-admins');
    expect(ZGroupName.parse('/org/Team A')).toBe('/org/Team A');
    expect(ZSubjectPattern.parse('repo:acme/myapp:ref:refs/heads/*')).toBe('repo:acme/myapp:ref:refs/heads/*');
  });

  it.each(['', ' lead', 'trail ', 'a*', 'tab\there', 'nul\u0000', 'x'.repeat(257)])('rejects group %j', (g) => {
    for (const m of messages(ZGroupName, g)) expect(m).toMatch(/^group name/);
  });

  it.each(['', 'has space', 'new\nline', 'x'.repeat(513)])('rejects subject pattern %j', (p) => {
    for (const m of messages(ZSubjectPattern, p)) expect(m).toMatch(/^subject pattern/);
  });

  it('rejects duplicates and oversized lists', () => {
    const dup = ZCreateClusterBody.safeParse({ name: 'aws.stg', controllerSubjects: ['s', 's'] });
    expect(dup.success).toBe(false);
    if (!dup.success) expect(dup.error.issues[0]?.message).toMatch(/controllerSubjects must not contain duplicates/);
    const many = ZCreateAppBody.safeParse({ name: 'a', ownerGroups: Array.from({ length: 33 }, (_, i) => `g${i}`) });
    expect(many.success).toBe(false);
  });
});

describe('comments', () => {
  it.each([
    ['a C0 control', 'nul\u0000'],
    ['DEL', 'del\u007f'],
    ['a C1 control (NEL)', 'next\u0085line'],
    ['a line separator', 'one\u2028two'],
    ['a paragraph separator', 'one\u2029two'],
    ['a right-to-left override', 'invoice \u202egpj.exe'],
    ['a left-to-right isolate', 'x\u2066y'],
    ['an Arabic letter mark', 'x\u061cy'],
    ['a right-to-left mark', 'x\u200fy'],
  ])('refuses %s', (_name, comment) => {
    const parsed = ZComment.safeParse(comment);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/control, line-separator or bidirectional-formatting/);
  });

  it.each(['rotate after incident #42', 'ünïcødé, 漢字, emoji 😀, Arabic نص, Hebrew טקסט', 'x'.repeat(1024)])(
    'keeps %s',
    (comment) => expect(ZComment.parse(comment)).toBe(comment),
  );
});

describe('version numbers', () => {
  it('say what is wrong first: a number past 2^53 is too large, not "not an integer"', () => {
    expect(messages(ZVersion, 2 ** 53 + 2)[0]).toBe('version is too large');
    expect(messages(ZVersion, 2_147_483_648)[0]).toBe('version is too large');
    expect(messages(ZVersion, 1.5)).toEqual(['version must be an integer']);
    expect(messages(ZVersion, 0)[0]).toBe('version must be at least 1');
    expect(ZVersion.parse(2_147_483_647)).toBe(2_147_483_647);
  });
});
