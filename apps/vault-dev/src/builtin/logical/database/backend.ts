/**
 * The database secrets engine (builtin/logical/database) with the
 * postgresql-database-plugin: connection configs, dynamic roles and leased
 * credentials created in a real PostgreSQL.
 */
import { FrameworkBackend, type Backend, type BackendConfig, type BackendFactory } from '../../../sdk/framework.js';
import type { ExpirationManager } from '../../../vault/expiration.js';
import { closeConnection, type DatabaseContext } from './context.js';
import { credsLeaseHandler, credsPaths } from './path-creds.js';
import { configPaths } from './path-config.js';
import { rolePaths } from './path-roles.js';
import { DatabaseStore } from './store.js';

export function createDatabaseBackend(
  config: BackendConfig,
  expiration: ExpirationManager,
  now: () => number,
): Backend {
  const ctx: DatabaseContext = {
    store: new DatabaseStore(),
    connections: new Map(),
    system: config.system,
    expiration,
    mountPoint: config.mountPoint,
    now,
  };
  const leases = credsLeaseHandler(ctx);
  expiration.attach(config.mountPoint, leases);
  const backend = new FrameworkBackend('database', [...configPaths(ctx), ...rolePaths(ctx), ...credsPaths(ctx)], {});
  backend.persistence = ctx.store;
  backend.cleanup = async () => {
    expiration.detach(config.mountPoint, leases);
    await Promise.all([...ctx.connections.keys()].map((name) => closeConnection(ctx, name)));
  };
  return backend;
}

/** Mount factory for `database`; the core passes its expiration manager and clock. */
export function databaseBackendFactory(expiration: ExpirationManager, now: () => number): BackendFactory {
  return (config) => createDatabaseBackend(config, expiration, now);
}
