/**
 * Vault's ACL policy language: parsing HCL/JSON policy documents into path
 * rules, after `vault/policy.go` (`ParseACLPolicy` / `parsePaths`).
 *
 * What is enforced, in Vault's order, with Vault's messages (the HTTP layer
 * prefixes them with `failed to parse policy: `):
 *  - syntax (hcl's own messages; duplicate attributes are an error as in Vault >= 1.21);
 *  - top-level keys `name` and `path` only (`invalid key "x" on line N`, as a
 *    go-multierror list);
 *  - per path: templating braces balanced, keys among PATH_KEYS, value types
 *    (hcl decoding errors), `+*` forbidden, legacy `policy = read|write|sudo|deny`,
 *    capabilities valid, `deny` drops everything else (and, as in Vault, skips
 *    the rest of the stanza's validation), wrapping TTLs parse and min <= max,
 *    control-group structure.
 */
import { durationSeconds, parseDuration } from '../sdk/duration.js';
import { multierror } from '../sdk/errors.js';
import { goQuote } from '../sdk/go-text.js';
import { CONTROL_GROUP_POLICY_HCL, DEFAULT_POLICY_HCL, RESPONSE_WRAPPING_POLICY_HCL } from './builtin.js';
import { filterList, goTypeName, type Node, type ObjectList } from './hcl-ast.js';
import { HclDecodeError, decodeObject, type Field, type HclValue } from './hcl-decode.js';
import { HclSyntaxError } from './hcl-parser.js';
import { parseHcl } from './hcl.js';

export type Capability = 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'sudo' | 'deny' | 'subscribe';

/** Capabilities a policy may name (Vault CE; Enterprise's `recover` is not accepted). */
export const CAPABILITIES: readonly Capability[] = [
  'create',
  'read',
  'update',
  'patch',
  'delete',
  'list',
  'sudo',
  'deny',
  'subscribe',
];

export interface ControlGroupFactor {
  readonly name: string;
  readonly groupIds: readonly string[];
  readonly groupNames: readonly string[];
  readonly approvals: number;
  readonly controlledCapabilities: readonly string[];
}

export interface ControlGroup {
  /** Seconds; 0 when unset. */
  readonly ttl: number;
  readonly factors: readonly ControlGroupFactor[];
}

/** One `path "..." { ... }` stanza. Treat as immutable: parsed rules are shared. */
export interface PathRules {
  /** As written, leading '/' stripped, trailing '*' removed when isPrefix. */
  path: string;
  isPrefix: boolean;
  hasSegmentWildcards: boolean;
  /** 'deny' alone when deny is present. */
  capabilities: ReadonlySet<Capability>;
  /** Seconds, 0 = unset. */
  minWrappingTTL: number;
  maxWrappingTTL: number;
  requiredParameters: string[];
  /** Keys lower-cased as Vault does; `[]` means any value. */
  allowedParameters: Map<string, unknown[]>;
  deniedParameters: Map<string, unknown[]>;
  /** `subscribe_event_types` (events). */
  subscribeEventTypes?: readonly string[];
  /** `mfa_methods` (Enterprise; parsed and merged, not enforced here). */
  mfaMethods?: readonly string[];
  /** `control_group` (Enterprise; parsed and validated, not enforced here). */
  controlGroup?: ControlGroup;
  /**
   * The path contains `{{identity...}}` templating. Vault expands it per token
   * entity and drops the stanza when it cannot; tokens here have no entity, so
   * the ACL ignores such stanzas.
   */
  templated?: boolean;
}

export interface Policy {
  name: string;
  raw: string;
  paths: PathRules[];
  /** At least one path uses identity templating. */
  templated?: boolean;
}

/**
 * A policy document Vault would reject. `message` is exactly the text Vault
 * puts after `failed to parse policy: `.
 */
export class PolicyParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyParseError';
  }
}

const TOP_LEVEL_KEYS: ReadonlySet<string> = new Set(['name', 'path']);

/** `parsePaths`' list of valid keys inside a path stanza. */
const PATH_KEYS: ReadonlySet<string> = new Set([
  'comment',
  'policy',
  'capabilities',
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
  'mfa_methods',
  'control_group',
  'subscribe_event_types',
]);

const STRING: Field['schema'] = { kind: 'string' };
const STRINGS: Field['schema'] = { kind: 'slice', elem: STRING };
const ANY: Field['schema'] = { kind: 'interface' };
const PARAMS: Field['schema'] = { kind: 'map', elem: { kind: 'slice', elem: ANY } };

/** The decodable fields of Vault's `Policy` struct. */
const POLICY_FIELDS: readonly Field[] = [{ key: 'name', prop: 'name', schema: STRING }];

const IDENTITY_FACTOR_FIELDS: readonly Field[] = [
  { key: 'group_ids', prop: 'groupIds', schema: STRINGS },
  { key: 'group_names', prop: 'groupNames', schema: STRINGS },
  { key: 'approvals', prop: 'approvals', schema: { kind: 'int' } },
];

const CONTROL_GROUP_FACTOR_FIELDS: readonly Field[] = [
  { key: 'Name', prop: 'name', schema: STRING },
  {
    key: 'identity',
    prop: 'identity',
    schema: { kind: 'ptr', elem: { kind: 'struct', fields: IDENTITY_FACTOR_FIELDS } },
  },
  { key: 'controlled_capabilities', prop: 'controlledCapabilities', schema: STRINGS },
];

const CONTROL_GROUP_FIELDS: readonly Field[] = [
  { key: 'ttl', prop: 'ttl', schema: ANY },
  {
    key: 'factor',
    prop: 'factors',
    schema: { kind: 'map', elem: { kind: 'ptr', elem: { kind: 'struct', fields: CONTROL_GROUP_FACTOR_FIELDS } } },
  },
];

/**
 * The decodable fields of Vault's `PathRules` struct, in declaration order
 * (which decides which error is reported first). Untagged Go fields are
 * matched by their Go name, case-insensitively, as hcl does.
 */
const PATH_FIELDS: readonly Field[] = [
  { key: 'Policy', prop: 'policy', schema: STRING },
  { key: 'Capabilities', prop: 'capabilities', schema: STRINGS },
  { key: 'min_wrapping_ttl', prop: 'minWrappingTTL', schema: ANY },
  { key: 'max_wrapping_ttl', prop: 'maxWrappingTTL', schema: ANY },
  { key: 'allowed_parameters', prop: 'allowedParameters', schema: PARAMS },
  { key: 'denied_parameters', prop: 'deniedParameters', schema: PARAMS },
  { key: 'required_parameters', prop: 'requiredParameters', schema: STRINGS },
  { key: 'mfa_methods', prop: 'mfaMethods', schema: STRINGS },
  {
    key: 'control_group',
    prop: 'controlGroup',
    schema: { kind: 'ptr', elem: { kind: 'struct', fields: CONTROL_GROUP_FIELDS } },
  },
  { key: 'subscribe_event_types', prop: 'subscribeEventTypes', schema: STRINGS },
];

interface DecodedPath {
  policy?: string;
  capabilities?: string[];
  minWrappingTTL?: HclValue;
  maxWrappingTTL?: HclValue;
  allowedParameters?: Map<string, HclValue[]>;
  deniedParameters?: Map<string, HclValue[]>;
  requiredParameters?: string[];
  mfaMethods?: string[];
  controlGroup?: {
    ttl?: HclValue;
    factors?: Map<
      string,
      {
        identity?: { groupIds?: string[]; groupNames?: string[]; approvals?: number };
        controlledCapabilities?: string[];
      }
    >;
  };
  subscribeEventTypes?: string[];
}

const VALID_CAPABILITIES: ReadonlySet<string> = new Set(CAPABILITIES);

/** hclutil.CheckHCLKeys: the unknown keys, or a string when the node is not an object. */
function checkHclKeys(node: Node, valid: ReadonlySet<string>): string[] | string {
  let list: ObjectList;
  if (node.kind === 'list') list = node;
  else if (node.kind === 'object') list = node.list;
  else return `cannot check HCL keys of type ${goTypeName(node)}`;
  const errors: string[] = [];
  for (const item of list.items) {
    const key = item.keys[0]?.value ?? '';
    if (!valid.has(key)) errors.push(`invalid key ${goQuote(key)} on line ${item.assign.line}`);
  }
  return errors;
}

/**
 * identitytpl.PopulateString in validity-check mode: whether the string has
 * `{{...}}` templating; throws on unbalanced braces.
 */
function checkTemplating(s: string): boolean {
  if (s === '') return false;
  const pieces = s.split('{{');
  if ((pieces[0] ?? '').includes('}}')) throw new Error('unbalanced templating characters');
  if (pieces.length === 1) return false;
  for (const piece of pieces.slice(1)) {
    if (piece.split('}}').length !== 2) throw new Error('unbalanced templating characters');
  }
  return true;
}

function decodeFailure(e: unknown): string | undefined {
  return e instanceof HclDecodeError ? e.message : undefined;
}

function lowerKeys(params: Map<string, HclValue[]> | undefined): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  if (params) for (const [k, v] of params) out.set(k.toLowerCase(), v);
  return out;
}

function parsePath(key: string, body: Node, templated: boolean): PathRules {
  const where = `path ${goQuote(key)}:`;

  const keyCheck = checkHclKeys(body, PATH_KEYS);
  if (typeof keyCheck === 'string') throw new PolicyParseError(`${where} ${keyCheck}`);
  if (keyCheck.length > 0) throw new PolicyParseError(multierror(keyCheck.map((e) => `${where} ${e}`)));

  let pc: DecodedPath;
  try {
    pc = decodeObject(body, PATH_FIELDS) as DecodedPath;
  } catch (e) {
    const msg = decodeFailure(e);
    if (msg !== undefined) throw new PolicyParseError(`${where} ${msg}`);
    throw e;
  }

  let path = key.startsWith('/') ? key.slice(1) : key;
  if (path.includes('+*')) {
    throw new PolicyParseError(`path ${goQuote(path)}: invalid use of wildcards ('+*' is forbidden)`);
  }
  const hasSegmentWildcards = path === '+' || path.includes('/+') || path.startsWith('+/');
  let isPrefix = false;
  if (path.endsWith('*') && !hasSegmentWildcards) {
    path = path.slice(0, -1);
    isPrefix = true;
  }

  // Legacy `policy = "..."` maps onto capabilities (appended to any listed).
  let caps: string[] = pc.capabilities ?? [];
  const legacy = pc.policy ?? '';
  if (legacy.length > 0) {
    switch (legacy) {
      case 'deny':
        caps = ['deny'];
        break;
      case 'read':
        caps = [...caps, 'read', 'list'];
        break;
      case 'write':
        caps = [...caps, 'create', 'read', 'update', 'delete', 'list'];
        break;
      case 'sudo':
        caps = [...caps, 'create', 'read', 'update', 'delete', 'list', 'sudo'];
        break;
      default:
        throw new PolicyParseError(`${where} invalid policy ${goQuote(legacy)}`);
    }
  }

  const rules: PathRules = {
    path,
    isPrefix,
    hasSegmentWildcards,
    capabilities: new Set<Capability>(),
    minWrappingTTL: 0,
    maxWrappingTTL: 0,
    requiredParameters: [],
    allowedParameters: new Map(),
    deniedParameters: new Map(),
  };
  if (templated) rules.templated = true;

  const capSet = new Set<Capability>();
  for (const cap of caps) {
    if (cap === 'deny') {
      // Deny wins and, as in Vault, ends the stanza: nothing else is parsed.
      rules.capabilities = new Set<Capability>(['deny']);
      return rules;
    }
    if (!VALID_CAPABILITIES.has(cap)) throw new PolicyParseError(`${where} invalid capability ${goQuote(cap)}`);
    capSet.add(cap as Capability);
  }
  rules.capabilities = capSet;

  if (pc.allowedParameters) rules.allowedParameters = lowerKeys(pc.allowedParameters);
  if (pc.deniedParameters) rules.deniedParameters = lowerKeys(pc.deniedParameters);

  if (pc.minWrappingTTL !== undefined) {
    try {
      rules.minWrappingTTL = durationSeconds(parseDuration(pc.minWrappingTTL));
    } catch (e) {
      throw new PolicyParseError(`error parsing min_wrapping_ttl: ${(e as Error).message}`);
    }
  }
  if (pc.maxWrappingTTL !== undefined) {
    try {
      rules.maxWrappingTTL = durationSeconds(parseDuration(pc.maxWrappingTTL));
    } catch (e) {
      throw new PolicyParseError(`error parsing max_wrapping_ttl: ${(e as Error).message}`);
    }
  }
  if (pc.mfaMethods) rules.mfaMethods = [...pc.mfaMethods];
  if (pc.controlGroup) rules.controlGroup = parseControlGroup(pc.controlGroup, caps);

  if (rules.minWrappingTTL !== 0 && rules.maxWrappingTTL !== 0 && rules.maxWrappingTTL < rules.minWrappingTTL) {
    throw new PolicyParseError('max_wrapping_ttl cannot be less than min_wrapping_ttl');
  }
  if (pc.requiredParameters && pc.requiredParameters.length > 0) rules.requiredParameters = [...pc.requiredParameters];
  if (pc.subscribeEventTypes && pc.subscribeEventTypes.length > 0) {
    rules.subscribeEventTypes = [...pc.subscribeEventTypes];
  }
  return rules;
}

function parseControlGroup(hcl: NonNullable<DecodedPath['controlGroup']>, caps: readonly string[]): ControlGroup {
  let ttl = 0;
  if (hcl.ttl !== undefined) {
    try {
      ttl = durationSeconds(parseDuration(hcl.ttl));
    } catch (e) {
      throw new PolicyParseError(`error parsing control group max ttl: ${(e as Error).message}`);
    }
  }
  const factors: ControlGroupFactor[] = [];
  for (const [name, factor] of hcl.factors ?? []) {
    const identity = factor.identity;
    if (!identity) throw new PolicyParseError('no control_group factor provided');
    const groupIds = identity.groupIds ?? [];
    const groupNames = identity.groupNames ?? [];
    const approvals = identity.approvals ?? 0;
    if (approvals <= 0 || (groupIds.length === 0 && groupNames.length === 0)) {
      throw new PolicyParseError('must provide more than one identity group and approvals > 0');
    }
    const controlled = factor.controlledCapabilities ?? [];
    for (const c of controlled) {
      if (!caps.includes(c)) {
        throw new PolicyParseError("control group factor capabilities must be a subset of the policy's capabilities");
      }
    }
    factors.push({ name, groupIds, groupNames, approvals, controlledCapabilities: controlled });
  }
  if (factors.length === 0) throw new PolicyParseError('no control group factors provided');
  return { ttl, factors };
}

interface Parsed {
  readonly paths: PathRules[];
  readonly templated: boolean;
}

/** Texts known to be valid, which need no second opinion from the real hcl parser. */
const BUILT_IN_TEXTS: ReadonlySet<string> = new Set([
  DEFAULT_POLICY_HCL,
  RESPONSE_WRAPPING_POLICY_HCL,
  CONTROL_GROUP_POLICY_HCL,
]);

function parseRules(rules: string): Parsed {
  let root: ObjectList;
  try {
    root = parseHcl(rules, { trusted: BUILT_IN_TEXTS.has(rules) });
  } catch (e) {
    if (e instanceof HclSyntaxError) throw new PolicyParseError(e.message);
    throw e;
  }

  const topCheck = checkHclKeys(root, TOP_LEVEL_KEYS);
  if (typeof topCheck === 'string') throw new PolicyParseError(topCheck);
  if (topCheck.length > 0) throw new PolicyParseError(multierror(topCheck));

  try {
    decodeObject(root, POLICY_FIELDS);
  } catch (e) {
    const msg = decodeFailure(e);
    if (msg !== undefined) throw new PolicyParseError(msg);
    throw e;
  }

  const paths: PathRules[] = [];
  let templated = false;
  for (const item of filterList(root, 'path').items) {
    const key = item.keys[0]?.value ?? 'path';
    let hasTemplating: boolean;
    try {
      hasTemplating = checkTemplating(key);
    } catch (e) {
      throw new PolicyParseError(`failed to validate policy templating: ${(e as Error).message}`);
    }
    if (hasTemplating) templated = true;
    paths.push(parsePath(key, item.val, hasTemplating));
  }
  return { paths, templated };
}

// Parsed documents are cached by text: the same built-in and stored policies
// are parsed again and again (every policy store, every write of equal text).
const CACHE_LIMIT = 256;
const cache = new Map<string, Parsed>();

/**
 * Parses a policy document (HCL v1 or JSON, as Vault accepts) into its path
 * rules. Throws PolicyParseError with Vault's message. The returned rules may
 * be shared between calls and must not be mutated.
 */
export function parsePolicy(name: string, rules: string): Policy {
  let parsed = cache.get(rules);
  if (parsed) {
    cache.delete(rules);
    cache.set(rules, parsed);
  } else {
    parsed = parseRules(rules);
    cache.set(rules, parsed);
    if (cache.size > CACHE_LIMIT) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
  }
  const policy: Policy = { name, raw: rules, paths: parsed.paths };
  if (parsed.templated) policy.templated = true;
  return policy;
}
