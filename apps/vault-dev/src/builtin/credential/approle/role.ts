/**
 * The AppRole role entry and the backend's in-memory storage, after Vault's
 * roleStorageEntry / secretIDStorageEntry and their storage layout:
 * roles by lower-cased name, a RoleID→role index, SecretIDs keyed by the
 * HMAC of the SecretID under `<prefix><HMAC(role name)>`, and an accessor
 * index per prefix (`accessor/`, `accessor_local/`) pointing at SecretID HMACs.
 *
 * Everything read from the store is a copy and everything written is copied,
 * so a handler that fails half-way leaves nothing behind (as Vault's decode /
 * encode through storage does).
 */
import {
  StateFormatError,
  nanosFromJson,
  nanosToJson,
  objectEntry,
  toJson,
  type JsonValue,
  type Persistable,
  type PersistedEntries,
} from '../../../persist/persistable.js';
import type { Nanos } from '../../../sdk/time.js';
import { emptyTokenParams, type TokenParams } from './token-params.js';

export const SECRET_ID_PREFIX = 'secret_id/';
export const SECRET_ID_LOCAL_PREFIX = 'secret_id_local/';
export const SECRET_ID_ACCESSOR_PREFIX = 'accessor/';
export const SECRET_ID_ACCESSOR_LOCAL_PREFIX = 'accessor_local/';

/** Vault's maxHmacInputLength: role names and SecretIDs longer than this are refused. */
export const MAX_HMAC_INPUT_LENGTH = 4096;

export type SecretIDPrefix = typeof SECRET_ID_PREFIX | typeof SECRET_ID_LOCAL_PREFIX;

export interface RoleEntry extends TokenParams {
  /** Lower-cased role name (not persisted in Vault; set on read). */
  name: string;
  roleId: string;
  /** Per-role key for HMAC-ing SecretIDs and the role name. */
  hmacKey: string;
  /** Legacy `policies`; null when never set. */
  policies: string[] | null;
  secretIdNumUses: number;
  /** Seconds; 0 = SecretIDs never expire. */
  secretIdTTL: number;
  bindSecretId: boolean;
  /** Deprecated `bound_cidr_list` (only written through the legacy sub-endpoint). */
  boundCidrList: string[] | null;
  /** null when never set: a role GET then shows `null`, not `[]`. */
  secretIdBoundCidrs: string[] | null;
  /** Legacy `period`, seconds. */
  period: number;
  secretIdPrefix: SecretIDPrefix;
}

export interface SecretIDEntry {
  secretIdAccessor: string;
  /** Remaining uses; 0 = unlimited. */
  secretIdNumUses: number;
  /** Seconds, as requested (not capped by the mount max). */
  secretIdTTL: number;
  creationTime: Nanos;
  /** 0n = never expires. */
  expirationTime: Nanos;
  lastUpdatedTime: Nanos;
  metadata: Record<string, string>;
  cidrList: string[];
  tokenBoundCidrs: string[];
}

export function newRole(name: string, hmacKey: string): RoleEntry {
  return {
    ...emptyTokenParams(),
    name,
    roleId: '',
    hmacKey,
    policies: null,
    secretIdNumUses: 0,
    secretIdTTL: 0,
    bindSecretId: false,
    boundCidrList: null,
    secretIdBoundCidrs: null,
    period: 0,
    secretIdPrefix: SECRET_ID_PREFIX,
  };
}

export function accessorPrefixFor(prefix: SecretIDPrefix): string {
  return prefix === SECRET_ID_LOCAL_PREFIX ? SECRET_ID_ACCESSOR_LOCAL_PREFIX : SECRET_ID_ACCESSOR_PREFIX;
}

const clone = <T>(v: T): T => structuredClone(v);

/** The backend's storage. */
export class AppRoleStore implements Persistable {
  private readonly roles = new Map<string, RoleEntry>();
  private readonly roleIds = new Map<string, string>();
  /** `<prefix><roleNameHMAC>` → SecretID HMAC → entry. */
  private readonly secretIds = new Map<string, Map<string, SecretIDEntry>>();
  /** accessor prefix → accessor → SecretID HMAC. */
  private readonly accessors = new Map<string, Map<string, string>>();

  // Roles

  hasRole(name: string): boolean {
    return this.roles.has(name.toLowerCase());
  }

  /**
   * Vault's roleEntry(): the stored role with the read-time upgrades
   * (token_period from a legacy period, token_policies from legacy policies).
   */
  getRole(name: string): RoleEntry | null {
    const stored = this.roles.get(name.toLowerCase());
    if (!stored) return null;
    const role = clone(stored);
    if (role.boundCidrList && role.boundCidrList.length > 0) {
      role.secretIdBoundCidrs = role.boundCidrList;
      role.boundCidrList = null;
    }
    if (role.tokenPeriod === 0 && role.period > 0) role.tokenPeriod = role.period;
    if ((role.tokenPolicies ?? []).length === 0 && (role.policies ?? []).length > 0) role.tokenPolicies = role.policies;
    return role;
  }

  putRole(role: RoleEntry): void {
    this.roles.set(role.name.toLowerCase(), clone(role));
  }

  deleteRole(name: string): void {
    this.roles.delete(name.toLowerCase());
  }

  /** Role names, sorted like a storage listing. */
  listRoles(): string[] {
    return [...this.roles.keys()].sort();
  }

  // RoleID index

  roleNameForRoleId(roleId: string): string | undefined {
    return this.roleIds.get(roleId);
  }

  setRoleId(roleId: string, name: string): void {
    this.roleIds.set(roleId, name);
  }

  deleteRoleId(roleId: string): void {
    this.roleIds.delete(roleId);
  }

  // SecretIDs

  getSecretId(prefix: SecretIDPrefix, roleNameHMAC: string, secretIdHMAC: string): SecretIDEntry | null {
    const entry = this.secretIds.get(prefix + roleNameHMAC)?.get(secretIdHMAC);
    return entry ? clone(entry) : null;
  }

  putSecretId(prefix: SecretIDPrefix, roleNameHMAC: string, secretIdHMAC: string, entry: SecretIDEntry): void {
    const key = prefix + roleNameHMAC;
    let bucket = this.secretIds.get(key);
    if (!bucket) {
      bucket = new Map();
      this.secretIds.set(key, bucket);
    }
    bucket.set(secretIdHMAC, clone(entry));
  }

  deleteSecretId(prefix: SecretIDPrefix, roleNameHMAC: string, secretIdHMAC: string): void {
    const key = prefix + roleNameHMAC;
    const bucket = this.secretIds.get(key);
    if (!bucket) return;
    bucket.delete(secretIdHMAC);
    if (bucket.size === 0) this.secretIds.delete(key);
  }

  /** SecretID HMACs of one role, sorted like a storage listing. */
  listSecretIds(prefix: SecretIDPrefix, roleNameHMAC: string): string[] {
    return [...(this.secretIds.get(prefix + roleNameHMAC)?.keys() ?? [])].sort();
  }

  /** Role-name HMACs holding SecretIDs under a prefix, sorted. */
  listSecretIdRoles(prefix: SecretIDPrefix): string[] {
    return [...this.secretIds.keys()]
      .filter((k) => k.startsWith(prefix))
      .map((k) => k.slice(prefix.length))
      .sort();
  }

  // Accessors

  getAccessor(prefix: SecretIDPrefix, accessor: string): string | null {
    return this.accessors.get(accessorPrefixFor(prefix))?.get(accessor) ?? null;
  }

  putAccessor(prefix: SecretIDPrefix, accessor: string, secretIdHMAC: string): void {
    const key = accessorPrefixFor(prefix);
    let bucket = this.accessors.get(key);
    if (!bucket) {
      bucket = new Map();
      this.accessors.set(key, bucket);
    }
    bucket.set(accessor, secretIdHMAC);
  }

  deleteAccessor(prefix: SecretIDPrefix, accessor: string): void {
    this.accessors.get(accessorPrefixFor(prefix))?.delete(accessor);
  }

  /**
   * Entries after Vault's storage keys: `role/<name>`, `role_id/<RoleID>`,
   * `secret_id/<prefix><role HMAC>/<SecretID HMAC>` (times as nanosecond
   * text) and `accessor/<accessor prefix><accessor>`.
   */
  snapshot(): PersistedEntries {
    const out: PersistedEntries = {};
    for (const [name, role] of this.roles) out[`role/${name}`] = role as unknown as JsonValue;
    for (const [roleId, name] of this.roleIds) out[`role_id/${roleId}`] = name;
    for (const [bucket, entries] of this.secretIds) {
      for (const [hmac, entry] of entries) out[`secret_id/${bucket}/${hmac}`] = secretIdToJson(entry);
    }
    for (const [prefix, entries] of this.accessors) {
      for (const [accessor, hmac] of entries) out[`accessor/${prefix}${accessor}`] = hmac;
    }
    return out;
  }

  restore(entries: PersistedEntries): void {
    this.roles.clear();
    this.roleIds.clear();
    this.secretIds.clear();
    this.accessors.clear();
    for (const [key, value] of Object.entries(entries)) {
      const [kind] = key.split('/', 1);
      const rest = key.slice((kind ?? '').length + 1);
      if (kind === 'role') {
        this.roles.set(rest, objectEntry(value, `approle role ${rest}`) as unknown as RoleEntry);
      } else if (kind === 'role_id') {
        if (typeof value !== 'string') throw new StateFormatError('approle: a RoleID index entry is not a string');
        this.roleIds.set(rest, value);
      } else if (kind === 'secret_id') {
        const slash = rest.lastIndexOf('/');
        const bucket = rest.slice(0, slash);
        let map = this.secretIds.get(bucket);
        if (!map) this.secretIds.set(bucket, (map = new Map()));
        map.set(rest.slice(slash + 1), secretIdFromJson(value));
      } else if (kind === 'accessor') {
        const prefix = rest.startsWith(SECRET_ID_ACCESSOR_LOCAL_PREFIX)
          ? SECRET_ID_ACCESSOR_LOCAL_PREFIX
          : SECRET_ID_ACCESSOR_PREFIX;
        if (typeof value !== 'string' || !rest.startsWith(prefix)) {
          throw new StateFormatError('approle: a SecretID accessor entry is damaged');
        }
        let map = this.accessors.get(prefix);
        if (!map) this.accessors.set(prefix, (map = new Map()));
        map.set(rest.slice(prefix.length), value);
      }
    }
  }

  listAccessors(prefix: SecretIDPrefix): Array<{ accessor: string; secretIdHMAC: string }> {
    return [...(this.accessors.get(accessorPrefixFor(prefix))?.entries() ?? [])]
      .map(([accessor, secretIdHMAC]) => ({ accessor, secretIdHMAC }))
      .sort((a, b) => (a.accessor < b.accessor ? -1 : a.accessor > b.accessor ? 1 : 0));
  }
}

function secretIdToJson(entry: SecretIDEntry): JsonValue {
  return toJson({
    ...entry,
    creationTime: nanosToJson(entry.creationTime),
    expirationTime: nanosToJson(entry.expirationTime),
    lastUpdatedTime: nanosToJson(entry.lastUpdatedTime),
  });
}

function secretIdFromJson(value: JsonValue): SecretIDEntry {
  const raw = objectEntry(value, 'approle SecretID');
  return {
    ...(raw as unknown as SecretIDEntry),
    creationTime: nanosFromJson(raw['creationTime']),
    expirationTime: nanosFromJson(raw['expirationTime']),
    lastUpdatedTime: nanosFromJson(raw['lastUpdatedTime']),
  };
}
