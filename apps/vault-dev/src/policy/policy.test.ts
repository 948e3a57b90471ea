import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CONTROL_GROUP_POLICY_HCL, DEFAULT_POLICY_HCL, RESPONSE_WRAPPING_POLICY_HCL } from './builtin.js';
import { HclDecoder, HclMapList } from './hcl-decode.js';
import { parseHclDocument } from './hcl-parser.js';
import { parsePolicy, PolicyParseError, type PathRules } from './policy.js';

/** A comparable view of parsed rules. */
function view(rules: readonly PathRules[]) {
  return rules.map((r) => ({
    path: r.path,
    isPrefix: r.isPrefix,
    hasSegmentWildcards: r.hasSegmentWildcards,
    capabilities: [...r.capabilities].sort(),
    minWrappingTTL: r.minWrappingTTL,
    maxWrappingTTL: r.maxWrappingTTL,
    requiredParameters: r.requiredParameters,
    allowedParameters: Object.fromEntries(r.allowedParameters),
    deniedParameters: Object.fromEntries(r.deniedParameters),
  }));
}

function parseError(rules: string): string {
  try {
    parsePolicy('test', rules);
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyParseError);
    return (e as Error).message;
  }
  throw new Error('expected a parse error');
}

describe('the hashicorp/hcl (GopherJS) parser', () => {
  it('is loaded without leaving global side effects (global require, Error.stackTraceLimit)', () => {
    const hadRequire = Object.prototype.hasOwnProperty.call(globalThis, 'require');
    const limit = Error.stackTraceLimit;
    parsePolicy('p', 'path "first/load" { capabilities = ["read"] }');
    expect(Object.prototype.hasOwnProperty.call(globalThis, 'require')).toBe(hadRequire);
    expect(Error.stackTraceLimit).toBe(limit);
  });
});

describe('parsePolicy: the HCL policy language', () => {
  // A policy exercising every path form, comment style and option.
  const FULL = `
# Developer policy (hash comment)
name = "dev"

// Everything under secret/, a glob (slash comment)
path "secret/*" {
  capabilities = ["create", "read", "update", "patch", "delete", "list"]
}

/* An exact path written with a leading slash,
   which Vault strips */
path "/secret/super-secret" {
  capabilities = ["deny"]
}

# Segment wildcards: one whole segment each; a trailing * is kept as part of the pattern
path "secret/+/teamb" { capabilities = ["read"] }
path "secret/+/+/foo/*" { capabilities = ["read", "list", "sudo", "subscribe"] }

# Parameters: keys lower-cased, values kept with their HCL types
path "auth/approle/role/+/secret-id" {
  capabilities        = ["update"]
  required_parameters = ["metadata"]
  allowed_parameters  = { "Metadata" = [], "cidr_list" = ["10.*", 1, true] }
  denied_parameters   = { "token_policies" = [] }
  min_wrapping_ttl    = "1s"
  max_wrapping_ttl    = 90
}
`;

  it('parses paths, globs, segment wildcards, capabilities, parameters and wrapping TTLs', () => {
    const policy = parsePolicy('dev', FULL);
    expect(policy.name).toBe('dev');
    expect(policy.raw).toBe(FULL);
    expect(view(policy.paths)).toEqual([
      {
        path: 'secret/',
        isPrefix: true,
        hasSegmentWildcards: false,
        capabilities: ['create', 'delete', 'list', 'patch', 'read', 'update'],
        minWrappingTTL: 0,
        maxWrappingTTL: 0,
        requiredParameters: [],
        allowedParameters: {},
        deniedParameters: {},
      },
      {
        path: 'secret/super-secret',
        isPrefix: false,
        hasSegmentWildcards: false,
        capabilities: ['deny'],
        minWrappingTTL: 0,
        maxWrappingTTL: 0,
        requiredParameters: [],
        allowedParameters: {},
        deniedParameters: {},
      },
      {
        path: 'secret/+/teamb',
        isPrefix: false,
        hasSegmentWildcards: true,
        capabilities: ['read'],
        minWrappingTTL: 0,
        maxWrappingTTL: 0,
        requiredParameters: [],
        allowedParameters: {},
        deniedParameters: {},
      },
      {
        path: 'secret/+/+/foo/*',
        isPrefix: false,
        hasSegmentWildcards: true,
        capabilities: ['list', 'read', 'subscribe', 'sudo'],
        minWrappingTTL: 0,
        maxWrappingTTL: 0,
        requiredParameters: [],
        allowedParameters: {},
        deniedParameters: {},
      },
      {
        path: 'auth/approle/role/+/secret-id',
        isPrefix: false,
        hasSegmentWildcards: true,
        capabilities: ['update'],
        minWrappingTTL: 1,
        maxWrappingTTL: 90,
        requiredParameters: ['metadata'],
        allowedParameters: { metadata: [], cidr_list: ['10.*', 1, true] },
        deniedParameters: { token_policies: [] },
      },
    ]);
  });

  it('parses the JSON form of a policy to the same rules as the HCL form', () => {
    const hcl = `
path "secret/data/app/*" {
  capabilities = ["read", "list"]
  allowed_parameters = { "version" = [], "Format" = ["json", "yaml"] }
  max_wrapping_ttl = "5m"
}
path "sys/policies/acl/+" { policy = "write" }
path "cubbyhole/x" { capabilities = ["deny", "read"] }
`;
    const json = JSON.stringify({
      path: {
        'secret/data/app/*': {
          capabilities: ['read', 'list'],
          allowed_parameters: { version: [], Format: ['json', 'yaml'] },
          max_wrapping_ttl: '5m',
        },
        'sys/policies/acl/+': { policy: 'write' },
        'cubbyhole/x': { capabilities: ['deny', 'read'] },
      },
    });
    expect(view(parsePolicy('j', json).paths)).toEqual(view(parsePolicy('h', hcl).paths));
  });

  it('accepts JSON with a list of path objects, as hcl flattens it', () => {
    const json = '{"path": [{"a/*": {"capabilities": ["read"]}}, {"b": {"capabilities": ["list"]}}]}';
    expect(parsePolicy('j', json).paths.map((r) => [r.path, [...r.capabilities]])).toEqual([
      ['a/', ['read']],
      ['b', ['list']],
    ]);
  });

  it.each([
    ['read', ['list', 'read']],
    ['write', ['create', 'delete', 'list', 'read', 'update']],
    ['sudo', ['create', 'delete', 'list', 'read', 'sudo', 'update']],
    ['deny', ['deny']],
  ])('maps the legacy policy = "%s" to capabilities', (legacy, caps) => {
    const [rule] = parsePolicy('p', `path "x" { policy = "${legacy}" }`).paths;
    expect([...(rule?.capabilities ?? [])].sort()).toEqual(caps);
  });

  it('adds legacy policy capabilities to listed ones, except deny which replaces them', () => {
    const [a, b] = parsePolicy(
      'p',
      `path "a" { policy = "read" capabilities = ["update", "sudo"] }
       path "b" { policy = "deny" capabilities = ["read", "update", "sudo"] }`,
    ).paths;
    expect([...(a?.capabilities ?? [])].sort()).toEqual(['list', 'read', 'sudo', 'update']);
    expect([...(b?.capabilities ?? [])]).toEqual(['deny']);
  });

  it('keeps only deny when a stanza lists deny with other capabilities', () => {
    const [rule] = parsePolicy('p', 'path "x" { capabilities = ["read", "sudo", "deny", "update"] }').paths;
    expect([...(rule?.capabilities ?? [])]).toEqual(['deny']);
  });

  it('stops validating a stanza at deny, as Vault does (later mistakes are not reported)', () => {
    const [rule] = parsePolicy(
      'p',
      'path "x" { capabilities = ["deny", "bogus"]\n min_wrapping_ttl = "nonsense"\n allowed_parameters = { "a" = [] } }',
    ).paths;
    expect([...(rule?.capabilities ?? [])]).toEqual(['deny']);
    expect(rule?.minWrappingTTL).toBe(0);
    expect(rule?.allowedParameters.size).toBe(0);
  });

  it('treats a * that is not at the end as a literal character of an exact path', () => {
    const [rule] = parsePolicy('p', 'path "secret/*/foo" { capabilities = ["read"] }').paths;
    expect(rule).toMatchObject({ path: 'secret/*/foo', isPrefix: false, hasSegmentWildcards: false });
  });

  it('accepts an empty capability list (a rule granting nothing)', () => {
    const [rule] = parsePolicy('p', 'path "x" { capabilities = [] }').paths;
    expect(rule?.capabilities.size).toBe(0);
  });

  it('accepts an empty document and one with only comments', () => {
    expect(parsePolicy('p', '').paths).toEqual([]);
    expect(parsePolicy('p', '# nothing\n// here\n/* at all */\n').paths).toEqual([]);
  });

  it('accepts the comment key inside a path stanza', () => {
    expect(parsePolicy('p', 'path "x" {\n comment = "why"\n capabilities = ["read"]\n}').paths).toHaveLength(1);
  });

  it.each([
    ['300', 300],
    ['"300"', 300],
    ['"300s"', 300],
    ['"5m"', 300],
    ['"1h30m"', 5400],
    ['"7d"', 604800],
    ['"1500ms"', 1.5],
    ['1.9', 1], // a float is truncated to whole seconds, as Go's time.Duration(f)*time.Second
    ['""', 0],
  ])('parses the wrapping TTL %s as %d seconds', (literal, seconds) => {
    const [rule] = parsePolicy('p', `path "x" {\n capabilities = ["read"]\n min_wrapping_ttl = ${literal}\n}`).paths;
    expect(rule?.minWrappingTTL).toBe(seconds);
  });

  it('keeps allowed_parameters value types: strings, numbers, booleans, maps', () => {
    const [rule] = parsePolicy(
      'p',
      'path "x" {\n capabilities = ["update"]\n allowed_parameters = { "m" = [{"good" = "one"}], "n" = [1, 2.5, false] }\n}',
    ).paths;
    expect(rule?.allowedParameters.get('m')).toEqual([{ good: 'one' }]);
    expect(rule?.allowedParameters.get('n')).toEqual([1, 2.5, false]);
  });

  it('represents nested objects inside parameter maps as hcl does (a list of maps)', () => {
    const [rule] = parsePolicy('p', 'path "x" {\n allowed_parameters = { "m" = [{"a" = {"b" = "c"}}] }\n}').paths;
    const [value] = rule?.allowedParameters.get('m') ?? [];
    expect((value as Record<string, unknown>)['a']).toBeInstanceOf(HclMapList);
  });

  it('marks templated paths', () => {
    const policy = parsePolicy('p', 'path "identity/entity/id/{{identity.entity.id}}" { capabilities = ["read"] }');
    expect(policy.templated).toBe(true);
    expect(policy.paths[0]?.templated).toBe(true);
  });

  it('returns equal rules for the same text (parsed once, cached)', () => {
    const a = parsePolicy('a', FULL);
    const b = parsePolicy('b', FULL);
    expect(b.name).toBe('b');
    expect(b.paths).toBe(a.paths);
  });
});

describe('parsePolicy: errors carry the text Vault puts after "failed to parse policy: "', () => {
  it.each([
    // Each fixture: a description, the document, Vault's message.
    [
      'an unknown capability names the path',
      'path "secret/foo" {\n  capabilities = ["read", "foo"]\n}',
      'path "secret/foo": invalid capability "foo"',
    ],
    [
      'an unknown capability is reported with the path as written',
      'path "/secret/*" { capabilities = ["banana"] }',
      'path "/secret/*": invalid capability "banana"',
    ],
    ['an unknown legacy policy', 'path "/" {\n\tpolicy = "banana"\n}', 'path "/": invalid policy "banana"'],
    [
      '+* is forbidden',
      'path "foo/+*" {\n\tcapabilities = ["read"]\n}',
      `path "foo/+*": invalid use of wildcards ('+*' is forbidden)`,
    ],
    [
      '+* is reported with the leading slash stripped',
      'path "/foo/+*" { capabilities = ["read"] }',
      `path "foo/+*": invalid use of wildcards ('+*' is forbidden)`,
    ],
    [
      'a misspelled key inside a path names the path and the line',
      'path "/" {\n\tcapabilities = ["read"]\n\tcapabilites  = ["read"]\n}',
      '1 error occurred:\n\t* path "/": invalid key "capabilites" on line 3\n\n',
    ],
    [
      'every invalid key is listed',
      'path "x" {\n a = 1\n b = 2\n}',
      '2 errors occurred:\n\t* path "x": invalid key "a" on line 2\n\t* path "x": invalid key "b" on line 3\n\n',
    ],
    [
      'invalid top-level keys (a block has no "=" and is reported on line 0, as in Vault)',
      'name = "test"\nbad  = "foo"\nnope = "yes"\nbanana "foo" {}',
      '3 errors occurred:\n\t* invalid key "bad" on line 2\n\t* invalid key "nope" on line 3\n\t* invalid key "banana" on line 0\n\n',
    ],
    [
      'an attribute set twice (Vault >= 1.21)',
      'path "secret" {\n  capabilities = ["create", "update", "delete"]\n  capabilities = ["create"]\n}\n',
      'The argument "capabilities" at 3:3 was already set. Each argument can only be defined once',
    ],
    [
      'an attribute set twice on one line',
      'path "foo/" { policy = "read" policy = "read" }',
      'The argument "policy" at 1:31 was already set. Each argument can only be defined once',
    ],
    [
      "a syntax error, with hcl's position",
      'path "secret/foo" {\n  capabilities = ["read" "list"]\n}',
      'At 2:26: error parsing list, expected comma or list end, got: STRING',
    ],
    [
      // hcl forgives the list error at the brace, then misses the block's own brace
      'an unclosed list, reported the way hcl does',
      'path "secret/foo" {\n  capabilities = ["read"\n}',
      'At 3:2: object expected closing RBRACE got: EOF',
    ],
    [
      'an unterminated block',
      'path "a" {\n capabilities = ["read"]\n',
      'At 3:2: object expected closing RBRACE got: EOF',
    ],
    ['a bare word', 'dafdaf', "At 1:8: key 'dafdaf' expected start of object ('{') or assignment ('=')"],
    [
      'capabilities given as a string instead of a list',
      'path "a" {\n  capabilities = "read"\n}',
      'path "a": At 2:18: unknown slice type: *ast.LiteralType',
    ],
    [
      'policy given as a list',
      'path "a" { policy = ["read"] }',
      'path "a": At 1:21: root.Policy: unknown type for string *ast.ListType',
    ],
    [
      'a nested list inside capabilities',
      'path "a" { capabilities = [["read"]] }',
      'path "a": At 1:28: root.Capabilities[0]: unknown type for string *ast.ListType',
    ],
    [
      'allowed_parameters given as a list',
      'path "a" { allowed_parameters = ["x"] }',
      'path "a": At 1:33: root.allowed_parameters: not an object type for map (*ast.ListType)',
    ],
    ['a name that is not a string', 'name = ["x"]', 'At 1:8: root.name: unknown type for string *ast.ListType'],
    [
      'max_wrapping_ttl below min_wrapping_ttl (Vault does not name the path here)',
      'path "/" {\n\tpolicy = "read"\n\tmin_wrapping_ttl = 400\n\tmax_wrapping_ttl = 200\n}',
      'max_wrapping_ttl cannot be less than min_wrapping_ttl',
    ],
    [
      'an unparsable wrapping TTL',
      'path "x" { min_wrapping_ttl = "abc" }',
      'error parsing min_wrapping_ttl: time: invalid duration "abc"',
    ],
    [
      'a wrapping TTL with an unknown unit',
      'path "x" { max_wrapping_ttl = "5y" }',
      'error parsing max_wrapping_ttl: time: unknown unit "y" in duration "5y"',
    ],
    [
      'a fractional day count',
      'path "x" { max_wrapping_ttl = "1.5d" }',
      'error parsing max_wrapping_ttl: strconv.ParseInt: parsing "1.5": invalid syntax',
    ],
    [
      'a boolean wrapping TTL',
      'path "x" { min_wrapping_ttl = true }',
      'error parsing min_wrapping_ttl: could not parse duration from input',
    ],
    [
      'unbalanced identity templating in a path',
      'path "identity/entity/id/{{identity.entity.id" { capabilities = ["read"] }',
      'failed to validate policy templating: unbalanced templating characters',
    ],
    ['a path that is not a block', 'path = "secret/*"', 'path "path": cannot check HCL keys of type *ast.LiteralType'],
    [
      'control-group capabilities not in the stanza',
      `path "secret/*" {
  capabilities = ["create", "read"]
  control_group = {
    factor "ops_manager" {
      controlled_capabilities = ["read", "write"]
      identity {
        group_names = ["blah"]
        approvals = 1
      }
    }
  }
}`,
      "control group factor capabilities must be a subset of the policy's capabilities",
    ],
    [
      'a control group without factors',
      'path "x" { capabilities = ["read"] control_group = { ttl = "1h" } }',
      'no control group factors provided',
    ],
    [
      'a control-group factor without approvals',
      'path "x" { capabilities = ["read"] control_group = { factor "f" { identity { group_names = ["g"] } } } }',
      'must provide more than one identity group and approvals > 0',
    ],
    [
      'a JSON policy with a wrongly typed value (JSON tokens carry no position)',
      '{"path": {"secret/*": {"capabilities": "read"}}}',
      'path "secret/*": At -: unknown slice type: *ast.LiteralType',
    ],
    [
      'a JSON policy with an invalid key (reported on the line of its colon)',
      '{\n  "path": {\n    "secret/*": {\n      "capabilities": ["read"],\n      "bogus": 1\n    }\n  }\n}',
      '1 error occurred:\n\t* path "secret/*": invalid key "bogus" on line 5\n\n',
    ],
    ["a JSON syntax error, in hcl's JSON wording", '{"path": {"a": {"capabilities": [tru]}}}', '1:36: illegal char'],
  ])('%s', (_what, rules, message) => {
    expect(parseError(rules)).toBe(message);
  });

  it('reports a duplicate attribute that comes before a later syntax error', () => {
    expect(
      parseError('path "a" {\n capabilities = ["read"]\n capabilities = ["list"]\n}\npath "b" { capabilities = [ }'),
    ).toBe('The argument "capabilities" at 3:2 was already set. Each argument can only be defined once');
  });

  it('reports a syntax error that comes before a duplicate attribute', () => {
    expect(parseError('x = [\npath "a" { capabilities = ["read"] capabilities = ["x"] }')).toBe(
      'At 2:1: unexpected token while parsing list: IDENT',
    );
  });

  it('allows the same path stanza twice (blocks may repeat; they are merged by the ACL)', () => {
    expect(
      parsePolicy('p', 'path "a" { capabilities = ["read"] }\npath "a" { capabilities = ["list"] }').paths,
    ).toHaveLength(2);
  });

  it('does not apply the duplicate-attribute check to JSON documents', () => {
    const [rule] = parsePolicy('p', '{"path": {"a": {"capabilities": ["read"], "capabilities": ["list"]}}}').paths;
    expect([...(rule?.capabilities ?? [])].sort()).toEqual(['list', 'read']);
  });

  it('reports an invalid capability before a later deny', () => {
    expect(parseError('path "x" { capabilities = ["bogus", "deny"] }')).toBe('path "x": invalid capability "bogus"');
  });

  it('does not accept the Enterprise "recover" capability', () => {
    expect(parseError('path "x" { capabilities = ["recover"] }')).toBe('path "x": invalid capability "recover"');
  });

  it('is a PolicyParseError named as such', () => {
    try {
      parsePolicy('p', 'path "x" { capabilities = ["nope"] }');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PolicyParseError);
      expect(e).toBeInstanceOf(Error);
      expect((e as Error).name).toBe('PolicyParseError');
    }
  });
});

describe('built-in policies', () => {
  it('parses the default policy with its comments and templated identity paths', () => {
    const policy = parsePolicy('default', DEFAULT_POLICY_HCL);
    expect(DEFAULT_POLICY_HCL.startsWith('\n# Allow tokens to look up their own properties\n')).toBe(true);
    expect(policy.templated).toBe(true);
    const byPath = new Map(policy.paths.map((r) => [r.path + (r.isPrefix ? '*' : ''), [...r.capabilities].sort()]));
    expect(Object.fromEntries(byPath)).toEqual({
      'auth/token/lookup-self': ['read'],
      'auth/token/renew-self': ['update'],
      'auth/token/revoke-self': ['update'],
      'sys/capabilities-self': ['update'],
      'identity/entity/id/{{identity.entity.id}}': ['read'],
      'identity/entity/name/{{identity.entity.name}}': ['read'],
      'sys/internal/ui/resultant-acl': ['read'],
      'sys/renew': ['update'],
      'sys/leases/renew': ['update'],
      'sys/leases/lookup': ['update'],
      'cubbyhole/*': ['create', 'delete', 'list', 'read', 'update'],
      'sys/wrapping/wrap': ['update'],
      'sys/wrapping/lookup': ['update'],
      'sys/wrapping/unwrap': ['update'],
      'sys/tools/hash': ['update'],
      'sys/tools/hash/*': ['update'],
      'sys/control-group/request': ['update'],
      'identity/oidc/provider/+/authorize': ['read', 'update'],
    });
  });

  it('keeps the default policy text byte-for-byte as Vault stores it', () => {
    // As `GET sys/policies/acl/default` returns it on a fresh server: leading
    // newline, 4-space stanzas except the 2-space identity ones, a doubled
    // blank line after them, no sys/tools/random, final newline.
    expect(
      DEFAULT_POLICY_HCL.startsWith(
        '\n# Allow tokens to look up their own properties\npath "auth/token/lookup-self" {\n    capabilities = ["read"]\n}\n',
      ),
    ).toBe(true);
    expect(DEFAULT_POLICY_HCL).toContain(
      'path "identity/entity/name/{{identity.entity.name}}" {\n  capabilities = ["read"]\n}\n\n\n# Allow a token to look up its resultant ACL',
    );
    expect(DEFAULT_POLICY_HCL).not.toContain('sys/tools/random');
    expect(
      DEFAULT_POLICY_HCL.endsWith(
        'path "identity/oidc/provider/+/authorize" {\n    capabilities = ["read", "update"]\n}\n',
      ),
    ).toBe(true);
    expect(DEFAULT_POLICY_HCL.split('\n')).toHaveLength(94);
  });

  it('parses the response-wrapping and control-group policies', () => {
    expect(
      view(parsePolicy('response-wrapping', RESPONSE_WRAPPING_POLICY_HCL).paths).map((r) => [r.path, r.capabilities]),
    ).toEqual([
      ['cubbyhole/response', ['create', 'read']],
      ['sys/wrapping/unwrap', ['update']],
    ]);
    expect(
      view(parsePolicy('control-group', CONTROL_GROUP_POLICY_HCL).paths).map((r) => [r.path, r.capabilities]),
    ).toEqual([
      ['cubbyhole/control-group', ['create', 'read', 'update']],
      ['sys/wrapping/unwrap', ['update']],
    ]);
  });
});

describe('the HCL parser agrees with hashicorp/hcl (js-hcl-parser)', () => {
  const hcl = createRequire(import.meta.url)('js-hcl-parser') as { parse(s: string): string };

  /** What `hcl.Unmarshal` into interface{} yields, computed from our AST and decoder. */
  function ours(src: string): string {
    try {
      const value = new HclDecoder().decode('root', parseHclDocument(src), { kind: 'interface' }, undefined);
      return JSON.stringify(normalize(value));
    } catch (e) {
      return 'error: ' + (e as Error).message;
    }
  }
  function theirs(src: string): string {
    const out = hcl.parse(src);
    if (out.startsWith('unable to parse JSON: ')) return 'error: ' + out.slice('unable to parse JSON: '.length);
    return JSON.stringify(normalize(JSON.parse(out)));
  }
  function normalize(v: unknown): unknown {
    if (v instanceof HclMapList) return v.items.map(normalize);
    if (Array.isArray(v)) return v.map(normalize);
    if (v !== null && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) o[k] = normalize((v as Record<string, unknown>)[k]);
      return o;
    }
    return v;
  }

  // Deterministic generator of HCL/JSON documents, valid and mangled.
  let seed = 42;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)] as T;
  const str = () =>
    pick([
      '"secret/*"',
      '"a\\nb"',
      '"x\\"y"',
      '"${foo("bar")}"',
      '"\\u00e9"',
      '""',
      '"{{identity.entity.id}}"',
      '"\\101"',
    ]);
  const lit = () =>
    pick([str(), str(), '1', '-5', '0x1F', '1.5', '1e3', 'true', 'false', '<<EOF\nhello\n  world\nEOF\n']);
  const list = (d: number): string =>
    '[' +
    Array.from({ length: rnd(4) }, () => (d > 0 && rnd(4) === 0 ? obj(d - 1) : lit())).join(pick([', ', ',\n'])) +
    ']';
  const obj = (d: number): string => '{' + pick(['', '\n']) + items(d, rnd(3), true) + '}';
  const item = (d: number): string => {
    const key = rnd(2) ? pick(['path', 'capabilities', 'b-c', 'x.y', 'policy']) : str();
    const r = rnd(5);
    if (r === 0 && d > 0) return `${key} ${str()} ${obj(d - 1)}`;
    if (r === 1 && d > 0) return `${key} = ${obj(d - 1)}`;
    if (r === 2) return `${key} = ${list(d)}`;
    return `${key} = ${lit()}`;
  };
  const items = (d: number, n: number, inObj: boolean): string =>
    Array.from({ length: n }, () => pick(['', '# c\n', '// c\n', '/* c */ ']) + item(d)).join(
      inObj ? pick(['\n', ', ']) : '\n',
    ) + (n > 0 ? '\n' : '');
  const json = (d: number): string =>
    '{' +
    Array.from({ length: rnd(4) }, () => {
      const v = rnd(3) === 0 && d > 0 ? json(d - 1) : pick(['"s"', '1', '2.5', 'true', 'null', '["a", true, 2]']);
      return `${pick(['"path"', '"a"', '"capabilities"'])}: ${v}`;
    }).join(', ') +
    '}';
  const mangle = (s: string): string => {
    const i = rnd(s.length + 1);
    return rnd(2)
      ? s.slice(0, i) + s.slice(i + 1)
      : s.slice(0, i) + pick(['{', '}', '[', ']', '"', '=', ',', '\n', '/', '\\']) + s.slice(i);
  };

  it('on 600 generated documents: same acceptance, same values, same error messages', () => {
    const mismatches: string[] = [];
    for (let n = 0; n < 600; n++) {
      let src = n % 3 === 2 ? json(2) : items(2, 1 + rnd(3), false);
      if (n % 2 === 1) src = mangle(src);
      const o = ours(src);
      if (o.includes('was already set')) continue; // a check newer than the compiled hcl
      const t = theirs(src);
      if (o !== t) mismatches.push(`${JSON.stringify(src)}\n  ours:   ${o}\n  theirs: ${t}`);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});
