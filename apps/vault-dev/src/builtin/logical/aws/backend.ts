/**
 * The AWS secrets engine (builtin/logical/aws) without AWS: the same paths,
 * fields, validation and leases as Vault, issuing well-formed keys that no
 * AWS account knows. vault-dev's only engine not backed by the real thing.
 */
import { FrameworkBackend, type Backend, type BackendConfig, type BackendFactory } from '../../../sdk/framework.js';
import type { ExpirationManager } from '../../../vault/expiration.js';
import type { AwsContext } from './context.js';
import { configPaths } from './path-config.js';
import { accessKeysLeaseHandler, credsPaths } from './path-creds.js';
import { rolePaths } from './path-roles.js';
import { AwsStore } from './store.js';

export function createAwsBackend(config: BackendConfig, expiration: ExpirationManager, now: () => number): Backend {
  const ctx: AwsContext = {
    store: new AwsStore(),
    system: config.system,
    expiration,
    mountPoint: config.mountPoint,
    now,
  };
  const leases = accessKeysLeaseHandler(ctx);
  expiration.attach(config.mountPoint, leases);
  const backend = new FrameworkBackend('aws', [...configPaths(ctx), ...rolePaths(ctx), ...credsPaths(ctx)], {});
  backend.persistence = ctx.store;
  backend.cleanup = async () => expiration.detach(config.mountPoint, leases);
  return backend;
}

export function awsBackendFactory(expiration: ExpirationManager, now: () => number): BackendFactory {
  return (config) => createAwsBackend(config, expiration, now);
}
