/**
 * Token roles (Vault's tsRoleEntry): named templates for
 * `auth/token/create/<role>`. Stored by name as given (no case folding).
 */
import { objectEntry, toJson, type Persistable, type PersistedEntries } from '../../../persist/persistable.js';

export type RoleTokenType = 'default-service' | 'default-batch' | 'service' | 'batch';

export interface TokenRole {
  name: string;
  allowedPolicies: string[];
  disallowedPolicies: string[];
  allowedPoliciesGlob: string[];
  disallowedPoliciesGlob: string[];
  orphan: boolean;
  renewable: boolean;
  pathSuffix: string;
  /** Legacy `period`, kept only to echo it back on read (seconds). */
  period: number;
  /** Legacy `explicit_max_ttl` (seconds). */
  explicitMaxTTL: number;
  /** Legacy `bound_cidrs`; null = never set. */
  boundCidrs: string[] | null;
  tokenPeriod: number;
  tokenExplicitMaxTTL: number;
  tokenBoundCidrs: string[] | null;
  tokenNoDefaultPolicy: boolean;
  tokenNumUses: number;
  tokenType: RoleTokenType;
  /** null = never set (Vault reads it back as JSON null). */
  allowedEntityAliases: string[] | null;
}

export function newRole(name: string): TokenRole {
  return {
    name,
    allowedPolicies: [],
    disallowedPolicies: [],
    allowedPoliciesGlob: [],
    disallowedPoliciesGlob: [],
    orphan: false,
    renewable: false,
    pathSuffix: '',
    period: 0,
    explicitMaxTTL: 0,
    boundCidrs: null,
    tokenPeriod: 0,
    tokenExplicitMaxTTL: 0,
    tokenBoundCidrs: null,
    tokenNoDefaultPolicy: false,
    tokenNumUses: 0,
    tokenType: 'default-service',
    allowedEntityAliases: null,
  };
}

export class TokenRoleStore implements Persistable {
  private readonly roles = new Map<string, TokenRole>();

  /** One entry per role. */
  snapshot(): PersistedEntries {
    const out: PersistedEntries = {};
    for (const [name, role] of this.roles) out[name] = toJson(role);
    return out;
  }

  restore(entries: PersistedEntries): void {
    this.roles.clear();
    for (const [name, value] of Object.entries(entries)) {
      this.roles.set(name, { ...newRole(name), ...(objectEntry(value, `token role ${name}`) as Partial<TokenRole>) });
    }
  }

  get(name: string): TokenRole | undefined {
    const role = this.roles.get(name);
    return role ? structuredClone(role) : undefined;
  }

  put(role: TokenRole): void {
    this.roles.set(role.name, structuredClone(role));
  }

  delete(name: string): void {
    this.roles.delete(name);
  }

  names(): string[] {
    return [...this.roles.keys()].sort();
  }
}
