import { describe, expect, it } from 'vitest';
import { attachmentProblems, pendingDynamicWrites, planDynamicRoles, renderDynamicRoles } from './dynamic.js';
import { InvalidNameError, ProfileAttachmentError } from './errors.js';
import { renderVaultObjects } from './render.js';
import { parseTemplate } from './template.js';

const template = parseTemplate({
  profiles: {
    database: {
      main: {
        connection: 'main',
        creationStatements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}';`],
        defaultTtl: '1h',
        maxTtl: '1d',
      },
    },
    aws: { 's3-read': { credentialType: 'iam_user', policyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] } },
    pki: { web: { allowedDomains: ['{app}.{namespace}.svc', '{app}.{cluster}.example.com'], allowBareDomains: true } },
  },
});
const all = { database: ['main'], aws: ['s3-read'], pki: ['web'] };
const none = { database: [], aws: [], pki: [] };
const roles = renderDynamicRoles('myapp', 'aws.stg', all, template);
const byKind = (kind: string) => roles.slots.find((s) => s.kind === kind)!;

describe('the dynamic-credential roles of myapp in aws.stg', () => {
  it('are named after the AppRole, on the template mounts, one per engine', () => {
    expect(roles.slots.map((s) => `${s.kind} ${s.path}`)).toEqual([
      'databaseRole database/roles/aws.stg.myapp',
      'awsRole aws/roles/aws.stg.myapp',
      'pkiRole pki/aws/stg/roles/aws.stg.myapp',
    ]);
  });

  it('are exactly what the read policy lets the pod use: creds/<role> and issue/<role> on the same mounts', () => {
    const readPaths = renderVaultObjects('myapp', 'aws.stg', template).readPolicy.rules.map((r) => r.path);
    for (const slot of roles.slots) {
      const use = slot.kind === 'pkiRole' ? 'issue' : 'creds';
      expect(readPaths).toContain(slot.path.replace('/roles/', `/${use}/`));
    }
  });

  it('database role: the connection, statements and TTLs in seconds, as Vault reads them back', () => {
    expect(byKind('databaseRole').desired).toEqual({
      profile: 'main',
      body: {
        db_name: 'main',
        creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}';`],
        revocation_statements: [],
        default_ttl: 3600,
        max_ttl: 86400,
      },
    });
  });

  it('PKI role: domain patterns filled with the app, its namespace (default: the app name) and the cluster', () => {
    expect(byKind('pkiRole').desired?.body).toMatchObject({
      allowed_domains: ['myapp.myapp.svc', 'myapp.aws.stg.example.com'],
      allow_bare_domains: true,
      allow_subdomains: false,
      key_type: 'rsa',
      key_bits: 2048,
    });
    const shop = renderDynamicRoles('myapp', 'aws.stg', { ...all, namespace: 'shop' }, template);
    expect(shop.slots[2]!.desired?.body).toMatchObject({
      allowed_domains: ['myapp.shop.svc', 'myapp.aws.stg.example.com'],
    });
  });

  it('an engine without a profile has a slot with nothing desired, so a leftover role can be removed', () => {
    const dbOnly = renderDynamicRoles('myapp', 'aws.stg', { ...none, database: ['main'] }, template);
    expect(dbOnly.slots.map((s) => s.desired?.profile ?? null)).toEqual(['main', null, null]);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(renderDynamicRoles('myapp', 'aws.stg', all, template))).toBe(JSON.stringify(roles));
  });

  it('refuses profiles the template does not define, and two profiles for one engine, naming each', () => {
    expect(attachmentProblems(template, { database: ['main', 'other'], aws: ['nope'], pki: [] })).toEqual([
      'database: at most one profile (the app has one database role), got 2',
      'database: unknown profile "other"',
      'aws: unknown profile "nope"',
    ]);
    expect(() => renderDynamicRoles('myapp', 'aws.stg', { ...none, aws: ['nope'] }, template)).toThrow(
      ProfileAttachmentError,
    );
  });

  it('refuses a namespace that is not a Kubernetes name before building any domain', () => {
    expect(() => renderDynamicRoles('myapp', 'aws.stg', { ...all, namespace: 'a.b' }, template)).toThrow(
      InvalidNameError,
    );
  });
});

describe('planning the dynamic roles', () => {
  const vaultSide = {
    database: {
      db_name: 'main',
      creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}';`],
      revocation_statements: [],
      renew_statements: [],
      rollback_statements: [],
      default_ttl: 3600,
      max_ttl: 86400,
      credential_type: 'password',
    },
    aws: {
      credential_type: 'iam_user',
      policy_arns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
      policy_document: '',
      role_arns: [],
      default_sts_ttl: 0,
      max_sts_ttl: 0,
      user_path: '/',
    },
    pki: {
      allowed_domains: ['myapp.aws.stg.example.com', 'myapp.myapp.svc'],
      allow_subdomains: false,
      allow_bare_domains: true,
      key_type: 'rsa',
      key_bits: 2048,
      ttl: 86400,
      max_ttl: 604800,
      allow_localhost: true,
    },
  };

  it('what Vault returns for the rendered bodies is unchanged (extra fields, set order, durations)', () => {
    expect(planDynamicRoles(roles, vaultSide).map((c) => c.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });

  it('absent roles are created; a differing field is an update naming it', () => {
    const plan = planDynamicRoles(roles, {
      database: null,
      aws: { ...vaultSide.aws, policy_arns: [] },
      pki: { ...vaultSide.pki, ttl: '1h' },
    });
    expect(plan.map(({ kind, action, fields }) => ({ kind, action, fields }))).toEqual([
      { kind: 'databaseRole', action: 'create', fields: undefined },
      { kind: 'awsRole', action: 'update', fields: ['policy_arns'] },
      { kind: 'pkiRole', action: 'update', fields: ['ttl'] },
    ]);
  });

  it('statement order matters: reordered statements are an update', () => {
    const two = parseTemplate({
      profiles: {
        database: {
          main: { connection: 'main', creationStatements: ['CREATE ROLE "{{name}}";', 'GRANT x TO "{{name}}";'] },
        },
      },
    });
    const r = renderDynamicRoles('myapp', 'aws.stg', { ...none, database: ['main'] }, two);
    const body = r.slots[0]!.desired!.body as { creation_statements: string[] };
    const plan = planDynamicRoles(r, {
      database: { ...body, creation_statements: [...body.creation_statements].reverse() },
      aws: null,
      pki: null,
    });
    expect(plan).toEqual([expect.objectContaining({ action: 'update', fields: ['creation_statements'] })]);
  });

  it('a role still in Vault without a profile is a delete; an engine with neither is left out of the plan', () => {
    const detached = renderDynamicRoles('myapp', 'aws.stg', { ...none, pki: ['web'] }, template);
    const plan = planDynamicRoles(detached, { database: vaultSide.database, aws: null, pki: vaultSide.pki });
    expect(plan.map((c) => `${c.kind} ${c.action}`)).toEqual(['databaseRole delete', 'pkiRole unchanged']);
    expect(pendingDynamicWrites(detached, plan)).toEqual([
      { kind: 'databaseRole', name: 'aws.stg.myapp', path: 'database/roles/aws.stg.myapp', body: null },
    ]);
  });

  it('pending writes carry the whole desired body, and nothing when all is unchanged', () => {
    expect(pendingDynamicWrites(roles, planDynamicRoles(roles, vaultSide))).toEqual([]);
    const writes = pendingDynamicWrites(roles, planDynamicRoles(roles, { ...vaultSide, aws: null }));
    expect(writes).toEqual([
      {
        kind: 'awsRole',
        name: 'aws.stg.myapp',
        path: 'aws/roles/aws.stg.myapp',
        body: byKind('awsRole').desired!.body,
      },
    ]);
  });
});
