/**
 * The embedded dev stack of product.md §7: with VAULT_ADDR unset, `npm start` runs vault-dev as a child process,
 * a local dev JWT issuer and (in the API itself) the embedded database, and prints the exports to use them.
 * Everything it keeps lives in the data directory (default `.data`), which it locks first: one stack per directory.
 * With VAULT_ADDR set nothing here happens: production configuration is never completed behind the user's back.
 */
import { LocalIssuer } from '../auth/local-issuer.js';
import { ensureDataDir, loadOrCreateHmacKey, loadOrCreateVaultRootToken } from '../config/data-dir.js';
import { assertApiPortFree } from './api-port.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import type { DataDirLock } from './data-dir-lock.js';
import { renderBanner } from './banner.js';
import { ChildRecord, stopStaleChildren } from './child-record.js';
import { devEngineSettings, prepareDevEngines } from './dev-engines.js';
import type { DevEngineSettings, DevEnginesReport, RootCall } from './dev-engines.js';
import {
  DEV_ADMIN_GROUP,
  DEV_ADMIN_SUBJECT,
  DEV_ADMIN_TOKEN_TTL_SECONDS,
  DEV_AUDIENCE,
  DEV_ISSUER,
} from './dev-issuer.js';
import { embeddedKubernetesEnabled, startEmbeddedKubernetes } from './kubernetes.js';
import type { EmbeddedCluster, EmbeddedKubernetes } from './kubernetes.js';
import { devIssuerDir, vaultDevDataDir } from './layout.js';
import { EmbeddedVaultError, startVaultDevProcess } from './vault-dev-process.js';
import type { VaultDevProcess } from './vault-dev-process.js';

export { EmbeddedVaultError } from './vault-dev-process.js';
export { DataDirBusyError, DataDirLockError } from './data-dir-lock.js';
export { StaleChildError } from './child-record.js';
export { ApiPortError } from './api-port.js';
export { DEV_DATABASE_CONNECTION, EmbeddedConfigError } from './dev-engines.js';
export { CONTROLLER_NAMESPACE, CONTROLLER_SERVICE_ACCOUNT, type EmbeddedCluster } from './kubernetes.js';
export {
  DEV_ADMIN_GROUP,
  DEV_ADMIN_SUBJECT,
  DEV_ADMIN_TOKEN_TTL_SECONDS,
  DEV_AUDIENCE,
  DEV_ISSUER,
} from './dev-issuer.js';

export interface EmbeddedStack {
  /** The environment to parse with parseConfig: the caller's env with the embedded parts filled in. */
  env: Record<string, string | undefined>;
  /** What was started, for the banner: 'vault' and/or 'issuer'. */
  started: {
    vault?: { address: string; rootToken: string; engines: DevEnginesReport };
    issuer?: { issuer: string; adminSubject: string; adminGroup: string; subjectPrefix?: string };
    kubernetes?: { kubeconfig: string; clusters: EmbeddedCluster[] };
  };
  /**
   * To call once the API listens at `apiUrl`: registers the embedded clusters' controllers with the API and starts
   * them (they need the API), then returns the lines to print: the `export ...` lines a user pastes, each with a
   * note. Empty when nothing embedded was started.
   */
  banner(apiUrl: string): Promise<string>;
  /**
   * Stops what was started (the controllers, the Kubernetes stand-ins, the vault-dev child process) and then
   * releases the data directory. Close the API (and with it the embedded database) first: the lock guards the
   * database too. Idempotent.
   */
  stop(): Promise<void>;
  /**
   * Says the stack is about to stop: what its children report from now on (an exit, a failed token renewal) is
   * expected, not news — a signal to the whole process group (Ctrl-C, `kill -- -PGID`) reaches them as it reaches
   * us, and they may be gone before stop() runs.
   */
  stopping(): void;
}

export interface EmbeddedStackOptions {
  /** Progress and warnings, one line each. Default: stderr, prefixed `secret-api: `. */
  log?: (line: string) => void;
  /** Port tried first for vault-dev. Default 8200; a free port is used when it is taken. */
  vaultPort?: number;
}

const isBlank = (value: string | undefined): boolean => value === undefined || value.trim() === '';

const defaultLog = (line: string): void => {
  process.stderr.write(`secret-api: ${line}\n`);
};

/**
 * Decides embedded mode (VAULT_ADDR unset or blank), starts what it needs and returns the environment to parse.
 * In this order, so that a start that cannot succeed touches nothing: lock the data directory (DataDirBusyError
 * when another process has it), check the API's port (ApiPortError), then start vault-dev on its kept state.
 * Throws (after stopping anything it started and releasing the lock) when the stack cannot be started.
 */
export async function prepareEmbeddedStack(
  env: Record<string, string | undefined>,
  options: EmbeddedStackOptions = {},
): Promise<EmbeddedStack> {
  if (!isBlank(env['VAULT_ADDR'])) {
    return { env, started: {}, banner: async () => '', stop: async () => undefined, stopping: () => undefined };
  }
  const log = options.log ?? defaultLog;
  let stopping = false;
  const childLog = (line: string): void => {
    if (!stopping) log(line);
  };
  // Before the data directory is touched: a bad value must change nothing.
  const engineSettings = devEngineSettings(env);
  const kubernetesWanted = embeddedKubernetesEnabled(env);
  const out: Record<string, string | undefined> = { ...env };
  const dataDir = isBlank(env['DATA_DIR']) ? '.data' : (env['DATA_DIR'] as string);

  await ensureDataDir(dataDir);
  const lock = await acquireDataDirLock(dataDir, { log });
  let vault: VaultDevProcess | undefined;
  let kubernetes: EmbeddedKubernetes | undefined;
  let kubernetesStarting: Promise<EmbeddedKubernetes> | undefined;
  const record = new ChildRecord(dataDir);
  try {
    await assertApiPortFree(env);
    // Holding the lock, we know the API before us is gone; a child of it that is still there would hold its port
    // and its own lock in this directory.
    await stopStaleChildren(dataDir, { log });
    log(`VAULT_ADDR is not set: starting the embedded dev stack (vault-dev and database in ${dataDir})`);

    const ignored = ['VAULT_TOKEN', 'VAULT_ROLE_ID', 'VAULT_SECRET_ID'].filter((name) => !isBlank(env[name]));
    if (ignored.length > 0) {
      const [these, belong] = ignored.length === 1 ? ['it', 'belongs'] : ['they', 'belong'];
      log(
        `ignoring ${ignored.join(', ')}: without VAULT_ADDR ${these} ${belong} to no Vault we know; ` +
          'the embedded vault-dev has its own root token',
      );
    }
    for (const name of ignored) delete out[name];

    // The clusters need the dev issuer (to register their controllers as the admin); an operator's own
    // AUTH_ISSUERS gets no cluster issuers added behind its back.
    const withKubernetes = kubernetesWanted && isBlank(env['AUTH_ISSUERS']);
    if (kubernetesWanted && !withKubernetes && !isBlank(env['EMBEDDED_KUBERNETES'])) {
      log('EMBEDDED_KUBERNETES: not started, since AUTH_ISSUERS is set (the embedded clusters need the dev issuer)');
    }
    // Started beside vault-dev, not after it: the two take about as long, and nothing in one needs the other.
    if (withKubernetes) {
      kubernetesStarting = startEmbeddedKubernetes({
        dataDir,
        clusters: engineSettings.clusters,
        log: childLog,
        record,
      });
      kubernetesStarting.catch(() => undefined);
    }
    const rootToken = await loadOrCreateVaultRootToken(dataDir);
    vault = await startVaultDevProcess({
      log: childLog,
      dataDir: vaultDevDataDir(dataDir),
      rootToken: rootToken.token,
      record,
      ...(options.vaultPort !== undefined && { preferredPort: options.vaultPort }),
    });
    const engines = await prepareVault(vault, env, engineSettings);
    out['VAULT_ADDR'] = vault.address;
    out['VAULT_TOKEN'] = vault.rootToken;
    log(`vault-dev is listening at ${vault.address} (pid ${vault.pid}, state in ${vaultDevDataDir(dataDir)})`);

    if (isBlank(env['HISTORY_HMAC_KEY'])) {
      const hmac = await loadOrCreateHmacKey(dataDir);
      out['HISTORY_HMAC_KEY'] = hmac.key;
      if (hmac.created) log(`generated the history HMAC key in ${hmac.path}`);
    }

    if (kubernetesStarting) {
      kubernetes = await kubernetesStarting;
      for (const cluster of kubernetes.clusters) {
        log(`kube-dev for cluster ${cluster.name} is listening at ${cluster.address} (context ${cluster.context})`);
      }
    }

    const started: EmbeddedStack['started'] = {
      vault: { address: vault.address, rootToken: vault.rootToken, engines },
      ...(kubernetes && { kubernetes: { kubeconfig: kubernetes.kubeconfig, clusters: kubernetes.clusters } }),
    };
    let issuer: LocalIssuer | undefined;
    let adminGroup: string | undefined;
    // Only when AUTH_ISSUERS is unset: an operator who configured issuers gets exactly those, never a dev one.
    if (isBlank(env['AUTH_ISSUERS'])) {
      issuer = await LocalIssuer.create({ issuer: DEV_ISSUER, audience: DEV_AUDIENCE, dir: devIssuerDir(dataDir) });
      // Tokens without a groups claim are accepted, as from a CI issuer: `dev-token` mints CI and controller subjects.
      // Beside the clusters' issuers every issuer needs its own subject prefix (so no issuer can name another's
      // subjects): the dev issuer's principals are then `dev:<subject>`.
      const subjectPrefix = kubernetes ? DEV_SUBJECT_PREFIX : '';
      out['AUTH_ISSUERS'] = JSON.stringify([
        { ...issuer.issuerConfig({ groupsRequired: false }), ...(kubernetes && { subjectPrefix }) },
        ...(kubernetes?.issuers ?? []),
      ]);
      if (isBlank(env['ADMIN_GROUPS'])) out['ADMIN_GROUPS'] = DEV_ADMIN_GROUP;
      adminGroup = firstGroup(out['ADMIN_GROUPS']) ?? DEV_ADMIN_GROUP;
      started.issuer = {
        issuer: DEV_ISSUER,
        adminSubject: DEV_ADMIN_SUBJECT,
        adminGroup,
        ...(subjectPrefix && { subjectPrefix }),
      };
      log(`AUTH_ISSUERS is not set: trusting the dev JWT issuer ${DEV_ISSUER} (key in ${issuer.jwksPath ?? ''})`);
    }

    const running = vault;
    const clusters = kubernetes;
    let stopped: Promise<void> | undefined;
    return {
      env: out,
      started,
      banner: async (apiUrl) => {
        const adminToken =
          issuer && adminGroup !== undefined
            ? await issuer.sign(
                { sub: DEV_ADMIN_SUBJECT, groups: [adminGroup] },
                { ttlSeconds: DEV_ADMIN_TOKEN_TTL_SECONDS },
              )
            : undefined;
        if (clusters && adminToken !== undefined) await clusters.startControllers(apiUrl, adminToken);
        return renderBanner({
          apiUrl,
          dataDir,
          vault: running,
          engines,
          adminToken,
          adminGroup,
          ...(started.issuer?.subjectPrefix && { devSubjectPrefix: started.issuer.subjectPrefix }),
          ...(started.kubernetes && { kubernetes: started.kubernetes }),
        });
      },
      stop: () => (stopped ??= stopAll(running, clusters, record, lock)),
      stopping: () => {
        stopping = true;
      },
    };
  } catch (err) {
    kubernetes ??= await kubernetesStarting?.catch(() => undefined);
    await stopAll(vault, kubernetes, record, lock);
    throw err;
  }
}

/** The prefix of the dev issuer's principals when the clusters' issuers are trusted too. */
export const DEV_SUBJECT_PREFIX = 'dev:';

async function stopAll(
  vault: VaultDevProcess | undefined,
  kubernetes: EmbeddedKubernetes | undefined,
  record: ChildRecord,
  lock: DataDirLock,
): Promise<void> {
  try {
    // The controllers first: they talk to the API (closed already) and to their stand-in.
    await kubernetes?.stop();
  } finally {
    try {
      await vault?.stop();
      record.discard();
    } finally {
      await lock.release();
    }
  }
}

function firstGroup(list: string | undefined): string | undefined {
  return list
    ?.split(',')
    .map((g) => g.trim())
    .find(Boolean);
}

/** vault-dev's HTTP API with the root token; a 404 answers undefined (absent), any other error throws. */
function rootCall(vault: VaultDevProcess): RootCall {
  return async (method, path, body) => {
    const res = await fetch(`${vault.address}/v1/${path}`, {
      method,
      headers: { 'X-Vault-Token': vault.rootToken, 'Content-Type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    if (res.status === 404 && method === 'GET') return undefined;
    if (!res.ok)
      throw new EmbeddedVaultError(`vault-dev: ${method} /v1/${path} answered ${res.status}: ${text.trim()}`);
    return text ? (JSON.parse(text) as { data?: Record<string, unknown> }) : {};
  };
}

/**
 * The Vault setup a real deployment has and vault-dev lacks: AppRole, KV v2 at a non-default mount, and the
 * dynamic engines (dev-engines.ts). vault-dev keeps its state across restarts, so what an earlier start enabled
 * is found and left as it is.
 */
async function prepareVault(
  vault: VaultDevProcess,
  env: Record<string, string | undefined>,
  engines: DevEngineSettings,
): Promise<DevEnginesReport> {
  const call = rootCall(vault);
  const approle = mountName(env['VAULT_APPROLE_MOUNT']) ?? 'approle';
  const auths = (await call('GET', 'sys/auth'))?.data ?? {};
  if (auths[`${approle}/`] === undefined) await call('POST', `sys/auth/${approle}`, { type: 'approle' });
  const kv = mountName(env['VAULT_KV_MOUNT']) ?? 'secret';
  const mounts = (await call('GET', 'sys/mounts'))?.data ?? {};
  // vault-dev mounts secret/ as KV v2 itself, like `vault server -dev`.
  if (mounts[`${kv}/`] === undefined) {
    await call('POST', `sys/mounts/${kv}`, { type: 'kv', options: { version: '2' } });
  }
  return prepareDevEngines(call, engines);
}

/** A mount from the environment, or undefined to use the default; odd values are left to parseConfig to report. */
function mountName(value: string | undefined): string | undefined {
  if (isBlank(value)) return undefined;
  const trimmed = (value as string).trim().replace(/\/+$/, '');
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*(\/[A-Za-z0-9][A-Za-z0-9_.-]*)*$/.test(trimmed) ? trimmed : undefined;
}
