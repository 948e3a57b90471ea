import { describe, expect, it } from 'vitest';
import { isUpToDate, pendingWrites, planChanges, type ActualVaultObjects } from './plan.js';
import { renderVaultObjects } from './render.js';

const desired = renderVaultObjects('myapp', 'aws.stg');

/** What Vault's GETs return after our writes: every field it reports, in its shapes. */
function vaultState(): ActualVaultObjects {
  return {
    approle: {
      bind_secret_id: true,
      local_secret_ids: false,
      secret_id_bound_cidrs: null,
      secret_id_num_uses: 1,
      secret_id_ttl: 300,
      token_bound_cidrs: [],
      token_explicit_max_ttl: 0,
      token_max_ttl: 300,
      token_no_default_policy: false,
      token_num_uses: 0,
      token_period: 300,
      token_policies: ['default', 'secret-api/read-aws.stg.myapp'],
      token_ttl: 300,
      token_type: 'default',
    },
    readPolicy: { name: desired.readPolicy.name, policy: desired.readPolicy.hcl },
    getSecretIdPolicy: { name: desired.getSecretIdPolicy.name, policy: desired.getSecretIdPolicy.hcl },
    tokenRole: {
      allowed_entity_aliases: [],
      allowed_policies: ['secret-api/getsecretid-aws.stg.myapp'],
      allowed_policies_glob: [],
      disallowed_policies: ['root'],
      disallowed_policies_glob: [],
      explicit_max_ttl: 0,
      name: 'getsecretid-aws.stg.myapp',
      orphan: false,
      path_suffix: '',
      period: 0,
      renewable: true,
      token_explicit_max_ttl: 60,
      token_no_default_policy: false,
      token_period: 0,
      token_type: 'default-service',
    },
  };
}

const actions = (actual: ActualVaultObjects) =>
  planChanges(desired, actual).changes.map((c) => [c.kind, c.action, c.fields ?? null]);

describe('plan', () => {
  it('with nothing in Vault, creates all four objects, policies first', () => {
    const plan = planChanges(desired, { approle: null, readPolicy: null, getSecretIdPolicy: null, tokenRole: null });
    expect(plan).toEqual({
      roleName: 'aws.stg.myapp',
      changes: [
        {
          kind: 'policy',
          name: 'secret-api/read-aws.stg.myapp',
          path: 'sys/policies/acl/secret-api/read-aws.stg.myapp',
          action: 'create',
        },
        {
          kind: 'policy',
          name: 'secret-api/getsecretid-aws.stg.myapp',
          path: 'sys/policies/acl/secret-api/getsecretid-aws.stg.myapp',
          action: 'create',
        },
        { kind: 'approle', name: 'aws.stg.myapp', path: 'auth/approle/role/aws.stg.myapp', action: 'create' },
        {
          kind: 'tokenRole',
          name: 'getsecretid-aws.stg.myapp',
          path: 'auth/token/roles/getsecretid-aws.stg.myapp',
          action: 'create',
        },
      ],
    });
  });

  it('with everything as Vault returns it after our writes, is all unchanged with no fields', () => {
    const plan = planChanges(desired, vaultState());
    expect(plan.changes.map((c) => c.action)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(plan.changes.every((c) => !('fields' in c))).toBe(true);
    expect(isUpToDate(plan)).toBe(true);
    expect(pendingWrites(desired, plan)).toEqual([]);
  });

  it('with one TTL changed, updates only the AppRole and names token_ttl', () => {
    const actual = vaultState();
    actual.approle = { ...actual.approle, token_ttl: 600 };
    expect(actions(actual)).toEqual([
      ['policy', 'unchanged', null],
      ['policy', 'unchanged', null],
      ['approle', 'update', ['token_ttl']],
      ['tokenRole', 'unchanged', null],
    ]);
  });

  it('lists every differing field, sorted', () => {
    const actual = vaultState();
    actual.approle = { ...actual.approle, token_ttl: 600, secret_id_num_uses: 0, bind_secret_id: false };
    actual.tokenRole = { ...actual.tokenRole, orphan: true, disallowed_policies: [] };
    expect(actions(actual)).toEqual([
      ['policy', 'unchanged', null],
      ['policy', 'unchanged', null],
      ['approle', 'update', ['bind_secret_id', 'secret_id_num_uses', 'token_ttl']],
      ['tokenRole', 'update', ['disallowed_policies', 'orphan']],
    ]);
  });

  it('with the policy text edited by hand, updates that policy', () => {
    const actual = vaultState();
    actual.readPolicy = { policy: desired.readPolicy.hcl.replace('["list"]', '["read", "list"]') };
    expect(actions(actual)[0]).toEqual(['policy', 'update', ['policy']]);
  });

  it('ignores trailing whitespace in stored policy text, and nothing else', () => {
    const actual = vaultState();
    actual.readPolicy = { policy: `${desired.readPolicy.hcl}\n\n  ` };
    actual.getSecretIdPolicy = { policy: desired.getSecretIdPolicy.hcl.trimEnd() };
    expect(isUpToDate(planChanges(desired, actual))).toBe(true);
    actual.readPolicy = { policy: ` ${desired.readPolicy.hcl}` };
    expect(actions(actual)[0]).toEqual(['policy', 'update', ['policy']]);
  });

  it('reads the legacy sys/policy response, whose text is under "rules"', () => {
    const actual = vaultState();
    actual.readPolicy = { name: desired.readPolicy.name, rules: desired.readPolicy.hcl };
    expect(actions(actual)[0]).toEqual(['policy', 'unchanged', null]);
    actual.readPolicy = { name: desired.readPolicy.name };
    expect(actions(actual)[0]).toEqual(['policy', 'update', ['policy']]);
  });

  it('ignores fields Vault returns that we do not set', () => {
    const actual = vaultState();
    actual.approle = { ...actual.approle, local_secret_ids: true, some_future_field: 'x' };
    actual.tokenRole = { ...actual.tokenRole, name: 'getsecretid-aws.stg.myapp', some_future_field: 'y' };
    expect(isUpToDate(planChanges(desired, actual))).toBe(true);
  });

  it('sees, and would put back, fields set by hand that cut token lives short or widen what a role grants', () => {
    const actual = vaultState();
    actual.approle = {
      ...actual.approle,
      token_explicit_max_ttl: 5,
      token_no_default_policy: true,
      token_type: 'batch',
    };
    actual.tokenRole = {
      ...actual.tokenRole,
      allowed_policies_glob: ['*'],
      token_period: 7,
      token_no_default_policy: true,
      allowed_entity_aliases: ['*'],
      path_suffix: 'x',
    };
    const { changes } = planChanges(desired, actual);
    expect(changes.find((c) => c.kind === 'approle')).toMatchObject({
      action: 'update',
      fields: ['token_explicit_max_ttl', 'token_no_default_policy', 'token_type'],
    });
    expect(changes.find((c) => c.kind === 'tokenRole')).toMatchObject({
      action: 'update',
      fields: [
        'allowed_entity_aliases',
        'allowed_policies_glob',
        'path_suffix',
        'token_no_default_policy',
        'token_period',
      ],
    });
    // The AppRole's defaults are written back where they drifted; the token role, which the API may not write
    // them to, is created anew.
    const writes = pendingWrites(desired, planChanges(desired, actual));
    expect(writes.find((w) => w.kind === 'approle')?.body).toEqual({
      ...desired.approle.body,
      token_explicit_max_ttl: 0,
      token_no_default_policy: false,
      token_type: 'default',
    });
    expect(writes.find((w) => w.kind === 'tokenRole')).toMatchObject({ recreate: true, body: desired.tokenRole.body });
    // A drift in a written field alone is a plain update, and writes no default.
    const ttlOnly = vaultState();
    ttlOnly.approle = { ...ttlOnly.approle, token_ttl: 60 };
    ttlOnly.tokenRole = { ...ttlOnly.tokenRole, renewable: false };
    const plain = pendingWrites(desired, planChanges(desired, ttlOnly));
    expect(plain.find((w) => w.kind === 'approle')?.body).toEqual(desired.approle.body);
    expect(plain.find((w) => w.kind === 'tokenRole')?.recreate).toBeUndefined();
  });

  it('treats policy and CIDR lists as sets, as Vault does', () => {
    const actual = vaultState();
    actual.approle = {
      ...actual.approle,
      token_policies: ['Secret-API/read-aws.stg.myapp', 'default', 'default'],
      secret_id_bound_cidrs: [],
    };
    expect(isUpToDate(planChanges(desired, actual))).toBe(true);
  });

  it('sees a CIDR binding added by hand', () => {
    const actual = vaultState();
    actual.approle = { ...actual.approle, secret_id_bound_cidrs: ['10.0.0.0/8'] };
    expect(actions(actual)[2]).toEqual(['approle', 'update', ['secret_id_bound_cidrs']]);
  });

  it('treats a token-role field Vault omits when zero (token_num_uses) as zero', () => {
    const actual = vaultState();
    expect(actual.tokenRole).not.toHaveProperty('token_num_uses');
    expect(actions(actual)[3]).toEqual(['tokenRole', 'unchanged', null]);
    actual.tokenRole = { ...actual.tokenRole, token_num_uses: 5 };
    expect(actions(actual)[3]).toEqual(['tokenRole', 'update', ['token_num_uses']]);
  });

  it('compares durations as seconds, whatever form they come in', () => {
    const actual = vaultState();
    actual.approle = { ...actual.approle, token_ttl: '5m', token_period: '300' };
    expect(isUpToDate(planChanges(desired, actual))).toBe(true);
  });

  describe('legacy aliasing', () => {
    it('a role written with legacy policies/period as well shows them on GET: unchanged', () => {
      const actual = vaultState();
      actual.approle = {
        ...actual.approle,
        policies: ['default', 'secret-api/read-aws.stg.myapp'],
        period: 300,
      };
      expect(isUpToDate(planChanges(desired, actual))).toBe(true);
    });

    it('a server that reports only the legacy keys: the legacy values count', () => {
      const actual = vaultState();
      const { token_policies: _p, token_period: _t, ...rest } = actual.approle!;
      actual.approle = { ...rest, policies: ['secret-api/read-aws.stg.myapp', 'default'], period: 300 };
      expect(isUpToDate(planChanges(desired, actual))).toBe(true);
    });

    it('a legacy value that differs is reported under the token_* name we write', () => {
      const actual = vaultState();
      actual.approle = { ...actual.approle, token_policies: [], policies: ['default'], token_period: 0, period: 60 };
      expect(actions(actual)[2]).toEqual(['approle', 'update', ['token_period', 'token_policies']]);
    });

    it('the token role’s legacy explicit_max_ttl counts when token_explicit_max_ttl is empty', () => {
      const actual = vaultState();
      actual.tokenRole = { ...actual.tokenRole, token_explicit_max_ttl: 0, explicit_max_ttl: 60 };
      expect(actions(actual)[3]).toEqual(['tokenRole', 'unchanged', null]);
    });
  });

  it('a value of the wrong type is a difference, not a crash', () => {
    const actual = vaultState();
    actual.approle = { ...actual.approle, token_ttl: 'soon', token_policies: 'default,secret-api/read-aws.stg.myapp' };
    expect(actions(actual)[2]).toEqual(['approle', 'update', ['token_ttl']]);
  });
});

describe('pending writes', () => {
  it('are exactly the objects the plan creates or updates, with their full bodies', () => {
    const actual = vaultState();
    actual.approle = { ...actual.approle, token_ttl: 600 };
    actual.getSecretIdPolicy = null;
    const writes = pendingWrites(desired, planChanges(desired, actual));
    expect(writes).toEqual([
      {
        kind: 'policy',
        name: desired.getSecretIdPolicy.name,
        path: desired.getSecretIdPolicy.path,
        body: { policy: desired.getSecretIdPolicy.hcl },
      },
      { kind: 'approle', name: 'aws.stg.myapp', path: desired.approle.path, body: desired.approle.body },
    ]);
  });

  it('on an empty Vault, write all four in dependency order', () => {
    const plan = planChanges(desired, { approle: null, readPolicy: null, getSecretIdPolicy: null, tokenRole: null });
    expect(pendingWrites(desired, plan).map((w) => w.path)).toEqual([
      'sys/policies/acl/secret-api/read-aws.stg.myapp',
      'sys/policies/acl/secret-api/getsecretid-aws.stg.myapp',
      'auth/approle/role/aws.stg.myapp',
      'auth/token/roles/getsecretid-aws.stg.myapp',
    ]);
  });
});
