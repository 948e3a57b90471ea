/**
 * ACL evaluation, after Vault's `vault/acl.go` (`NewACL`, `AllowOperation`,
 * `CheckAllowedFromNonExactPaths`, the LIST trailing-slash resolution of
 * current Vault) and `vault/capabilities.go`.
 *
 * Exactly one rule applies to a request:
 *  1. identical patterns from all policies are merged first (union, deny wins,
 *     lowest non-zero wrapping TTLs, parameter lists merged);
 *  2. an exact rule wins outright (for LIST, also the path without its trailing `/`);
 *  3. otherwise the longest-prefix glob and every matching `+` rule compete,
 *     ranked by: later first wildcard, non-glob over glob, fewer `+`, longer
 *     pattern, lexicographically greater pattern;
 *  4. a LIST on `dir/` looks at both `dir/` and `dir` and lets the most specific
 *     deny win against the most specific list grant.
 * Then the operation's capability, wrapping TTL bounds and parameter
 * constraints are checked against that rule alone.
 */
import type { Capability, ControlGroup, Policy, PathRules } from './policy.js';
import { HclMapList } from './hcl-decode.js';

export type AclOperation =
  'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'renew' | 'revoke' | 'rollback' | 'help' | 'header';

export interface AclRequest {
  path: string;
  operation: AclOperation;
  data?: Record<string, unknown> | null;
  /** Seconds; undefined when the request is not wrapped. */
  wrapTTL?: number;
}

export interface AclResult {
  allowed: boolean;
  /** sudo granted on the selected rule. */
  rootPrivs: boolean;
  isRoot: boolean;
  /** The selected rule's capabilities, sorted (`['deny']` for a deny rule, `[]` when none matched). */
  capabilities: Capability[];
  /**
   * Vault's `granting_policies`: the policies whose stanza for the selected
   * pattern granted the capability the operation needed (in policy order; a
   * policy stating the pattern twice appears twice, as in Vault). Empty when
   * the operation was not granted.
   */
  grantingPolicies: string[];
}

// Capability bits, as Vault's `*CapabilityInt` constants.
const DENY = 1;
const CREATE = 2;
const READ = 4;
const UPDATE = 8;
const DELETE = 16;
const LIST = 32;
const SUDO = 64;
const PATCH = 128;
const SUBSCRIBE = 256;

const CAP_BITS: Readonly<Record<Capability, number>> = {
  deny: DENY,
  create: CREATE,
  read: READ,
  update: UPDATE,
  delete: DELETE,
  list: LIST,
  sudo: SUDO,
  patch: PATCH,
  subscribe: SUBSCRIBE,
};

/** Capability names sorted alphabetically, as `sys/capabilities*` returns them. */
const SORTED_CAPS: readonly Capability[] = (Object.keys(CAP_BITS) as Capability[]).filter((c) => c !== 'deny').sort();

const OPERATION_CAP: Readonly<Partial<Record<AclOperation, number>>> = {
  read: READ,
  list: LIST,
  update: UPDATE,
  delete: DELETE,
  create: CREATE,
  patch: PATCH,
  // Internal operations reuse update, as in Vault.
  renew: UPDATE,
  revoke: UPDATE,
  rollback: UPDATE,
};

/** Operations whose request parameters are checked against the rule. */
const PARAM_CHECKED: ReadonlySet<AclOperation> = new Set(['read', 'update', 'create', 'patch']);

/** The merged permissions of one pattern (Vault's ACLPermissions). */
interface Permissions {
  bitmap: number;
  minWrappingTTL: number;
  maxWrappingTTL: number;
  allowed: Map<string, unknown[]> | null;
  denied: Map<string, unknown[]> | null;
  required: string[];
  mfaMethods: string[];
  controlGroup: ControlGroup | null;
  subscribeEventTypes: string[];
  /** Capability bit -> policies that granted it. */
  granting: Map<number, string[]>;
  /** Filled once all policies are merged. */
  capabilityNames: readonly Capability[];
}

/** A non-exact rule that matched, with its ranking keys (Vault's wcPathDescr). */
interface Candidate {
  firstWildcard: number;
  wildcards: number;
  isPrefix: boolean;
  pattern: string;
  perms: Permissions;
}

interface SegmentRule {
  readonly firstWildcard: number;
  readonly isPrefix: boolean;
  /** The pattern without its trailing `*`. */
  readonly pattern: string;
  readonly parts: readonly string[];
  readonly wildcards: number;
  readonly perms: Permissions;
}

interface TrieNode {
  readonly children: Map<number, TrieNode>;
  perms: Permissions | undefined;
}

function newTrieNode(): TrieNode {
  return { children: new Map(), perms: undefined };
}

function bitsOf(caps: ReadonlySet<Capability>): number {
  let bits = 0;
  for (const c of caps) bits |= CAP_BITS[c];
  return bits;
}

function namesOf(bitmap: number): readonly Capability[] {
  if (bitmap & DENY) return Object.freeze(['deny'] as Capability[]);
  return Object.freeze(SORTED_CAPS.filter((c) => bitmap & CAP_BITS[c]));
}

function addGranting(map: Map<number, string[]>, policy: string, bitmap: number): void {
  for (const bit of Object.values(CAP_BITS)) {
    if ((bitmap & bit) === 0) continue;
    const list = map.get(bit);
    if (list) list.push(policy);
    else map.set(bit, [policy]);
  }
}

function cloneParams(params: Map<string, unknown[]>): Map<string, unknown[]> {
  return new Map([...params].map(([k, v]) => [k, [...v]]));
}

function permissionsOf(rule: PathRules, policy: string): Permissions {
  const bitmap = bitsOf(rule.capabilities);
  const granting = new Map<number, string[]>();
  addGranting(granting, policy, bitmap);
  return {
    bitmap,
    minWrappingTTL: rule.minWrappingTTL,
    maxWrappingTTL: rule.maxWrappingTTL,
    allowed: cloneParams(rule.allowedParameters),
    denied: cloneParams(rule.deniedParameters),
    required: [...rule.requiredParameters],
    mfaMethods: rule.mfaMethods ? [...rule.mfaMethods] : [],
    controlGroup: rule.controlGroup ?? null,
    subscribeEventTypes: rule.subscribeEventTypes ? [...rule.subscribeEventTypes] : [],
    granting,
    capabilityNames: [],
  };
}

/** Merges a parameter map into an existing one the way NewACL does. */
function mergeParams(
  existing: Map<string, unknown[]> | null,
  incoming: Map<string, unknown[]>,
): Map<string, unknown[]> | null {
  if (incoming.size === 0) return existing;
  if (existing === null) return cloneParams(incoming);
  for (const [key, value] of incoming) {
    const current = existing.get(key);
    if (value.length === 0 || (current !== undefined && current.length === 0)) {
      // An empty list (any value) overrides value lists.
      existing.set(key, []);
    } else {
      existing.set(key, [...value, ...(current ?? [])]);
    }
  }
  return existing;
}

function mergeInto(existing: Permissions, rule: PathRules, policy: string): void {
  if (existing.bitmap & DENY) return; // already denied: nothing else counts
  const bitmap = bitsOf(rule.capabilities);
  if (bitmap & DENY) {
    existing.bitmap = DENY;
    existing.allowed = null;
    existing.denied = null;
    return;
  }
  existing.bitmap |= bitmap;
  addGranting(existing.granting, policy, bitmap);

  // Prefer the shortest lifetimes: the lowest non-zero value wins.
  if (rule.maxWrappingTTL > 0 && (existing.maxWrappingTTL === 0 || rule.maxWrappingTTL < existing.maxWrappingTTL)) {
    existing.maxWrappingTTL = rule.maxWrappingTTL;
  }
  if (rule.minWrappingTTL > 0 && (existing.minWrappingTTL === 0 || rule.minWrappingTTL < existing.minWrappingTTL)) {
    existing.minWrappingTTL = rule.minWrappingTTL;
  }

  existing.allowed = mergeParams(existing.allowed, rule.allowedParameters);
  existing.denied = mergeParams(existing.denied, rule.deniedParameters);

  for (const p of rule.requiredParameters) if (!existing.required.includes(p)) existing.required.push(p);
  if (rule.mfaMethods) {
    for (const m of rule.mfaMethods) if (!existing.mfaMethods.includes(m)) existing.mfaMethods.push(m);
  }
  if (rule.controlGroup && rule.controlGroup.factors.length > 0) {
    existing.controlGroup = existing.controlGroup
      ? { ...existing.controlGroup, factors: [...existing.controlGroup.factors, ...rule.controlGroup.factors] }
      : rule.controlGroup;
  }
  if (rule.subscribeEventTypes) {
    for (const t of rule.subscribeEventTypes) {
      if (!existing.subscribeEventTypes.includes(t)) existing.subscribeEventTypes.push(t);
    }
  }
}

/** Vault's wildcardPathDescriptorComparePriority: is `a` less specific than `b`? */
function lowerPriority(a: Candidate, b: Candidate): boolean {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard < b.firstWildcard;
  if (a.isPrefix !== b.isPrefix) return a.isPrefix;
  if (a.wildcards !== b.wildcards) return a.wildcards > b.wildcards;
  if (a.pattern.length !== b.pattern.length) return a.pattern.length < b.pattern.length;
  return a.pattern < b.pattern;
}

function best(candidates: readonly Candidate[]): Candidate | undefined {
  let top: Candidate | undefined;
  for (const c of candidates) if (top === undefined || lowerPriority(top, c)) top = c;
  return top;
}

const ROOT_RESULT_POLICIES = ['root'];

export class ACL {
  private readonly root: boolean;
  private readonly exact = new Map<string, Permissions>();
  private readonly prefixTrie: TrieNode = newTrieNode();
  private readonly prefixRules = new Map<string, Permissions>();
  private readonly segmentRules: SegmentRule[] = [];

  constructor(policies: readonly Policy[]) {
    this.root = policies.some((p) => p.name === 'root');
    if (this.root) return;

    const segment = new Map<string, Permissions>();
    for (const policy of policies) {
      for (const rule of policy.paths) {
        // Without an identity entity, templated stanzas cannot be expanded
        // and Vault leaves them out.
        if (rule.templated) continue;
        const table = rule.hasSegmentWildcards ? segment : rule.isPrefix ? this.prefixRules : this.exact;
        const existing = table.get(rule.path);
        if (existing) mergeInto(existing, rule, policy.name);
        else table.set(rule.path, permissionsOf(rule, policy.name));
      }
    }

    for (const perms of [...this.exact.values(), ...this.prefixRules.values(), ...segment.values()]) {
      perms.capabilityNames = namesOf(perms.bitmap);
    }
    for (const [prefix, perms] of this.prefixRules) {
      let node = this.prefixTrie;
      for (let i = 0; i < prefix.length; i++) {
        const c = prefix.charCodeAt(i);
        let next = node.children.get(c);
        if (!next) {
          next = newTrieNode();
          node.children.set(c, next);
        }
        node = next;
      }
      node.perms = perms;
    }
    for (const [full, perms] of segment) {
      const isPrefix = full.endsWith('*');
      const pattern = isPrefix ? full.slice(0, -1) : full;
      const parts = pattern.split('/');
      this.segmentRules.push({
        firstWildcard: full.indexOf('+'),
        isPrefix,
        pattern,
        parts,
        wildcards: parts.filter((p) => p === '+').length,
        perms,
      });
    }
  }

  /** Whether a request may proceed, as Vault's `ACL.AllowOperation`. */
  allowOperation(req: AclRequest): AclResult {
    if (this.root) {
      return {
        allowed: true,
        rootPrivs: true,
        isRoot: true,
        capabilities: [],
        grantingPolicies: [...ROOT_RESULT_POLICIES],
      };
    }
    const result: AclResult = {
      allowed: false,
      rootPrivs: false,
      isRoot: false,
      capabilities: [],
      grantingPolicies: [],
    };
    const op = req.operation;
    // Help is always allowed.
    if (op === 'help') {
      result.allowed = true;
      return result;
    }

    const perms = this.select(trimLeadingSlashes(req.path), op === 'list');
    if (!perms) return result;

    const bitmap = perms.bitmap;
    result.rootPrivs = (bitmap & SUDO) !== 0;
    result.capabilities = [...perms.capabilityNames];

    const needed = OPERATION_CAP[op];
    if (needed === undefined || (bitmap & needed) === 0) return result;
    result.grantingPolicies = [...(perms.granting.get(needed) ?? [])];

    // Wrapping TTL bounds.
    const wrapTTL = req.wrapTTL;
    if (perms.maxWrappingTTL > 0 && (wrapTTL === undefined || wrapTTL > perms.maxWrappingTTL)) return result;
    if (perms.minWrappingTTL > 0 && (wrapTTL === undefined || wrapTTL < perms.minWrappingTTL)) return result;
    // Possible after merging, although each stanza was checked on its own.
    if (perms.minWrappingTTL !== 0 && perms.maxWrappingTTL !== 0 && perms.maxWrappingTTL < perms.minWrappingTTL) {
      return result;
    }

    if (PARAM_CHECKED.has(op) && !parametersAllowed(perms, req.data)) return result;
    result.allowed = true;
    return result;
  }

  /**
   * The capabilities on `path` as `sys/capabilities-self` reports them:
   * sorted, `['deny']` when no rule matches or the rule denies, `['root']`
   * for a root ACL. Uses LIST selection, as Vault does.
   */
  capabilities(path: string): string[] {
    if (this.root) return ['root'];
    const perms = this.select(trimLeadingSlashes(path), true);
    if (!perms || perms.capabilityNames.length === 0) return ['deny'];
    return [...perms.capabilityNames];
  }

  /** The single rule that applies to `path`, or undefined. */
  private select(path: string, isList: boolean): Permissions | undefined {
    const exact = this.exact.get(path);
    if (exact) return exact;
    const trailingSlash = path.endsWith('/');
    if (isList && trailingSlash) {
      const trimmed = path.slice(0, -1);
      const exactTrimmed = this.exact.get(trimmed);
      if (exactTrimmed) return exactTrimmed;
      const candidates = this.candidates(trimmed);
      candidates.push(...this.candidates(path));
      return candidates.length > 0 ? resolveListCandidates(candidates) : undefined;
    }
    return best(this.candidates(path))?.perms;
  }

  /** The longest-prefix glob rule plus every matching `+` rule. */
  private candidates(path: string): Candidate[] {
    const out: Candidate[] = [];
    let node = this.prefixTrie;
    let found: Permissions | undefined = node.perms;
    let foundLength = 0;
    for (let i = 0; i < path.length; i++) {
      const next = node.children.get(path.charCodeAt(i));
      if (!next) break;
      node = next;
      if (node.perms) {
        found = node.perms;
        foundLength = i + 1;
      }
    }
    if (found) {
      out.push({
        firstWildcard: foundLength,
        wildcards: 0,
        isPrefix: true,
        pattern: path.slice(0, foundLength),
        perms: found,
      });
    }
    if (this.segmentRules.length === 0) return out;
    const parts = path.split('/');
    for (const rule of this.segmentRules) {
      if (segmentMatch(rule, parts)) {
        out.push({
          firstWildcard: rule.firstWildcard,
          wildcards: rule.wildcards,
          isPrefix: rule.isPrefix,
          pattern: rule.pattern,
          perms: rule.perms,
        });
      }
    }
    return out;
  }
}

function trimLeadingSlashes(path: string): string {
  let i = 0;
  while (i < path.length && path.charCodeAt(i) === 0x2f) i++;
  return i === 0 ? path : path.slice(i);
}

/** Does a `+` rule match these path segments? (Vault's tryMatchWildcardPath) */
function segmentMatch(rule: SegmentRule, pathParts: readonly string[]): boolean {
  const parts = rule.parts;
  if (pathParts.length < parts.length) return false;
  if (!rule.isPrefix && parts.length !== pathParts.length) return false;
  const last = parts.length - 1;
  for (let i = 0; i <= last; i++) {
    const aclPart = parts[i] as string;
    const pathPart = pathParts[i] as string;
    if (aclPart === '+' || aclPart === pathPart) continue;
    if (rule.isPrefix && i === last && pathPart.startsWith(aclPart)) continue;
    return false;
  }
  return true;
}

/**
 * Vault's resolveACLPermsForListOp: for `LIST dir/`, candidates come from both
 * `dir` and `dir/`. The most specific deny wins unless a more specific rule
 * grants list; otherwise the most specific list grant; otherwise the most
 * specific rule.
 */
function resolveListCandidates(all: readonly Candidate[]): Permissions | undefined {
  let bestDeny: Candidate | undefined;
  let bestList: Candidate | undefined;
  for (const c of all) {
    if (c.perms.bitmap & DENY && (bestDeny === undefined || lowerPriority(bestDeny, c))) bestDeny = c;
    if (c.perms.bitmap & LIST && (bestList === undefined || lowerPriority(bestList, c))) bestList = c;
  }
  if (bestDeny && (bestList === undefined || lowerPriority(bestList, bestDeny))) return bestDeny.perms;
  if (bestList) return bestList.perms;
  return best(all)?.perms;
}

// ---------------------------------------------------------------------------
// Parameter constraints

function parametersAllowed(perms: Permissions, data: Record<string, unknown> | null | undefined): boolean {
  for (const parameter of perms.required) {
    if (!data || !Object.prototype.hasOwnProperty.call(data, parameter.toLowerCase())) return false;
  }
  const entries = data ? Object.entries(data) : [];
  if (entries.length === 0) return true;

  const denied = perms.denied;
  if (denied && denied.size > 0) {
    if (denied.has('*')) return false;
    for (const [parameter, value] of entries) {
      const list = denied.get(parameter.toLowerCase());
      if (list && valueInDeniedList(normalize(parameter, value), list)) return false;
    }
  }

  const allowed = perms.allowed;
  if (!allowed || allowed.size === 0) return true;
  const allowedAll = allowed.has('*');
  if (allowed.size === 1 && allowedAll) return true;
  for (const [parameter, value] of entries) {
    const list = allowed.get(parameter.toLowerCase());
    if (list === undefined) {
      if (!allowedAll) return false;
      continue;
    }
    if (!valueInAllowedList(normalize(parameter, value), list)) return false;
  }
  return true;
}

/**
 * Vault lower-cases policy names before using them, so constraints on
 * `policies`/`token_policies` compare lower-cased values.
 */
function normalize(parameter: string, value: unknown): unknown {
  const p = parameter.toLowerCase();
  if (p !== 'policies' && p !== 'token_policies') return value;
  if (typeof value === 'string') return value.toLowerCase();
  if (Array.isArray(value)) return value.map((v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v));
  return value;
}

/** parseutil.ParseCommaStringSlice for a string: split on commas, trim. */
function commaSlice(s: string): string[] {
  return s === '' ? [] : s.split(',').map((x) => x.trim());
}

function valueInAllowedList(v: unknown, list: readonly unknown[]): boolean {
  if (list.length === 0) return true;
  if (valueInList(v, list)) return true;
  // Lists must have every element allowed; strings are read as comma lists.
  if (Array.isArray(v)) return v.every((e: unknown) => valueInList(e, list));
  if (typeof v === 'string') return commaSlice(v).every((e) => valueInList(e, list));
  return false;
}

function valueInDeniedList(v: unknown, list: readonly unknown[]): boolean {
  if (list.length === 0) return true;
  if (valueInList(v, list)) return true;
  // Any denied element in a list (or comma list) denies the request.
  if (Array.isArray(v)) return v.some((e: unknown) => valueInList(e, list));
  if (typeof v === 'string') return commaSlice(v).some((e) => valueInList(e, list));
  return false;
}

function valueInList(v: unknown, list: readonly unknown[]): boolean {
  for (const el of list) {
    if (v === null || v === undefined) continue; // policy values are never nil
    if (typeof el === 'string') {
      if (typeof v === 'string' && globbedStringsMatch(el, v)) return true;
    } else if (deepEqual(el, v)) {
      return true;
    }
  }
  return false;
}

/** strutil.GlobbedStringsMatch: a leading and/or trailing `*` globs. */
function globbedStringsMatch(item: string, val: string): boolean {
  if (item.length < 2) return val === item;
  const hasPrefix = item.startsWith('*');
  const hasSuffix = item.endsWith('*');
  if (hasPrefix && hasSuffix) return val.includes(item.slice(1, -1));
  if (hasPrefix) return val.endsWith(item.slice(1));
  if (hasSuffix) return val.startsWith(item.slice(0, -1));
  return val === item;
}

/**
 * reflect.DeepEqual between a value from the policy and one from the request.
 * Request data comes from JSON, which Vault decodes with `UseNumber`: a
 * request number is a `json.Number` and never equals a policy value, so a
 * numeric request value only passes an `[]` (any value) constraint.
 */
function deepEqual(policyValue: unknown, requestValue: unknown): boolean {
  if (typeof requestValue === 'number' || typeof requestValue === 'bigint') return false;
  if (policyValue instanceof HclMapList) return false; // []map[string]interface{} vs []interface{}
  if (typeof policyValue === 'string' || typeof policyValue === 'boolean') return policyValue === requestValue;
  if (typeof policyValue === 'number') return false;
  if (Array.isArray(policyValue)) {
    if (!Array.isArray(requestValue) || requestValue.length !== policyValue.length) return false;
    return policyValue.every((p: unknown, i) => deepEqual(p, requestValue[i]));
  }
  if (typeof policyValue === 'object' && policyValue !== null) {
    if (typeof requestValue !== 'object' || requestValue === null || Array.isArray(requestValue)) return false;
    const pk = Object.keys(policyValue);
    const rk = Object.keys(requestValue);
    if (pk.length !== rk.length) return false;
    const req = requestValue as Record<string, unknown>;
    const pol = policyValue as Record<string, unknown>;
    return pk.every((k) => Object.prototype.hasOwnProperty.call(req, k) && deepEqual(pol[k], req[k]));
  }
  return false;
}
