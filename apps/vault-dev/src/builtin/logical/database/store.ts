/**
 * The database engine's state: connection configurations and roles, as plain
 * JSON-serialisable data, persisted as Vault keeps them in the mount's
 * storage: one entry per `config/<name>` and `role/<name>`. Open connections
 * are not state; the backend keeps those beside it.
 */
import { NamedEntries } from '../../../persist/named-entries.js';
import { ChangeMarks, type JsonValue, type Persistable, type PersistedEntries } from '../../../persist/persistable.js';

export interface ConnectionConfig {
  pluginName: string;
  pluginVersion: string;
  verifyConnection: boolean;
  allowedRoles: string[];
  rootRotationStatements: string[];
  passwordPolicy: string;
  /** What the plugin receives: connection_url, username, password and its other options. */
  connectionDetails: Record<string, unknown>;
}

export interface DatabaseRole {
  dbName: string;
  creationStatements: string[];
  revocationStatements: string[];
  rollbackStatements: string[];
  renewStatements: string[];
  /** Seconds; 0 = the mount default. */
  defaultTTL: number;
  /** Seconds; 0 = the mount max. */
  maxTTL: number;
  credentialType: string;
  credentialConfig: Record<string, unknown> | null;
}

export class DatabaseStore implements Persistable {
  readonly changes = new ChangeMarks();
  private readonly configs = new NamedEntries<ConnectionConfig>('config/', this.changes, 'database');
  private readonly roles = new NamedEntries<DatabaseRole>('role/', this.changes, 'database');

  config(name: string): ConnectionConfig | undefined {
    return this.configs.get(name);
  }

  putConfig(name: string, config: ConnectionConfig): void {
    this.configs.put(name, config);
  }

  deleteConfig(name: string): void {
    this.configs.delete(name);
  }

  configNames(): string[] {
    return this.configs.names();
  }

  role(name: string): DatabaseRole | undefined {
    return this.roles.get(name);
  }

  putRole(name: string, role: DatabaseRole): void {
    this.roles.put(name, role);
  }

  deleteRole(name: string): void {
    this.roles.delete(name);
  }

  roleNames(): string[] {
    return this.roles.names();
  }

  snapshot(): PersistedEntries {
    const out: PersistedEntries = {};
    this.configs.snapshotInto(out);
    this.roles.snapshotInto(out);
    return out;
  }

  /** The live object: plain JSON already, and serialized at once (Persistable's contract). */
  entry(key: string): JsonValue | undefined {
    if (this.configs.owns(key)) return this.configs.entry(key);
    if (this.roles.owns(key)) return this.roles.entry(key);
    return undefined;
  }

  restore(entries: PersistedEntries): void {
    this.configs.restoreFrom(entries);
    this.roles.restoreFrom(entries);
    this.changes.markAll();
  }
}
