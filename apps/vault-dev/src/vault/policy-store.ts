/**
 * Named ACL policies, after Vault's `vault/policy_store.go`: the built-in
 * `default` (editable, not deletable), the immutable virtual `root`, the hidden
 * `response-wrapping` and `control-group`, and an ACL cache keyed by policy set
 * from which a policy write drops the sets naming that policy (policies attach
 * to tokens by name and are evaluated live). Dropping only those keeps a policy
 * manager's writes of thousands of policies from rebuilding, on every request,
 * the ACL of its own token, which names none of them. The cache is bounded (least recently used set dropped first):
 * tokens may name any policies, existing or not, so the number of distinct sets is the callers' choice.
 */
import { ACL } from '../policy/acl.js';
import { CONTROL_GROUP_POLICY_HCL, DEFAULT_POLICY_HCL, RESPONSE_WRAPPING_POLICY_HCL } from '../policy/builtin.js';
import { StateFormatError, type Persistable, type PersistedEntries } from '../persist/persistable.js';
import { parsePolicy, type Policy } from '../policy/policy.js';

const HIDDEN = new Set(['response-wrapping', 'control-group']);

/** Distinct policy sets whose ACL is kept; a real deployment has one per kind of token (per app and cluster here). */
export const ACL_CACHE_LIMIT = 4096;

export class PolicyStore implements Persistable {
  private readonly policies = new Map<string, Policy>();
  private readonly aclCache = new Map<string, ACL>();

  constructor() {
    this.policies.set('default', parsePolicy('default', DEFAULT_POLICY_HCL));
    this.policies.set('response-wrapping', parsePolicy('response-wrapping', RESPONSE_WRAPPING_POLICY_HCL));
    this.policies.set('control-group', parsePolicy('control-group', CONTROL_GROUP_POLICY_HCL));
  }

  /** Names as `LIST sys/policies/acl` shows them: stored ones sorted, then `root`. */
  listNames(): string[] {
    return [...this.policies.keys()]
      .filter((n) => !HIDDEN.has(n))
      .sort()
      .concat('root');
  }

  get(name: string): Policy | undefined {
    return this.policies.get(name.toLowerCase());
  }

  exists(name: string): boolean {
    const n = name.toLowerCase();
    return n === 'root' || this.policies.has(n);
  }

  /** Parses and stores; throws PolicyParseError on a bad document. */
  set(name: string, rules: string): void {
    const n = name.toLowerCase();
    this.policies.set(n, parsePolicy(n, rules));
    this.forgetAclsNaming(n);
  }

  delete(name: string): void {
    const n = name.toLowerCase();
    if (this.policies.delete(n)) this.forgetAclsNaming(n);
  }

  /** Drops the cached ACLs whose policy set names `name` (compared as stored: lower case). */
  private forgetAclsNaming(name: string): void {
    for (const key of this.aclCache.keys()) {
      if (key.split('\n').some((n) => n.toLowerCase() === name)) this.aclCache.delete(key);
    }
  }

  /** Every stored policy's document by name (the hidden built-ins never change, so they are not saved). */
  snapshot(): PersistedEntries {
    const out: PersistedEntries = {};
    for (const [name, policy] of this.policies) if (!HIDDEN.has(name)) out[name] = policy.raw;
    return out;
  }

  restore(entries: PersistedEntries): void {
    for (const name of [...this.policies.keys()]) if (!HIDDEN.has(name)) this.policies.delete(name);
    for (const [name, raw] of Object.entries(entries)) {
      if (typeof raw !== 'string') throw new StateFormatError(`policy ${JSON.stringify(name)}: expected HCL text`);
      this.set(name, raw);
    }
    if (!this.policies.has('default')) this.policies.set('default', parsePolicy('default', DEFAULT_POLICY_HCL));
    this.aclCache.clear();
  }

  /** How many policy sets have a cached ACL (bounded by ACL_CACHE_LIMIT). */
  get cachedAclCount(): number {
    return this.aclCache.size;
  }

  /** The ACL for a set of policy names; unknown names contribute nothing. */
  acl(names: readonly string[]): ACL {
    const key = [...names].sort().join('\n');
    let acl = this.aclCache.get(key);
    if (acl) {
      // Most recently used last, so the first key is the one to drop.
      this.aclCache.delete(key);
      this.aclCache.set(key, acl);
    } else {
      const resolved: Policy[] = [];
      for (const name of names) {
        if (name === 'root') resolved.push({ name: 'root', raw: '', paths: [] });
        const policy = this.policies.get(name);
        if (policy) resolved.push(policy);
      }
      acl = new ACL(resolved);
      this.aclCache.set(key, acl);
      if (this.aclCache.size > ACL_CACHE_LIMIT) {
        const oldest = this.aclCache.keys().next().value;
        if (oldest !== undefined) this.aclCache.delete(oldest);
      }
    }
    return acl;
  }
}
