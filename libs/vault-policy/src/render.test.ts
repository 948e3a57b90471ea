import { describe, expect, it } from 'vitest';
import { InvalidNameError, TemplateError } from './errors.js';
import { renderVaultObjects } from './render.js';
import { DEFAULT_TEMPLATE, parseTemplate, type PolicyTemplate } from './template.js';

const objects = renderVaultObjects('myapp', 'aws.stg');
const rulePaths = (o: typeof objects) => o.readPolicy.rules.map((r) => `${r.path} ${r.capabilities.join(',')}`);

describe('the default Vault objects of myapp in aws.stg (product.md §3)', () => {
  it('AppRole auth/approle/role/aws.stg.myapp with 300 s periodic tokens and single-use SecretIDs', () => {
    expect(objects.roleName).toBe('aws.stg.myapp');
    expect(objects.approle.path).toBe('auth/approle/role/aws.stg.myapp');
    expect(objects.approle.body).toMatchObject({
      token_period: 300,
      token_policies: ['default', 'secret-api/read-aws.stg.myapp'],
      secret_id_num_uses: 1,
      secret_id_ttl: 300,
      token_ttl: 300,
      token_max_ttl: 300,
      token_num_uses: 0,
      bind_secret_id: true,
    });
  });

  it('writes the token_* field names, never the legacy policies/period', () => {
    expect(objects.approle.body).not.toHaveProperty('policies');
    expect(objects.approle.body).not.toHaveProperty('period');
  });

  it("read policy grants KV v2 data/ and metadata/ paths, shared scopes, dynamic creds and the cluster's PKI", () => {
    expect(objects.readPolicy.name).toBe('secret-api/read-aws.stg.myapp');
    expect(objects.readPolicy.path).toBe('sys/policies/acl/secret-api/read-aws.stg.myapp');
    expect(rulePaths(objects)).toEqual([
      'aws/creds/aws.stg.myapp read',
      'database/creds/aws.stg.myapp read',
      'pki/aws/stg/ca_chain read',
      'pki/aws/stg/cert/ca read',
      'pki/aws/stg/issue/aws.stg.myapp update',
      'secret/data/cluster/aws/stg/* read',
      'secret/data/global/* read',
      'secret/data/myapp/* read',
      'secret/data/project/aws/* read',
      'secret/metadata/myapp/* list',
    ]);
  });

  it('read policy grants nothing that writes or deletes secrets', () => {
    const writing = objects.readPolicy.rules.filter((r) =>
      r.capabilities.some((c) => ['create', 'delete', 'patch', 'sudo'].includes(c)),
    );
    expect(writing).toEqual([]);
    // The one update is PKI issuing, which Vault models as a write.
    expect(objects.readPolicy.rules.filter((r) => r.capabilities.includes('update')).map((r) => r.path)).toEqual([
      'pki/aws/stg/issue/aws.stg.myapp',
    ]);
  });

  it('getsecretid policy grants create/update on the role’s secret-id path and nothing else', () => {
    expect(objects.getSecretIdPolicy.name).toBe('secret-api/getsecretid-aws.stg.myapp');
    expect(objects.getSecretIdPolicy.rules).toEqual([
      {
        path: 'auth/approle/role/aws.stg.myapp/secret-id',
        capabilities: ['create', 'update'],
        description: "Generate SecretIDs for this app's AppRole, nothing else",
      },
    ]);
  });

  it('token role allows only the getsecretid policy, never root, renewable, not orphan', () => {
    expect(objects.tokenRole.path).toBe('auth/token/roles/getsecretid-aws.stg.myapp');
    expect(objects.tokenRole.body).toEqual({
      allowed_policies: ['secret-api/getsecretid-aws.stg.myapp'],
      disallowed_policies: ['root'],
      orphan: false,
      renewable: true,
      token_explicit_max_ttl: 60,
      token_num_uses: 0,
    });
  });

  it('HCL ends with exactly one newline', () => {
    expect(objects.readPolicy.hcl.endsWith('}\n')).toBe(true);
    expect(objects.readPolicy.hcl.endsWith('\n\n')).toBe(false);
  });
});

describe('mounts', () => {
  it('VAULT_KV_MOUNT and VAULT_APPROLE_MOUNT win over the template, so policies follow the real mounts', () => {
    const o = renderVaultObjects('myapp', 'aws.stg', DEFAULT_TEMPLATE, { kvMount: 'kv/', approleMount: 'k8s' });
    expect(o.readPolicy.hcl).toContain('path "kv/data/myapp/*"');
    expect(o.readPolicy.hcl).not.toContain('secret/');
    expect(o.approle.path).toBe('auth/k8s/role/aws.stg.myapp');
    expect(o.getSecretIdPolicy.rules[0]?.path).toBe('auth/k8s/role/aws.stg.myapp/secret-id');
  });

  it('a template may move each engine, and lay PKI out per cluster differently', () => {
    const t = parseTemplate({ mounts: { kv: 'apps', aws: 'aws-main', database: 'db', pki: 'pki_int/{env}' } });
    const o = renderVaultObjects('myapp', 'aws.stg', t);
    expect(o.readPolicy.rules.map((r) => r.path)).toContain('apps/data/myapp/*');
    expect(o.readPolicy.rules.map((r) => r.path)).toContain('aws-main/creds/aws.stg.myapp');
    expect(o.readPolicy.rules.map((r) => r.path)).toContain('db/creds/aws.stg.myapp');
    expect(o.readPolicy.rules.map((r) => r.path)).toContain('pki_int/stg/issue/aws.stg.myapp');
  });

  it.each([
    [{ kvMount: 'sys' }, 'kvMount', 'kvMount "sys" must not be under Vault\'s system mount "sys/"'],
    [{ kvMount: '../sys' }, 'kvMount', 'kvMount "../sys" must not contain "." or ".." segments'],
    [{ kvMount: '' }, 'kvMount', 'kvMount "" must not be empty'],
    [{ approleMount: 'token' }, 'approleMount', 'approleMount "token" is the token auth method'],
    [
      { approleMount: 'app"role' },
      'approleMount',
      'approleMount "app\\"role" may contain only letters, digits, "_", ".", "-" and "/" between segments',
    ],
  ])('refuses the mount option %j', (options, field, message) => {
    expect(() => renderVaultObjects('myapp', 'aws.stg', DEFAULT_TEMPLATE, options)).toThrow(
      expect.objectContaining({ name: 'InvalidNameError', field, message }),
    );
  });
});

describe('validation comes before any path is built', () => {
  it.each([
    ['../sys', 'aws.stg', 'app'],
    ['my.app', 'aws.stg', 'app'],
    ['global', 'aws.stg', 'app'],
    ['myapp', 'aws/../sys', 'cluster'],
    ['myapp', 'AWS.stg', 'cluster'],
  ])('app %j in cluster %j is an InvalidNameError on %s', (app, cluster, field) => {
    let caught: unknown;
    try {
      // The template is invalid too: the name must be reported first.
      renderVaultObjects(app, cluster, { bogus: true } as unknown as PolicyTemplate);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidNameError);
    expect(caught).toMatchObject({ field });
  });

  it('a hand-built template object gets the same checks as a template file', () => {
    const bad = structuredClone(DEFAULT_TEMPLATE) as PolicyTemplate;
    bad.readPolicy.rules[0]!.path = '{kv}/data/{app}/../../sys/*';
    expect(() => renderVaultObjects('myapp', 'aws.stg', bad)).toThrow(TemplateError);
    expect(() => renderVaultObjects('myapp', 'aws.stg', bad)).toThrow(
      'invalid policy template: readPolicy.rules[0].path: must not contain "." or ".." segments',
    );
  });
});

/** A small deterministic PRNG, so a "shuffled" failure is reproducible. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The same object with its keys in reverse order, recursively. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    );
  }
  return value;
}

describe('determinism', () => {
  it('rendering twice gives identical objects and byte-identical HCL', () => {
    const again = renderVaultObjects('myapp', 'aws.stg');
    expect(again).toEqual(objects);
    expect(JSON.stringify(again)).toBe(JSON.stringify(objects));
  });

  it.each([1, 2, 3, 42, 2024])('shuffled rules, capabilities and keys (seed %i) render identically', (seed) => {
    const input = structuredClone(DEFAULT_TEMPLATE) as PolicyTemplate;
    input.readPolicy.rules = shuffle(input.readPolicy.rules, seed).map((r, i) => ({
      ...r,
      capabilities: shuffle(r.capabilities, seed + i),
    }));
    input.getSecretIdPolicy.capabilities = [...input.getSecretIdPolicy.capabilities].reverse();
    const shuffled = parseTemplate(reverseKeys(input));
    expect(JSON.stringify(renderVaultObjects('myapp', 'aws.stg', shuffled))).toBe(JSON.stringify(objects));
  });

  it('different apps and clusters never share a policy path', () => {
    const other = renderVaultObjects('otherapp', 'aws.prd');
    const mine = new Set(objects.readPolicy.rules.map((r) => r.path));
    const shared = other.readPolicy.rules.map((r) => r.path).filter((p) => mine.has(p));
    expect(shared).toEqual(['secret/data/global/*', 'secret/data/project/aws/*']);
  });
});
