/**
 * What every database path shares: the engine's store, the open plugin
 * connections (one per configuration, opened on first use like Vault's
 * connection cache), the mount's TTLs and the expiration manager.
 */
import { VaultError } from '../../../sdk/errors.js';
import type { SystemView } from '../../../sdk/framework.js';
import { goQuote } from '../../../sdk/go-text.js';
import type { ExpirationManager } from '../../../vault/expiration.js';
import { connectionSettings, PostgresConnection } from './postgres.js';
import type { ConnectionConfig, DatabaseStore } from './store.js';

export interface DatabaseContext {
  store: DatabaseStore;
  connections: Map<string, PostgresConnection>;
  system: SystemView;
  expiration: ExpirationManager;
  mountPoint: string;
  now: () => number;
}

/** Vault's plain error for a missing configuration (a 500). */
export function configNotFound(name: string): VaultError {
  return new VaultError(`failed to find entry for connection with name: ${goQuote(name)}`);
}

export function configOrThrow(ctx: DatabaseContext, name: string): ConnectionConfig {
  const config = ctx.store.config(name);
  if (!config) throw configNotFound(name);
  return config;
}

/** The open connection for a configuration, opened from the stored config when needed. */
export function connectionFor(ctx: DatabaseContext, name: string): PostgresConnection {
  const open = ctx.connections.get(name);
  if (open) return open;
  const config = configOrThrow(ctx, name);
  const conn = new PostgresConnection(connectionSettings(config.connectionDetails));
  ctx.connections.set(name, conn);
  return conn;
}

/** Closes and forgets a configuration's connection (config rewrite, delete, reset, root rotation). */
export async function closeConnection(ctx: DatabaseContext, name: string): Promise<void> {
  const conn = ctx.connections.get(name);
  ctx.connections.delete(name);
  await conn?.close();
}

/** strutil.StrListContainsGlob: exact entries, `*` for any run of characters. */
export function listContainsGlob(patterns: readonly string[], value: string): boolean {
  return patterns.some((pattern) => {
    if (!pattern.includes('*')) return pattern === value;
    const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 's');
    return re.test(value);
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
