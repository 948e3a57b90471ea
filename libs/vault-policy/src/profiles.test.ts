import { describe, expect, it } from 'vitest';
import { TemplateError } from './errors.js';
import { domainPatternProblem } from './profiles.js';
import { DEFAULT_TEMPLATE, parseTemplate } from './template.js';

/** The issues a template with these profiles gets, as `path: message`. */
function issues(profiles: unknown): string[] {
  try {
    parseTemplate({ profiles });
  } catch (err) {
    if (err instanceof TemplateError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

const db = { connection: 'main', creationStatements: ['CREATE ROLE "{{name}}";'] };

describe('profiles in the policy template', () => {
  it('the default template defines none', () => {
    expect(DEFAULT_TEMPLATE.profiles).toEqual({ database: {}, aws: {}, pki: {} });
  });

  it('fills defaults: revocation by the plugin, TTLs, PKI key bits of the key type', () => {
    const t = parseTemplate({
      profiles: { database: { main: db }, pki: { web: { allowedDomains: ['{app}.svc'], keyType: 'ec' } } },
    });
    expect(t.profiles.database['main']).toEqual({ ...db, revocationStatements: [], defaultTtl: 3600, maxTtl: 86400 });
    expect(t.profiles.pki['web']).toMatchObject({ keyType: 'ec', keyBits: 256, allowSubdomains: false });
  });

  it('refuses profile names that are not [a-z0-9-]', () => {
    expect(issues({ database: { Main: db } })).toEqual([
      'profiles.database.Main: profile names are [a-z0-9-], 1-63 characters',
    ]);
  });

  it('refuses database profiles Vault would accept but that cannot work', () => {
    expect(issues({ database: { a: { ...db, creationStatements: [] } } })).toEqual([
      'profiles.database.a.creationStatements: must list at least one statement',
    ]);
    expect(issues({ database: { a: { ...db, creationStatements: ['SELECT 1;'] } } })).toEqual([
      'profiles.database.a.creationStatements: must mention {{name}} (the user Vault creates)',
    ]);
    expect(issues({ database: { a: { ...db, connection: '../sys' } } })).toEqual([
      'profiles.database.a.connection: must be a Vault database connection name',
    ]);
    expect(issues({ database: { a: { ...db, defaultTtl: '2h', maxTtl: '1h' } } })).toEqual([
      'profiles.database.a.defaultTtl: must not be greater than maxTtl',
    ]);
    expect(issues({ database: { a: { ...db, extra: 1 } } })).toEqual(['profiles.database.a.extra: unknown field']);
  });

  it('refuses AWS profiles Vault would refuse, or that would grant nothing', () => {
    expect(issues({ aws: { a: { credentialType: 'session_token' } } })[0]).toContain('invalid credential type');
    expect(
      issues({
        aws: {
          a: {
            credentialType: 'iam_user',
            roleArns: ['arn:aws:iam::123456789012:role/x'],
            policyArns: ['arn:aws:iam::aws:policy/X'],
          },
        },
      }),
    ).toEqual(['profiles.aws.a.roleArns: only for credentialType assumed_role']);
    expect(issues({ aws: { a: { credentialType: 'assumed_role' } } })).toEqual([
      'profiles.aws.a.roleArns: must list the role(s) to assume',
    ]);
    expect(issues({ aws: { a: { credentialType: 'federation_token' } } })).toEqual([
      'profiles.aws.a.policyArns: give policyArns or a policyDocument: the credentials would grant nothing',
    ]);
    expect(issues({ aws: { a: { credentialType: 'iam_user', policyDocument: 'not json' } } })).toEqual([
      'profiles.aws.a.policyDocument: must be a JSON object (an IAM policy document)',
    ]);
  });

  it('stores a policy document compacted, as Vault does', () => {
    const t = parseTemplate({
      profiles: { aws: { a: { credentialType: 'iam_user', policyDocument: '{ "Version": "2012-10-17" }' } } },
    });
    expect(t.profiles.aws['a']?.policyDocument).toBe('{"Version":"2012-10-17"}');
  });

  it('refuses PKI key sizes the key type does not have, and ttl above maxTtl', () => {
    expect(issues({ pki: { a: { allowedDomains: ['{app}.svc'], keyType: 'ec', keyBits: 2048 } } })).toEqual([
      'profiles.pki.a.keyBits: must be one of 256, 384, 521 for ec keys',
    ]);
    expect(issues({ pki: { a: { allowedDomains: ['{app}.svc'], ttl: '2h', maxTtl: '1h' } } })).toEqual([
      'profiles.pki.a.ttl: must not be greater than maxTtl',
    ]);
  });
});

describe('PKI domain patterns', () => {
  it.each([
    ['{app}.svc.cluster.local', null],
    ['{app}.{namespace}.svc', null],
    ['{namespace}.{cluster}.example.com', null],
    ['example.com', 'must contain {app} or {namespace}, so each app gets its own names'],
    ['{cluster}.example.com', 'must contain {app} or {namespace}, so each app gets its own names'],
    ['*.{app}.example.com', 'must not contain "*": glob domains are not allowed'],
    ['{app}-x.example.com', 'placeholders must fill a whole label, not part of "{app}-x"'],
    ['{pod}.example.com', 'unknown placeholder "{pod}"; known: {app}, {namespace}, {cluster}, {cloud}, {env}'],
    ['{app}.Example.com', 'label "Example" is not a lowercase DNS label'],
    ['{app}..com', 'label "" is not a lowercase DNS label'],
  ])('%s: %s', (pattern, problem) => {
    expect(domainPatternProblem(pattern)).toBe(problem);
  });
});
