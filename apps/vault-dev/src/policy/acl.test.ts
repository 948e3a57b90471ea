import { describe, expect, it } from 'vitest';
import { ACL, type AclOperation, type AclRequest } from './acl.js';
import { DEFAULT_POLICY_HCL } from './builtin.js';
import { parsePolicy } from './policy.js';

/** An ACL from named HCL documents. */
function acl(...docs: Array<[name: string, hcl: string]>): ACL {
  return new ACL(docs.map(([name, hcl]) => parsePolicy(name, hcl)));
}

function allowed(a: ACL, operation: AclOperation, path: string, extra: Partial<AclRequest> = {}): boolean {
  return a.allowOperation({ path, operation, ...extra }).allowed;
}

describe('ACL rule selection (vault-api.md §2.3)', () => {
  it('an exact rule wins outright over any glob', () => {
    const a = acl([
      'p',
      `
# The glob would allow everything; the exact rule only reads.
path "secret/*"   { capabilities = ["create", "read", "update", "delete", "list"] }
path "secret/foo" { capabilities = ["read"] }
`,
    ]);
    expect(allowed(a, 'read', 'secret/foo')).toBe(true);
    expect(allowed(a, 'update', 'secret/foo')).toBe(false);
    expect(allowed(a, 'update', 'secret/food')).toBe(true);
  });

  it('a LIST on dir/ also counts an exact rule written without the trailing slash', () => {
    const a = acl(['p', 'path "secret/metadata/app" { capabilities = ["list"] }']);
    expect(allowed(a, 'list', 'secret/metadata/app/')).toBe(true);
    // only for LIST: a read of the slashed path is not the exact rule
    expect(allowed(a, 'read', 'secret/metadata/app/')).toBe(false);
  });

  it('a glob is a prefix match on the characters before the *', () => {
    const a = acl(['p', 'path "secret/foo*" { capabilities = ["read"] }']);
    expect(allowed(a, 'read', 'secret/food')).toBe(true);
    expect(allowed(a, 'read', 'secret/foo/bar')).toBe(true);
    expect(allowed(a, 'read', 'secret/fo')).toBe(false);
  });

  it('the longest matching prefix wins among globs', () => {
    const a = acl([
      'p',
      `
path "secret/*"     { capabilities = ["read"] }
path "secret/app/*" { capabilities = ["update"] }
`,
    ]);
    expect(allowed(a, 'update', 'secret/app/x')).toBe(true);
    expect(allowed(a, 'read', 'secret/app/x')).toBe(false); // less specific rules are not merged in
    expect(allowed(a, 'read', 'secret/other')).toBe(true);
  });

  it('"secret/*" beats "secret/+/+/foo/*": same first wildcard, both globs, fewer + wins', () => {
    const a = acl([
      'p',
      `
path "secret/*"         { capabilities = ["read"] }
path "secret/+/+/foo/*" { capabilities = ["update"] }
`,
    ]);
    expect(a.capabilities('secret/a/b/foo/c')).toEqual(['read']);
    expect(allowed(a, 'update', 'secret/a/b/foo/c')).toBe(false);
  });

  it('(i) the rule whose first wildcard comes later wins', () => {
    const a = acl([
      'p',
      `
path "secret/+/foo" { capabilities = ["read"] }
path "secret/a/*"   { capabilities = ["update"] }
`,
    ]);
    // first wildcard: index 7 for secret/+/foo, index 9 for secret/a/*
    expect(a.capabilities('secret/a/foo')).toEqual(['update']);
  });

  it('(ii) with the first wildcard at the same place, a non-glob rule beats a glob', () => {
    const a = acl([
      'p',
      `
path "secret/*" { capabilities = ["read"] }
path "secret/+" { capabilities = ["update"] }
`,
    ]);
    expect(a.capabilities('secret/x')).toEqual(['update']);
    expect(a.capabilities('secret/x/y')).toEqual(['read']); // + is one segment only
  });

  it('(iii) then fewer + segments win', () => {
    const a = acl([
      'p',
      `
path "secret/+/+/*" { capabilities = ["read"] }
path "secret/+/b/*" { capabilities = ["update"] }
`,
    ]);
    expect(a.capabilities('secret/a/b/c')).toEqual(['update']);
  });

  it('(iv) then the longer pattern wins', () => {
    const a = acl([
      'p',
      `
path "secret/+/b*"  { capabilities = ["read"] }
path "secret/+/bc*" { capabilities = ["update"] }
`,
    ]);
    expect(a.capabilities('secret/a/bcd')).toEqual(['update']);
    expect(a.capabilities('secret/a/bx')).toEqual(['read']);
  });

  it('(v) finally the lexicographically greater pattern wins', () => {
    const a = acl([
      'p',
      `
path "secret/+/+/q" { capabilities = ["read"] }
path "secret/+/q/+" { capabilities = ["update"] }
`,
    ]);
    // same first wildcard, both exact-length, two + each, same length: "secret/+/q/+" > "secret/+/+/q"
    expect(a.capabilities('secret/x/q/q')).toEqual(['update']);
  });

  it('a + matches exactly one whole segment, and a rule without * needs the same segment count', () => {
    const a = acl([
      'p',
      `
path "secret/+/teamb"      { capabilities = ["read"] }
path "secret/+/+/teamc"    { capabilities = ["read"] }
path "secret/+/foo/*"      { capabilities = ["list"] }
path "secret/+/wild/+/end*" { capabilities = ["update"] }
`,
    ]);
    expect(allowed(a, 'read', 'secret/x/teamb')).toBe(true);
    expect(allowed(a, 'read', 'secret/x/y/teamb')).toBe(false);
    expect(allowed(a, 'read', 'secret/teamb')).toBe(false);
    expect(allowed(a, 'read', 'secret/x/y/teamc')).toBe(true);
    expect(allowed(a, 'list', 'secret/x/foo/a/b/c')).toBe(true);
    expect(allowed(a, 'list', 'secret/x/bar/a')).toBe(false);
    // with a trailing *, the last segment is a prefix match
    expect(allowed(a, 'update', 'secret/x/wild/y/endless/more')).toBe(true);
    expect(allowed(a, 'update', 'secret/x/wild/y/nope')).toBe(false);
  });

  it('a + at the start of a pattern matches the first segment', () => {
    const a = acl(['p', 'path "+/segment/at/front" { capabilities = ["read"] }']);
    expect(allowed(a, 'read', 'test/segment/at/front')).toBe(true);
    expect(allowed(a, 'read', 'test/segment/at/frond')).toBe(false);
  });

  it('a more specific allow beats a broader deny', () => {
    const a = acl([
      'p',
      `
path "secret/*"   { capabilities = ["deny"] }
path "secret/foo" { capabilities = ["read"] }
`,
    ]);
    expect(allowed(a, 'read', 'secret/foo')).toBe(true);
    expect(allowed(a, 'read', 'secret/bar')).toBe(false);
  });

  it('a more specific deny beats a broader allow', () => {
    const a = acl([
      'p',
      `
path "secret/*"            { capabilities = ["create", "read", "update", "delete", "list"] }
path "secret/super-secret" { capabilities = ["deny"] }
`,
    ]);
    expect(allowed(a, 'read', 'secret/super-secret')).toBe(false);
    expect(allowed(a, 'read', 'secret/public')).toBe(true);
  });

  it('deny overrides sudo on the same pattern', () => {
    const a = acl(
      ['admin', 'path "sys/seal" { capabilities = ["update", "sudo"] }'],
      ['lockdown', 'path "sys/seal" { capabilities = ["deny"] }'],
    );
    const r = a.allowOperation({ path: 'sys/seal', operation: 'update' });
    expect(r).toMatchObject({ allowed: false, rootPrivs: false, capabilities: ['deny'] });
    expect(a.capabilities('sys/seal')).toEqual(['deny']);
  });

  it('identical patterns across policies are merged: capabilities are unioned', () => {
    const a = acl(
      ['reader', 'path "secret/app/*" { capabilities = ["read"] }'],
      ['writer', 'path "secret/app/*" { capabilities = ["update", "list"] }'],
    );
    expect(a.capabilities('secret/app/x')).toEqual(['list', 'read', 'update']);
    expect(a.allowOperation({ path: 'secret/app/x', operation: 'read' }).grantingPolicies).toEqual(['reader']);
    expect(a.allowOperation({ path: 'secret/app/x', operation: 'list' }).grantingPolicies).toEqual(['writer']);
  });

  it('identical patterns across policies are merged: a deny in any of them wins', () => {
    for (const order of [
      ['allow', 'deny'],
      ['deny', 'allow'],
    ]) {
      const docs: Record<string, string> = {
        allow: 'path "secret/x" { capabilities = ["read", "sudo"] }',
        deny: 'path "secret/x" { capabilities = ["deny"] }',
      };
      const a = new ACL(order.map((n) => parsePolicy(n, docs[n] as string)));
      expect(allowed(a, 'read', 'secret/x')).toBe(false);
      expect(a.capabilities('secret/x')).toEqual(['deny']);
    }
  });

  it('only the selected rule counts: a broader rule does not add capabilities', () => {
    const a = acl(
      ['wide', 'path "secret/*" { capabilities = ["read", "update"] }'],
      ['narrow', 'path "secret/app/*" { capabilities = ["list"] }'],
    );
    expect(a.capabilities('secret/app/x')).toEqual(['list']);
    expect(allowed(a, 'read', 'secret/app/x')).toBe(false);
  });

  it('no matching rule means denied', () => {
    const a = acl(['p', 'path "secret/*" { capabilities = ["read"] }']);
    expect(a.allowOperation({ path: 'auth/token/create', operation: 'update' })).toEqual({
      allowed: false,
      rootPrivs: false,
      isRoot: false,
      capabilities: [],
      grantingPolicies: [],
    });
    expect(a.capabilities('auth/token/create')).toEqual(['deny']);
  });

  it('a rule with no capabilities is selected and denies everything', () => {
    const a = acl([
      'p',
      `
path "secret/*"      { capabilities = ["read"] }
path "secret/locked" { capabilities = [] }
`,
    ]);
    expect(allowed(a, 'read', 'secret/locked')).toBe(false);
    expect(a.capabilities('secret/locked')).toEqual(['deny']);
  });

  it('a path * rule (empty prefix) matches everything', () => {
    const a = acl(['p', 'path "*" { capabilities = ["read"] }']);
    expect(allowed(a, 'read', 'anything/at/all')).toBe(true);
    expect(allowed(a, 'read', '')).toBe(true);
  });

  it('leading slashes of the request path are ignored', () => {
    const a = acl(['p', 'path "secret/foo" { capabilities = ["read"] }']);
    expect(allowed(a, 'read', '//secret/foo')).toBe(true);
  });

  it('a * in the middle of a pattern is a literal character', () => {
    const a = acl(['p', 'path "secret/*/foo" { capabilities = ["read"] }']);
    expect(allowed(a, 'read', 'secret/*/foo')).toBe(true);
    expect(allowed(a, 'read', 'secret/x/foo')).toBe(false);
  });
});

describe('ACL: LIST on a path with a trailing slash', () => {
  it('a deny on dir/* is not bypassed by a + rule that matches dir', () => {
    const a = acl([
      'p',
      `
path "kv1/+"         { capabilities = ["list"] }
path "kv1/private/*" { capabilities = ["deny"] }
`,
    ]);
    expect(allowed(a, 'list', 'kv1/private/')).toBe(false);
    expect(allowed(a, 'list', 'kv1/public/')).toBe(true); // the + rule via the slash-less form
  });

  it('a more specific list grant still wins over a broader deny', () => {
    const a = acl([
      'p',
      `
path "kv1/*"         { capabilities = ["deny"] }
path "kv1/private/*" { capabilities = ["list"] }
`,
    ]);
    expect(allowed(a, 'list', 'kv1/private/')).toBe(true);
  });

  it('without any list grant the most specific rule decides', () => {
    const a = acl(['p', 'path "kv1/dir/*" { capabilities = ["read"] }']);
    const r = a.allowOperation({ path: 'kv1/dir/', operation: 'list' });
    expect(r).toMatchObject({ allowed: false, capabilities: ['read'] });
  });
});

describe('ACL: operations and results', () => {
  const a = acl([
    'p',
    `
path "secret/*"    { capabilities = ["create", "read", "update", "patch", "delete", "list"] }
path "sys/leases/*" { capabilities = ["update"] }
path "sys/audit/*" { capabilities = ["update", "sudo"] }
`,
  ]);

  it.each([
    ['create', 'create'],
    ['read', 'read'],
    ['update', 'update'],
    ['patch', 'patch'],
    ['delete', 'delete'],
    ['list', 'list'],
  ] as const)('the %s operation needs the %s capability', (op, cap) => {
    const only = acl(['p', `path "x" { capabilities = ["${cap}"] }`]);
    expect(allowed(only, op, 'x')).toBe(true);
    const others = acl([
      'p',
      `path "x" { capabilities = ${JSON.stringify(['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo'].filter((c) => c !== cap))} }`,
    ]);
    expect(allowed(others, op, 'x')).toBe(false);
  });

  it.each(['renew', 'revoke', 'rollback'] as const)('the internal %s operation needs update', (op) => {
    expect(allowed(a, op, 'sys/leases/x')).toBe(true);
    expect(allowed(acl(['p', 'path "x" { capabilities = ["read", "create"] }']), op, 'x')).toBe(false);
  });

  it('help is always allowed, even with no rule for the path', () => {
    expect(a.allowOperation({ path: 'nowhere', operation: 'help' })).toMatchObject({ allowed: true, rootPrivs: false });
  });

  it('the header operation is never allowed by a policy', () => {
    expect(allowed(a, 'header', 'secret/x')).toBe(false);
  });

  it('rootPrivs reports sudo on the selected rule, whether or not the operation is allowed', () => {
    expect(a.allowOperation({ path: 'sys/audit/file', operation: 'update' })).toMatchObject({
      allowed: true,
      rootPrivs: true,
    });
    expect(a.allowOperation({ path: 'sys/audit/file', operation: 'read' })).toMatchObject({
      allowed: false,
      rootPrivs: true,
    });
    expect(a.allowOperation({ path: 'secret/x', operation: 'read' })).toMatchObject({
      allowed: true,
      rootPrivs: false,
    });
  });

  it('reports the selected rule capabilities, sorted', () => {
    expect(a.allowOperation({ path: 'secret/x', operation: 'read' }).capabilities).toEqual([
      'create',
      'delete',
      'list',
      'patch',
      'read',
      'update',
    ]);
  });

  it('grantingPolicies names only the policies granting the needed capability', () => {
    const b = acl(
      ['r', 'path "s/*" { capabilities = ["read"] }'],
      ['w', 'path "s/*" { capabilities = ["update", "read"] }'],
    );
    expect(b.allowOperation({ path: 's/x', operation: 'read' }).grantingPolicies).toEqual(['r', 'w']);
    expect(b.allowOperation({ path: 's/x', operation: 'update' }).grantingPolicies).toEqual(['w']);
    expect(b.allowOperation({ path: 's/x', operation: 'delete' }).grantingPolicies).toEqual([]);
  });

  it('results are fresh objects callers may keep and change', () => {
    const r1 = a.allowOperation({ path: 'secret/x', operation: 'read' });
    r1.capabilities.push('sudo');
    r1.grantingPolicies.push('x');
    expect(a.allowOperation({ path: 'secret/x', operation: 'read' }).grantingPolicies).toEqual(['p']);
    expect(a.capabilities('secret/x')).not.toContain('sudo');
  });
});

describe('ACL: capabilities(path), as sys/capabilities-self reports them', () => {
  it('returns the sorted capabilities of the selected rule', () => {
    const a = acl(['p', 'path "secret/data/*" { capabilities = ["update", "read", "create", "subscribe"] }']);
    expect(a.capabilities('secret/data/foo')).toEqual(['create', 'read', 'subscribe', 'update']);
  });

  it('returns deny when nothing matches or the rule denies', () => {
    const a = acl(['p', 'path "secret/x" { capabilities = ["deny"] }']);
    expect(a.capabilities('secret/x')).toEqual(['deny']);
    expect(a.capabilities('other')).toEqual(['deny']);
  });

  it('uses LIST selection, so dir/ sees an exact rule for dir', () => {
    const a = acl(['p', 'path "secret/dir" { capabilities = ["list", "read"] }']);
    expect(a.capabilities('secret/dir/')).toEqual(['list', 'read']);
  });
});

describe('ACL: the root policy', () => {
  it('a policy named root allows everything with root privileges', () => {
    const a = new ACL([{ name: 'root', raw: '', paths: [] }]);
    for (const operation of ['read', 'update', 'delete', 'list', 'create', 'patch', 'header'] as const) {
      expect(a.allowOperation({ path: 'sys/raw/anything', operation })).toEqual({
        allowed: true,
        rootPrivs: true,
        isRoot: true,
        capabilities: [],
        grantingPolicies: ['root'],
      });
    }
    expect(a.capabilities('any/path')).toEqual(['root']);
  });

  it('root swallows other policies in the list, even denying ones', () => {
    const a = new ACL([
      parsePolicy('deny-all', 'path "*" { capabilities = ["deny"] }'),
      { name: 'root', raw: '', paths: [] },
    ]);
    expect(allowed(a, 'read', 'secret/x')).toBe(true);
  });
});

describe('ACL: parameter constraints (read, create, update, patch)', () => {
  const a = acl([
    'params',
    `
# required: every listed key must be sent
path "req" {
  capabilities        = ["create", "update", "read"]
  required_parameters = ["name", "Owner"]
}
# allowed: only these keys; [] means any value; values may glob at either end
path "allow" {
  capabilities       = ["update", "create", "patch", "read", "delete"]
  allowed_parameters = {
    "color" = []
    "size"  = ["small", "large"]
    "path"  = ["secret/*", "*.json", "*mid*"]
    "star"  = ["*"]
    "ALLOW" = ["good"]
    "flag"  = [false]
    "map"   = [{"good" = "one"}]
    "num"   = [1, 2]
  }
}
# "*" = [] allows any other key
path "allow-star" {
  capabilities       = ["update"]
  allowed_parameters = { "*" = [], "size" = ["small"] }
}
# denied takes precedence; [] denies the key entirely
path "deny" {
  capabilities       = ["update"]
  allowed_parameters = { "*" = [] }
  denied_parameters  = { "token_policies" = ["root", "admin*"], "secret" = [] }
}
# "*" in denied_parameters denies any parameter
path "deny-all" {
  capabilities      = ["update"]
  denied_parameters = { "*" = [] }
}
# both allow and deny the same key: denied
path "both" {
  capabilities       = ["update"]
  allowed_parameters = { "steve" = [] }
  denied_parameters  = { "steve" = [] }
}
`,
  ]);
  const upd = (path: string, data: Record<string, unknown> | null, op: AclOperation = 'update') =>
    a.allowOperation({ path, operation: op, data }).allowed;

  it('required_parameters must all be present (matched against the lower-cased name)', () => {
    expect(upd('req', { name: 'x', owner: 'y' })).toBe(true);
    expect(upd('req', { name: 'x' })).toBe(false);
    expect(upd('req', { name: 'x', Owner: 'y' })).toBe(false); // Vault looks up data["owner"]
    expect(upd('req', null)).toBe(false);
    expect(upd('req', {}, 'read')).toBe(false);
  });

  it('allowed_parameters admits only listed keys', () => {
    expect(upd('allow', { color: 'anything' })).toBe(true);
    expect(upd('allow', { shape: 'round' })).toBe(false);
    expect(upd('allow', { Color: 'red' })).toBe(true); // request keys are lower-cased for lookup
    expect(upd('allow', { allow: 'good' })).toBe(true); // policy keys are lower-cased too
  });

  it('allowed_parameters with values restricts the values', () => {
    expect(upd('allow', { size: 'small' })).toBe(true);
    expect(upd('allow', { size: 'medium' })).toBe(false);
  });

  it('value globs: trailing *, leading *, and both ends', () => {
    expect(upd('allow', { path: 'secret/foo/bar' })).toBe(true);
    expect(upd('allow', { path: 'config.json' })).toBe(true);
    expect(upd('allow', { path: 'has-mid-dle' })).toBe(true);
    expect(upd('allow', { path: 'other/x' })).toBe(false);
  });

  it('a lone "*" value matches only the literal string "*"', () => {
    expect(upd('allow', { star: '*' })).toBe(true);
    expect(upd('allow', { star: 'anything' })).toBe(false);
  });

  it('a list value needs every element allowed; a string is read as a comma list', () => {
    expect(upd('allow', { size: ['small', 'large'] })).toBe(true);
    expect(upd('allow', { size: ['small', 'medium'] })).toBe(false);
    expect(upd('allow', { size: 'small, large' })).toBe(true);
    expect(upd('allow', { size: 'small,medium' })).toBe(false);
  });

  it('non-string values compare by deep equality', () => {
    expect(upd('allow', { flag: false })).toBe(true);
    expect(upd('allow', { flag: true })).toBe(false);
    expect(upd('allow', { map: { good: 'one' } })).toBe(true);
    expect(upd('allow', { map: { bad: 'one' } })).toBe(false);
  });

  it('a JSON number never matches a listed value (Vault decodes request numbers as json.Number)', () => {
    expect(upd('allow', { num: 1 })).toBe(false);
    expect(upd('allow', { num: '1' })).toBe(false);
    expect(upd('allow', { color: 42 })).toBe(true); // [] accepts any value
  });

  it('"*" = [] allows keys not listed, while listed keys keep their value rules', () => {
    expect(upd('allow-star', { anything: 1, size: 'small' })).toBe(true);
    expect(upd('allow-star', { anything: 1, size: 'large' })).toBe(false);
  });

  it('denied_parameters takes precedence over allowed_parameters', () => {
    expect(upd('deny', { ttl: '1h' })).toBe(true);
    expect(upd('deny', { secret: 'x' })).toBe(false);
    expect(upd('deny', { token_policies: ['default', 'admin-ops'] })).toBe(false);
    expect(upd('deny', { token_policies: 'default,root' })).toBe(false);
    expect(upd('deny', { token_policies: ['default'] })).toBe(true);
    expect(upd('both', { steve: 'x' })).toBe(false);
  });

  it('policy names in policies/token_policies are compared lower-cased', () => {
    expect(upd('deny', { token_policies: 'ROOT' })).toBe(false);
    expect(upd('deny', { Token_Policies: ['Admin-x'] })).toBe(false);
  });

  it('"*" in denied_parameters denies any parameter, but not an empty request', () => {
    expect(upd('deny-all', { a: 1 })).toBe(false);
    expect(upd('deny-all', {})).toBe(true);
    expect(upd('deny-all', null)).toBe(true);
  });

  it('constraints apply to read, create, update and patch, not to delete or list', () => {
    for (const op of ['read', 'create', 'update', 'patch'] as const)
      expect(upd('allow', { shape: 'x' }, op)).toBe(false);
    expect(upd('allow', { shape: 'x' }, 'delete')).toBe(true);
  });

  it('merging identical patterns merges parameter lists; an empty list wins', () => {
    const b = acl(
      [
        'one',
        'path "m" {\n capabilities = ["update"]\n allowed_parameters = { "a" = ["x"], "b" = [] }\n required_parameters = ["a"]\n}',
      ],
      [
        'two',
        'path "m" {\n capabilities = ["create"]\n allowed_parameters = { "a" = ["y"], "b" = ["z"] }\n required_parameters = ["b"]\n}',
      ],
    );
    const ok = (data: Record<string, unknown>) => b.allowOperation({ path: 'm', operation: 'update', data }).allowed;
    expect(ok({ a: 'x', b: 'z' })).toBe(true);
    expect(ok({ a: 'y', b: 'anything' })).toBe(true); // b = [] from policy one wins over ["z"]
    expect(ok({ a: 'q', b: 'z' })).toBe(false);
    expect(ok({ a: 'x' })).toBe(false); // required lists are unioned
    expect(ok({ a: 'x', b: 'z', c: 1 })).toBe(false);
  });
});

describe('ACL: response-wrapping TTL bounds', () => {
  const a = acl([
    'wrap',
    `
path "wrapped/min" {
  capabilities     = ["read"]
  min_wrapping_ttl = "1s"   # any wrapping at all becomes mandatory
}
path "wrapped/range" {
  capabilities     = ["read"]
  min_wrapping_ttl = 300
  max_wrapping_ttl = "400s"
}
path "wrapped/max" {
  capabilities     = ["read"]
  max_wrapping_ttl = "1m"
}
`,
  ]);
  const read = (path: string, wrapTTL?: number) =>
    a.allowOperation({ path, operation: 'read', ...(wrapTTL === undefined ? {} : { wrapTTL }) }).allowed;

  it('min_wrapping_ttl makes wrapping mandatory', () => {
    expect(read('wrapped/min')).toBe(false);
    expect(read('wrapped/min', 1)).toBe(true);
  });

  it('the wrap TTL must lie inside [min, max]', () => {
    expect(read('wrapped/range', 50)).toBe(false);
    expect(read('wrapped/range', 450)).toBe(false);
    expect(read('wrapped/range', 350)).toBe(true);
    expect(read('wrapped/range', 300)).toBe(true);
    expect(read('wrapped/range', 400)).toBe(true);
  });

  it('max_wrapping_ttl alone also requires wrapping', () => {
    expect(read('wrapped/max')).toBe(false);
    expect(read('wrapped/max', 60)).toBe(true);
    expect(read('wrapped/max', 61)).toBe(false);
  });

  it('merged patterns keep the lowest non-zero bounds, and a merged min above max denies', () => {
    const b = acl(
      ['one', 'path "w" {\n capabilities = ["read"]\n min_wrapping_ttl = 100\n max_wrapping_ttl = 300\n}'],
      ['two', 'path "w" {\n capabilities = ["read"]\n min_wrapping_ttl = 50\n max_wrapping_ttl = 200\n}'],
      ['three', 'path "bad" {\n capabilities = ["read"]\n min_wrapping_ttl = 500\n}'],
      ['four', 'path "bad" {\n capabilities = ["read"]\n max_wrapping_ttl = 100\n}'],
    );
    expect(b.allowOperation({ path: 'w', operation: 'read', wrapTTL: 60 }).allowed).toBe(true);
    expect(b.allowOperation({ path: 'w', operation: 'read', wrapTTL: 250 }).allowed).toBe(false);
    expect(b.allowOperation({ path: 'w', operation: 'read', wrapTTL: 40 }).allowed).toBe(false);
    expect(b.allowOperation({ path: 'bad', operation: 'read', wrapTTL: 100 }).allowed).toBe(false);
  });
});

describe('ACL: the default policy', () => {
  const a = new ACL([parsePolicy('default', DEFAULT_POLICY_HCL)]);

  it('grants auth/token/lookup-self read but not update', () => {
    expect(a.allowOperation({ path: 'auth/token/lookup-self', operation: 'read' })).toMatchObject({
      allowed: true,
      grantingPolicies: ['default'],
    });
    expect(allowed(a, 'update', 'auth/token/lookup-self')).toBe(false);
  });

  it('grants the self-service token, lease, wrapping and cubbyhole paths', () => {
    expect(allowed(a, 'update', 'auth/token/renew-self')).toBe(true);
    expect(allowed(a, 'update', 'auth/token/revoke-self')).toBe(true);
    expect(allowed(a, 'update', 'sys/capabilities-self')).toBe(true);
    expect(allowed(a, 'update', 'sys/leases/renew')).toBe(true);
    expect(allowed(a, 'update', 'sys/wrapping/unwrap')).toBe(true);
    expect(allowed(a, 'list', 'cubbyhole/')).toBe(true);
    expect(allowed(a, 'create', 'cubbyhole/my/secret')).toBe(true);
    expect(allowed(a, 'update', 'sys/tools/hash/sha2-256')).toBe(true);
    expect(a.capabilities('identity/oidc/provider/p1/authorize')).toEqual(['read', 'update']);
  });

  it('grants nothing else', () => {
    expect(allowed(a, 'read', 'secret/data/foo')).toBe(false);
    expect(allowed(a, 'update', 'auth/token/create')).toBe(false);
    expect(allowed(a, 'update', 'sys/tools/random')).toBe(false);
  });

  it('ignores the templated identity paths for tokens without an entity', () => {
    expect(a.capabilities('identity/entity/id/{{identity.entity.id}}')).toEqual(['deny']);
  });
});

describe('ACL: lookup cost', () => {
  it('stays fast with many rules (exact map, prefix trie, segment rules)', () => {
    const docs: string[] = [];
    for (let i = 0; i < 600; i++) {
      docs.push(`path "secret/data/team${i}/*" { capabilities = ["read"] }`);
      docs.push(`path "secret/metadata/team${i}" { capabilities = ["list"] }`);
      if (i % 20 === 0) docs.push(`path "secret/+/team${i}/+/x" { capabilities = ["update"] }`);
    }
    const a = new ACL([parsePolicy('big', docs.join('\n'))]);
    const run = (): number => {
      let ok = 0;
      for (let n = 0; n < 20_000; n++) {
        const i = n % 600;
        if (a.allowOperation({ path: `secret/data/team${i}/app/config`, operation: 'read' }).allowed) ok++;
        if (a.allowOperation({ path: `secret/metadata/team${i}/`, operation: 'list' }).allowed) ok++;
      }
      return ok;
    };
    run(); // warm up
    const start = performance.now();
    expect(run()).toBe(40_000);
    // ~3 µs per check on a laptop; the bound only catches a per-rule scan.
    expect(performance.now() - start).toBeLessThan(1_500);
  });
});
