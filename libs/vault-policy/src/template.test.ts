import { describe, expect, it } from 'vitest';
import { TemplateError } from './errors.js';
import { DEFAULT_TEMPLATE, parseTemplate } from './template.js';

function templateError(input: unknown): TemplateError {
  try {
    parseTemplate(input);
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error('expected a TemplateError');
}

const rule = (path: string, extra: object = {}) => ({
  readPolicy: { rules: [{ path, capabilities: ['read'], ...extra }] },
});

describe('the default template', () => {
  it('is what an empty template file means, and cannot be mutated by a caller', () => {
    expect(parseTemplate({})).toEqual(DEFAULT_TEMPLATE);
    expect(Object.isFrozen(DEFAULT_TEMPLATE.approle)).toBe(true);
    expect(Object.isFrozen(DEFAULT_TEMPLATE.readPolicy.rules[0]?.capabilities)).toBe(true);
  });

  it('sets the AppRole to product.md §3: 300 s tokens and single-use, 300 s SecretIDs', () => {
    expect(DEFAULT_TEMPLATE.approle).toMatchObject({
      token_period: 300,
      token_ttl: 300,
      token_max_ttl: 300,
      token_num_uses: 0,
      secret_id_num_uses: 1,
      secret_id_ttl: 300,
    });
    expect(DEFAULT_TEMPLATE.mounts).toEqual({
      kv: 'secret',
      approle: 'approle',
      aws: 'aws',
      database: 'database',
      pki: 'pki/{cloud}/{env}',
    });
  });

  it('survives a JSON round trip unchanged (what an exported template file would hold)', () => {
    expect(parseTemplate(JSON.parse(JSON.stringify(DEFAULT_TEMPLATE)))).toEqual(DEFAULT_TEMPLATE);
  });
});

describe('template overrides', () => {
  it('change only what they name, and accept Vault duration strings', () => {
    const t = parseTemplate({ approle: { token_ttl: '2m', token_max_ttl: '1h', secret_id_ttl: '90s' } });
    expect(t.approle).toMatchObject({ token_ttl: 120, token_max_ttl: 3600, secret_id_ttl: 90, token_period: 300 });
    expect(t.readPolicy).toEqual(DEFAULT_TEMPLATE.readPolicy);
    expect(t.tokenRole).toEqual(DEFAULT_TEMPLATE.tokenRole);
  });

  it('replace the read rules as a whole, so a rule can be removed', () => {
    const t = parseTemplate(rule('{kv}/data/{app}/*'));
    expect(t.readPolicy.rules).toEqual([{ path: '{kv}/data/{app}/*', capabilities: ['read'], description: '' }]);
  });

  it.each([
    [{ approle: { token_tll: 5 } }, 'approle.token_tll: unknown field'],
    [{ extra: true }, 'extra: unknown field'],
    [{ version: 2 }, 'version: must be 1'],
    [{ approle: { token_ttl: -1 } }, 'approle.token_ttl: must not be negative'],
    [
      { approle: { token_ttl: 'soon' } },
      'approle.token_ttl: "soon" is not a duration (use seconds or e.g. "5m", "1h30m", "7d")',
    ],
    [{ approle: { token_ttl: true } }, 'approle.token_ttl: must be a number of seconds or a duration string'],
    [{ approle: { token_ttl: '1.5s' } }, 'approle.token_ttl: must be a whole number of seconds'],
    [{ approle: { token_ttl: 600 } }, 'approle.token_ttl: must not be greater than token_max_ttl'],
    [{ approle: { token_num_uses: 1.5 } }, 'approle.token_num_uses: must be a whole number'],
    [
      { approle: { secret_id_num_uses: 0 } },
      'approle.secret_id_num_uses: must be at least 1: SecretIDs must be use-limited',
    ],
    [{ approle: { secret_id_ttl: 0 } }, 'approle.secret_id_ttl: must be greater than 0: SecretIDs must expire'],
    [
      { approle: { secret_id_bound_cidrs: ['10.0.0.0/8', '10.0.0.0/33'] } },
      'approle.secret_id_bound_cidrs[1]: must be an IP address or CIDR block',
    ],
    [{ mounts: { kv: 'sys' } }, 'mounts.kv: must not be under Vault\'s system mount "sys/"'],
    [{ mounts: { kv: 'auth/approle' } }, 'mounts.kv: must not be under Vault\'s system mount "auth/"'],
    [{ mounts: { kv: '../secret' } }, 'mounts.kv: must not contain "." or ".." segments'],
    [{ mounts: { kv: 'secret/' } }, 'mounts.kv: must not start or end with "/"'],
    [
      { mounts: { kv: 'se cret' } },
      'mounts.kv: may contain only letters, digits, "_", ".", "-" and "/" between segments',
    ],
    [{ mounts: { approle: 'token' } }, 'mounts.approle: must not be "token", the token auth method'],
    [{ mounts: { pki: 'pki/{app}' } }, 'mounts.pki: uses unknown placeholder "{app}"'],
    [{ mounts: { aws: 'aws/{cloud}' } }, 'mounts.aws: uses unknown placeholder "{cloud}"'],
    [{ mounts: { pki: '{cloud}/pki' } }, 'mounts.pki: must start with a fixed segment, not a placeholder'],
    [
      rule('{kv}/data/{foo}/*'),
      'readPolicy.rules[0].path: unknown placeholder "{foo}"; known: {kv}, {aws}, {database}, {pki}, {app}, {cloud}, {env}, {cluster}, {role}',
    ],
    [rule('{kv}/data/{app}/../../sys/*'), 'readPolicy.rules[0].path: must not contain "." or ".." segments'],
    [rule('{kv}//data/{app}/*'), 'readPolicy.rules[0].path: must not contain an empty segment ("//")'],
    [rule('/{kv}/data/{app}/*'), 'readPolicy.rules[0].path: must not start or end with "/"'],
    [
      rule('{kv}/data/{app}*'),
      'readPolicy.rules[0].path: placeholders must fill a whole segment, not part of "{app}*"',
    ],
    [
      rule('{kv}/data/{{identity.entity.id}}/*'),
      'readPolicy.rules[0].path: placeholders must fill a whole segment, not part of "{{identity.entity.id}}"',
    ],
    [rule('{kv}/data/+/*'), 'readPolicy.rules[0].path: "+" segment wildcards are not allowed'],
    [rule('{kv}/data/*/x'), 'readPolicy.rules[0].path: "*" is allowed only as the last segment'],
    [rule('{kv}/data/{app}/x*'), 'readPolicy.rules[0].path: "*" is allowed only as a whole last segment ("…/*")'],
    [
      rule('{kv}/data/*'),
      'readPolicy.rules[0].path: "*" must come at least two segments below the mount, so one rule cannot cover a whole engine',
    ],
    [
      rule('{aws}/creds/*'),
      'readPolicy.rules[0].path: "*" must come at least two segments below the mount, so one rule cannot cover a whole engine',
    ],
    [
      rule('sys/policies/acl/*'),
      'readPolicy.rules[0].path: must start with a secrets-engine mount placeholder ({kv}, {aws}, {database}, {pki})',
    ],
    [rule('{kv}/data/{pki}/*'), 'readPolicy.rules[0].path: {pki} may only be the first segment'],
    [
      rule('{kv}/data/{cloud}/*'),
      'readPolicy.rules[0].path: under {kv}, the segment after "data" must be {app} or a shared scope (cluster, global, project), not "{cloud}"',
    ],
    [
      rule('{kv}/data/otherapp/*'),
      'readPolicy.rules[0].path: under {kv}, the segment after "data" must be {app} or a shared scope (cluster, global, project), not "otherapp"',
    ],
    [
      rule('{kv}/data/project/*'),
      'readPolicy.rules[0].path: under {kv}, the project scope must be followed by {cloud}',
    ],
    [
      rule('{kv}/data/cluster/{cloud}/*'),
      'readPolicy.rules[0].path: under {kv}, the cluster scope must be followed by {cloud}/{env}',
    ],
    [
      { readPolicy: { rules: [{ path: '{kv}/data/{app}/*', capabilities: ['read', 'write'] }] } },
      'readPolicy.rules[0].capabilities[1]: invalid capability "write"; valid: deny, create, read, update, delete, list, sudo, patch, subscribe',
    ],
    [
      { readPolicy: { rules: [{ path: '{kv}/data/{app}/*', capabilities: [] }] } },
      'readPolicy.rules[0].capabilities: must list at least one capability',
    ],
    [
      rule('{kv}/data/{app}/*', { description: 'x\n}\npath "sys/*" {' }),
      'readPolicy.rules[0].description: must be a single line',
    ],
    [{ readPolicy: { rules: [] } }, 'readPolicy.rules: must list at least one rule'],
    [
      {
        readPolicy: {
          rules: [
            { path: '{kv}/data/{app}/*', capabilities: ['read'] },
            { path: '{kv}/data/{app}/*', capabilities: ['list'] },
          ],
        },
      },
      'readPolicy.rules[1].path: repeats rules[0].path',
    ],
    [
      { getSecretIdPolicy: { capabilities: ['update', 'read'] } },
      'getSecretIdPolicy.capabilities: may only hold "create" and "update"',
    ],
    [
      { getSecretIdPolicy: { capabilities: ['create'] } },
      'getSecretIdPolicy.capabilities: must include "update": Vault checks it to generate a SecretID',
    ],
    [
      { tokenRole: { token_explicit_max_ttl: '-5s' } },
      'tokenRole.token_explicit_max_ttl: "-5s" is not a duration (use seconds or e.g. "5m", "1h30m", "7d")',
    ],
  ])('%j is refused with "%s"', (input, expected) => {
    const err = templateError(input);
    expect(err.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))).toEqual([expected]);
    expect(err.message).toBe(`invalid policy template: ${expected}`);
  });

  it('reports every problem at once, each with its path', () => {
    const err = templateError({ approle: { token_ttl: 'x', bogus: 1 }, tokenRole: { renewable: 'yes' } });
    expect(err.issues.map((i) => i.path).sort()).toEqual(['approle.bogus', 'approle.token_ttl', 'tokenRole.renewable']);
  });

  it.each([[null], [[]], ['{}'], [42]])('refuses a template that is not an object: %j', (input) => {
    const err = templateError(input);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]?.path).toBe('');
  });
});
