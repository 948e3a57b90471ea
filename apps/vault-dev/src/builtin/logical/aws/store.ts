/**
 * The AWS engine's state as plain JSON-serialisable data: the root and lease
 * configuration, roles, and the IAM users vault-dev has "created" (so
 * revocation has something real to delete). Persisted as entries
 * `config/root`, `config/lease`, `role/<name>` and `user/<name>`.
 */
import {
  ChangeMarks,
  objectEntry,
  type JsonValue,
  type Persistable,
  type PersistedEntries,
} from '../../../persist/persistable.js';

export interface RootConfig {
  accessKey: string;
  secretKey: string;
  region: string;
  iamEndpoint: string;
  stsEndpoint: string;
  stsRegion: string;
  maxRetries: number;
  usernameTemplate: string;
  roleArn: string;
}

export interface LeaseConfig {
  /** Seconds. */
  lease: number;
  leaseMax: number;
}

export const CREDENTIAL_TYPES = ['iam_user', 'assumed_role', 'federation_token', 'session_token'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

export interface AwsRole {
  credentialType: CredentialType;
  policyArns: string[];
  policyDocument: string;
  roleArns: string[];
  iamGroups: string[];
  iamTags: Record<string, string>;
  defaultSTSTTL: number;
  maxSTSTTL: number;
  userPath: string;
  permissionsBoundaryArn: string;
  mfaSerialNumber: string;
}

export interface IamUser {
  accessKey: string;
  role: string;
  /** Epoch ms. */
  createdAt: number;
}

const ROOT_CONFIG = 'config/root';
const LEASE_CONFIG = 'config/lease';
const ROLE = 'role/';
const USER = 'user/';

export class AwsStore implements Persistable {
  private root: RootConfig | undefined;
  private lease: LeaseConfig | undefined;
  private roles = new Map<string, AwsRole>();
  private users = new Map<string, IamUser>();
  readonly changes = new ChangeMarks();

  get rootConfig(): RootConfig | undefined {
    return this.root;
  }

  set rootConfig(config: RootConfig | undefined) {
    this.root = structuredClone(config);
    this.changes.mark(ROOT_CONFIG);
  }

  get leaseConfig(): LeaseConfig | undefined {
    return this.lease;
  }

  set leaseConfig(config: LeaseConfig | undefined) {
    this.lease = structuredClone(config);
    this.changes.mark(LEASE_CONFIG);
  }

  role(name: string): AwsRole | undefined {
    return this.roles.get(name);
  }

  putRole(name: string, role: AwsRole): void {
    this.roles.set(name, structuredClone(role));
    this.changes.mark(ROLE + name);
  }

  deleteRole(name: string): void {
    this.roles.delete(name);
    this.changes.mark(ROLE + name);
  }

  roleNames(): string[] {
    return [...this.roles.keys()].sort();
  }

  user(name: string): IamUser | undefined {
    return this.users.get(name);
  }

  putUser(name: string, user: IamUser): void {
    this.users.set(name, structuredClone(user));
    this.changes.mark(USER + name);
  }

  deleteUser(name: string): void {
    this.users.delete(name);
    this.changes.mark(USER + name);
  }

  snapshot(): PersistedEntries {
    const keys = [
      ROOT_CONFIG,
      LEASE_CONFIG,
      ...[...this.roles.keys()].map((n) => ROLE + n),
      ...[...this.users.keys()].map((n) => USER + n),
    ];
    const out: PersistedEntries = {};
    for (const key of keys) {
      const value = this.entry(key);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }

  /** The live object: plain JSON already, and serialized at once (Persistable's contract). */
  entry(key: string): JsonValue | undefined {
    let value: object | undefined;
    if (key === ROOT_CONFIG) value = this.root;
    else if (key === LEASE_CONFIG) value = this.lease;
    else if (key.startsWith(ROLE)) value = this.roles.get(key.slice(ROLE.length));
    else if (key.startsWith(USER)) value = this.users.get(key.slice(USER.length));
    return value as JsonValue | undefined;
  }

  restore(entries: PersistedEntries): void {
    this.root = undefined;
    this.lease = undefined;
    this.roles = new Map();
    this.users = new Map();
    for (const [key, value] of Object.entries(entries)) {
      const entry = objectEntry(value, `aws ${key}`);
      if (key === ROOT_CONFIG) this.root = entry as unknown as RootConfig;
      else if (key === LEASE_CONFIG) this.lease = entry as unknown as LeaseConfig;
      else if (key.startsWith(ROLE)) this.roles.set(key.slice(ROLE.length), entry as unknown as AwsRole);
      else if (key.startsWith(USER)) this.users.set(key.slice(USER.length), entry as unknown as IamUser);
    }
    this.changes.markAll();
  }
}
