/**
 * The Kubernetes auth method's storage, after vault-plugin-auth-kubernetes's
 * layout: one `config` entry (kubeConfig) and `role/<lower-cased name>`
 * entries (roleStorageEntry). Persisted under the same names, with change
 * marks so a login or a role write costs one entry at commit.
 *
 * Everything handed out is a copy and everything stored is copied, so a
 * handler that fails half-way leaves nothing behind.
 */
import {
  ChangeMarks,
  objectEntry,
  toJson,
  type JsonValue,
  type Persistable,
  type PersistedEntries,
} from '../../../persist/persistable.js';
import { emptyTokenParams, type TokenParams } from '../approle/token-params.js';

/** kubeConfig (path_config.go); `tokenReviewerJwt` is never read back. */
export interface KubeAuthConfig {
  host: string;
  caCert: string;
  tokenReviewerJwt: string;
  pemKeys: string[];
  issuer: string;
  disableIssValidation: boolean;
  disableLocalCaJwt: boolean;
  useAnnotationsAsAliasMetadata: boolean;
}

export const ALIAS_NAME_SOURCE_UID = 'serviceaccount_uid';
export const ALIAS_NAME_SOURCE_NAME = 'serviceaccount_name';
export const ALIAS_NAME_SOURCES = [ALIAS_NAME_SOURCE_UID, ALIAS_NAME_SOURCE_NAME] as const;

/** roleStorageEntry (path_role.go): the bindings, the token_* params and the legacy token fields. */
export interface KubeRole extends TokenParams {
  boundServiceAccountNames: string[];
  boundServiceAccountNamespaces: string[];
  boundServiceAccountNamespaceSelector: string;
  audience: string;
  aliasNameSource: string;
  /** Legacy fields, superseded by token_*; kept so a role GET shows them as Vault does. */
  policies: string[];
  numUses: number;
  /** Seconds. */
  ttl: number;
  maxTTL: number;
  period: number;
  boundCidrs: string[];
}

export function newRole(): KubeRole {
  return {
    ...emptyTokenParams(),
    boundServiceAccountNames: [],
    boundServiceAccountNamespaces: [],
    boundServiceAccountNamespaceSelector: '',
    audience: '',
    aliasNameSource: '',
    policies: [],
    numUses: 0,
    ttl: 0,
    maxTTL: 0,
    period: 0,
    boundCidrs: [],
  };
}

const CONFIG = 'config';
const ROLE = 'role/';

export class KubernetesStore implements Persistable {
  private currentConfig: KubeAuthConfig | undefined;
  private readonly roles = new Map<string, KubeRole>();
  readonly changes = new ChangeMarks();

  get config(): KubeAuthConfig | undefined {
    return this.currentConfig ? structuredClone(this.currentConfig) : undefined;
  }

  set config(config: KubeAuthConfig) {
    this.currentConfig = structuredClone(config);
    this.changes.mark(CONFIG);
  }

  /**
   * backend.role(): the stored role (names are case-insensitive) with the
   * legacy fields promoted where the token_* ones are unset.
   */
  role(name: string): KubeRole | undefined {
    const stored = this.roles.get(name.toLowerCase());
    if (!stored) return undefined;
    const role = structuredClone(stored);
    if (role.tokenTTL === 0 && role.ttl > 0) role.tokenTTL = role.ttl;
    if (role.tokenMaxTTL === 0 && role.maxTTL > 0) role.tokenMaxTTL = role.maxTTL;
    if (role.tokenPeriod === 0 && role.period > 0) role.tokenPeriod = role.period;
    if (role.tokenNumUses === 0 && role.numUses > 0) role.tokenNumUses = role.numUses;
    if ((role.tokenPolicies ?? []).length === 0 && role.policies.length > 0) role.tokenPolicies = [...role.policies];
    if ((role.tokenBoundCidrs ?? []).length === 0 && role.boundCidrs.length > 0) {
      role.tokenBoundCidrs = [...role.boundCidrs];
    }
    return role;
  }

  putRole(name: string, role: KubeRole): void {
    const key = name.toLowerCase();
    this.roles.set(key, structuredClone(role));
    this.changes.mark(ROLE + key);
  }

  deleteRole(name: string): void {
    const key = name.toLowerCase();
    this.roles.delete(key);
    this.changes.mark(ROLE + key);
  }

  /** Role names, sorted like a storage listing. */
  roleNames(): string[] {
    return [...this.roles.keys()].sort();
  }

  snapshot(): PersistedEntries {
    const out: PersistedEntries = {};
    for (const name of [CONFIG, ...[...this.roles.keys()].map((n) => ROLE + n)]) {
      const value = this.entry(name);
      if (value !== undefined) out[name] = value;
    }
    return out;
  }

  entry(name: string): JsonValue | undefined {
    if (name === CONFIG) return this.currentConfig ? toJson(this.currentConfig) : undefined;
    if (!name.startsWith(ROLE)) return undefined;
    const role = this.roles.get(name.slice(ROLE.length));
    return role ? toJson(role) : undefined;
  }

  /** Older snapshots may lack fields added since: defaults fill them in. */
  restore(entries: PersistedEntries): void {
    this.currentConfig = undefined;
    this.roles.clear();
    for (const [name, value] of Object.entries(entries)) {
      const entry = objectEntry(value, `kubernetes auth ${name}`);
      if (name === CONFIG) {
        this.currentConfig = { ...emptyConfig(), ...(entry as Partial<KubeAuthConfig>) };
      } else if (name.startsWith(ROLE)) {
        this.roles.set(name.slice(ROLE.length), { ...newRole(), ...(entry as Partial<KubeRole>) });
      }
    }
    this.changes.markAll();
  }
}

function emptyConfig(): KubeAuthConfig {
  return {
    host: '',
    caCert: '',
    tokenReviewerJwt: '',
    pemKeys: [],
    issuer: '',
    disableIssValidation: true,
    disableLocalCaJwt: false,
    useAnnotationsAsAliasMetadata: false,
  };
}
