/**
 * The AWS engine's state as plain JSON-serialisable data: the root and lease
 * configuration, roles, and the IAM users vault-dev has "created" (so
 * revocation has something real to delete). Persisted as entries
 * `config/root`, `config/lease`, `role/<name>` and `user/<name>`.
 */
import { NamedEntries } from '../../../persist/named-entries.js';
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

export class AwsStore implements Persistable {
  readonly changes = new ChangeMarks();
  private root: RootConfig | undefined;
  private lease: LeaseConfig | undefined;
  private readonly roles = new NamedEntries<AwsRole>('role/', this.changes, 'aws');
  private readonly users = new NamedEntries<IamUser>('user/', this.changes, 'aws');

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
    this.roles.put(name, role);
  }

  deleteRole(name: string): void {
    this.roles.delete(name);
  }

  roleNames(): string[] {
    return this.roles.names();
  }

  user(name: string): IamUser | undefined {
    return this.users.get(name);
  }

  putUser(name: string, user: IamUser): void {
    this.users.put(name, user);
  }

  deleteUser(name: string): void {
    this.users.delete(name);
  }

  snapshot(): PersistedEntries {
    const out: PersistedEntries = {};
    if (this.root !== undefined) out[ROOT_CONFIG] = this.root as unknown as JsonValue;
    if (this.lease !== undefined) out[LEASE_CONFIG] = this.lease as unknown as JsonValue;
    this.roles.snapshotInto(out);
    this.users.snapshotInto(out);
    return out;
  }

  /** The live object: plain JSON already, and serialized at once (Persistable's contract). */
  entry(key: string): JsonValue | undefined {
    if (key === ROOT_CONFIG) return this.root as unknown as JsonValue | undefined;
    if (key === LEASE_CONFIG) return this.lease as unknown as JsonValue | undefined;
    if (this.roles.owns(key)) return this.roles.entry(key);
    if (this.users.owns(key)) return this.users.entry(key);
    return undefined;
  }

  restore(entries: PersistedEntries): void {
    const root = entries[ROOT_CONFIG];
    const lease = entries[LEASE_CONFIG];
    this.root = root === undefined ? undefined : (objectEntry(root, `aws ${ROOT_CONFIG}`) as unknown as RootConfig);
    this.lease =
      lease === undefined ? undefined : (objectEntry(lease, `aws ${LEASE_CONFIG}`) as unknown as LeaseConfig);
    this.roles.restoreFrom(entries);
    this.users.restoreFrom(entries);
    this.changes.markAll();
  }
}
