/**
 * The KV secrets engine (hashicorp/vault-plugin-secrets-kv): version 2
 * (versioned) when the mount's `version` option is "2", version 1
 * (pass-through) otherwise. All data lives in memory, owned by the backend
 * (and is saved through `persistence` when the server has a data dir).
 */
import { FrameworkBackend, type Backend, type BackendConfig, type BackendFactory } from '../../../sdk/framework.js';
import { createKvV1Backend } from './kv-v1.js';
import { pathConfig } from './path-config.js';
import { pathData } from './path-data.js';
import { pathsDelete } from './path-delete.js';
import { pathDestroy } from './path-destroy.js';
import { pathInvalid } from './path-invalid.js';
import { pathMetadata } from './path-metadata.js';
import { pathSubkeys } from './path-subkeys.js';
import { KvV2Store, createSystemClock, type Clock, type KvV2Context } from './store.js';

export interface KvV2Options {
  /** Time source (nanoseconds since the epoch); tests pass a controllable one. */
  clock?: Clock;
}

/** A KV v2 backend over a fresh in-memory store. */
export function createKvV2Backend(_config: BackendConfig, options: KvV2Options = {}): Backend {
  const kv: KvV2Context = { store: new KvV2Store(), clock: options.clock ?? createSystemClock() };
  const backend = new FrameworkBackend(
    'kv',
    [
      pathConfig(kv),
      pathData(kv),
      pathMetadata(kv),
      pathDestroy(kv),
      pathSubkeys(kv),
      ...pathsDelete(kv),
      // Must stay last: it catches every other path.
      pathInvalid(),
    ],
    {},
  );
  backend.persistence = kv.store;
  return backend;
}

/** Mount factory for `kv` (and the `kv-v1`/`kv-v2` aliases once the core maps them to a version option). */
export const kvBackendFactory: BackendFactory = (config: BackendConfig): Backend =>
  config.options['version'] === '2' ? createKvV2Backend(config) : createKvV1Backend(config);
