/**
 * The PKI secrets engine (builtin/logical/pki): a root CA per mount, roles,
 * leaf issuance with real X.509 (@peculiar/x509 over WebCrypto) and the JSON
 * fetch endpoints.
 */
import { FrameworkBackend, type Backend, type BackendConfig, type BackendFactory } from '../../../sdk/framework.js';
import type { ExpirationManager } from '../../../vault/expiration.js';
import type { PkiContext } from './context.js';
import { FETCH_UNAUTHENTICATED_PATHS, fetchPaths } from './path-fetch.js';
import { certLeaseHandler, issuePaths } from './path-issue.js';
import { rolePaths } from './path-roles.js';
import { rootPaths } from './path-root.js';
import { PkiStore } from './store.js';

export function createPkiBackend(config: BackendConfig, expiration: ExpirationManager, now: () => number): Backend {
  const ctx: PkiContext = {
    store: new PkiStore(),
    system: config.system,
    expiration,
    mountPoint: config.mountPoint,
    now,
  };
  const leases = certLeaseHandler(ctx);
  expiration.attach(config.mountPoint, leases);
  const backend = new FrameworkBackend(
    'pki',
    [...rootPaths(ctx), ...rolePaths(ctx), ...issuePaths(ctx), ...fetchPaths(ctx)],
    { unauthenticated: FETCH_UNAUTHENTICATED_PATHS },
  );
  backend.persistence = ctx.store;
  backend.cleanup = async () => expiration.detach(config.mountPoint, leases);
  return backend;
}

export function pkiBackendFactory(expiration: ExpirationManager, now: () => number): BackendFactory {
  return (config) => createPkiBackend(config, expiration, now);
}
