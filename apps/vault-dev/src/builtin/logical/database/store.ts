/**
 * The database engine's state: connection configurations and roles, as plain
 * JSON-serialisable data, persisted as Vault keeps them in the mount's
 * storage: one entry per `config/<name>` and `role/<name>`. Open connections
 * are not state; the backend keeps those beside it.
 */
import {
  ChangeMarks,
  objectEntry,
  type JsonValue,
  type Persistable,
  type PersistedEntries,
} from '../../../persist/persistable.js';

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

const CONFIG = 'config/';
const ROLE = 'role/';

export class DatabaseStore implements Persistable {
  // Maps, not objects: a name such as `__proto__` is a valid Vault name.
  private configs = new Map<string, ConnectionConfig>();
  private roles = new Map<string, DatabaseRole>();
  readonly changes = new ChangeMarks();

  config(name: string): ConnectionConfig | undefined {
    return this.configs.get(name);
  }

  putConfig(name: string, config: ConnectionConfig): void {
    this.configs.set(name, structuredClone(config));
    this.changes.mark(CONFIG + name);
  }

  deleteConfig(name: string): void {
    this.configs.delete(name);
    this.changes.mark(CONFIG + name);
  }

  configNames(): string[] {
    return [...this.configs.keys()].sort();
  }

  role(name: string): DatabaseRole | undefined {
    return this.roles.get(name);
  }

  putRole(name: string, role: DatabaseRole): void {
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

  snapshot(): PersistedEntries {
    const out: PersistedEntries = {};
    for (const name of this.configs.keys()) out[CONFIG + name] = this.entry(CONFIG + name) ?? null;
    for (const name of this.roles.keys()) out[ROLE + name] = this.entry(ROLE + name) ?? null;
    return out;
  }

  /** The live object: plain JSON already, and serialized at once (Persistable's contract). */
  entry(key: string): JsonValue | undefined {
    const value = key.startsWith(CONFIG)
      ? this.configs.get(key.slice(CONFIG.length))
      : key.startsWith(ROLE)
        ? this.roles.get(key.slice(ROLE.length))
        : undefined;
    return value as JsonValue | undefined;
  }

  restore(entries: PersistedEntries): void {
    this.configs = new Map();
    this.roles = new Map();
    for (const [key, value] of Object.entries(entries)) {
      if (key.startsWith(CONFIG)) {
        const config = objectEntry(value, `database ${key}`) as unknown as ConnectionConfig;
        this.configs.set(key.slice(CONFIG.length), config);
      } else if (key.startsWith(ROLE)) {
        this.roles.set(key.slice(ROLE.length), objectEntry(value, `database ${key}`) as unknown as DatabaseRole);
      }
    }
    this.changes.markAll();
  }
}
