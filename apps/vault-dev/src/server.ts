/**
 * Assembles a dev server: the core with its backends, the dev-mode `secret/`
 * KV v2 mount, and the LIST-aware HTTP listener.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { AuditBroker } from './audit/broker.js';
import { approleBackendFactory } from './builtin/credential/approle/backend.js';
import { kubernetesBackendFactory } from './builtin/credential/kubernetes/backend.js';
import { tokenBackendFactory } from './builtin/credential/token/backend.js';
import { awsBackendFactory } from './builtin/logical/aws/backend.js';
import { databaseBackendFactory } from './builtin/logical/database/backend.js';
import { kvBackendFactory } from './builtin/logical/kv/backend.js';
import { pkiBackendFactory } from './builtin/logical/pki/backend.js';
import { createHandler } from './http/handler.js';
import { createListAwareServer } from './http/list-method.js';
import { registerCoreState } from './persist/core-state.js';
import { openDataDir } from './persist/open.js';
import { FrameworkBackend } from './sdk/framework.js';
import { Core } from './vault/core.js';
import { cubbyholeBackendFactory } from './vault/cubbyhole.js';
import { expirationManagerOf } from './vault/expiration.js';
import type { LockoutConfig } from './vault/lockout.js';
import { systemBackendFactory } from './vault/sys/backend.js';

/** How long a shutdown waits for the lease revocations under way. */
const SHUTDOWN_REVOCATIONS_MS = 3_000;

export interface VaultDevOptions {
  /** 0 (the default for the library) picks a free port. */
  port?: number;
  host?: string;
  /** The root token id; random (`hvs.` + 24 chars) when unset, like `vault server -dev`. */
  rootToken?: string;
  lockout?: Partial<LockoutConfig>;
  /**
   * vault-dev extension: keep the state in this directory (created if
   * missing) and restore it on the next start, like Vault's `file` storage.
   * Unset: in memory only, like `vault server -dev`.
   */
  dataDir?: string;
}

export interface VaultDev {
  /** `http://host:port`, ready for VAULT_ADDR. */
  address: string;
  host: string;
  port: number;
  rootToken: string;
  core: Core;
  close(): Promise<void>;
}

/** Builds the in-memory Vault core with every backend vault-dev serves. */
export function createDevCore(options: Pick<VaultDevOptions, 'rootToken' | 'lockout'> = {}): Core {
  const broker = new AuditBroker();
  const core = new Core(
    {
      secret: {
        kv: () => kvBackendFactory,
        database: (c) => databaseBackendFactory(expirationManagerOf(c), c.now),
        pki: (c) => pkiBackendFactory(expirationManagerOf(c), c.now),
        aws: (c) => awsBackendFactory(expirationManagerOf(c), c.now),
        cubbyhole: (c) => cubbyholeBackendFactory(c.cubbyhole),
        system: (c) => systemBackendFactory(c, broker),
        identity: () => () => new FrameworkBackend('identity', []),
      },
      auth: {
        approle: () => approleBackendFactory,
        kubernetes: () => kubernetesBackendFactory,
        token: (c) => tokenBackendFactory(c),
      },
    },
    {
      ...(options.rootToken ? { rootTokenId: options.rootToken } : {}),
      ...(options.lockout ? { lockout: options.lockout } : {}),
    },
  );
  core.audit = broker;
  registerCoreState(core, broker, options.rootToken ? { rootTokenId: options.rootToken } : {});
  // `vault server -dev` mounts KV v2 at secret/.
  core.router.mount('secret', {
    path: 'secret/',
    type: 'kv',
    description: 'key/value secret storage',
    options: { version: '2' },
  });
  return core;
}

/**
 * Vault's tcp listener defaults (configuration/listener/tcp): `http_idle_timeout` 5m — an idle keep-alive connection
 * is closed by Vault only after five minutes, so clients that drop theirs sooner never race its close —
 * `http_read_header_timeout` 10s and `http_read_timeout` 30s.
 */
const VAULT_LISTENER_TIMEOUTS = { keepAliveTimeout: 300_000, headersTimeout: 10_000, requestTimeout: 30_000 };

export async function startVaultDev(options: VaultDevOptions = {}): Promise<VaultDev> {
  const core = createDevCore(options);
  const dataDir = options.dataDir ? openDataDir(core, options.dataDir) : undefined;
  const handler = createHandler(core, {
    clusterName: `vault-cluster-${randomBytes(4).toString('hex')}`,
    clusterId: randomUUID(),
    storageType: dataDir ? 'file' : 'inmem',
  });
  const server = createListAwareServer(handler, VAULT_LISTENER_TIMEOUTS);
  let bound: Awaited<ReturnType<typeof server.listen>>;
  try {
    bound = await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  } catch (err) {
    core.close();
    dataDir?.close();
    throw err;
  }
  const host = bound.host.includes(':') ? `[${bound.host}]` : bound.host;
  return {
    address: `http://${host}:${bound.port}`,
    host: bound.host,
    port: bound.port,
    rootToken: core.rootToken.id,
    core,
    async close() {
      // Revocations already under way (a token revoked a moment ago, its leases' users being dropped) finish first.
      await expirationManagerOf(core).settle(SHUTDOWN_REVOCATIONS_MS);
      core.close();
      expirationManagerOf(core).close();
      await server.close();
      if (dataDir) {
        core.persist.commit();
        dataDir.close();
      }
    },
  };
}
