/**
 * The two flows. `run` (the init container): log in, render the config directory, write the
 * env file, hand the token and leases to the sidecar. `exec`: log in (or reuse a token), resolve
 * the SECRET_ variables into a child's environment, and become that child.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import type { Config } from './config.js';
import { ConfigError } from './errors.js';
import { childEnvironment, execChild } from './env/exec.js';
import { envFileContent } from './env/shell.js';
import { parseSecretVariables, type SecretVariable } from './env/variables.js';
import { leaseFile, TOKEN_FILE, writeLeaseDir } from './leases/lease-file.js';
import type { Logger } from './log.js';
import { OUTPUT_DIR_MODE, writeFilesAtomically, type PendingFile } from './output/atomic.js';
import { firstRoundRequests, renderAll } from './render/engine.js';
import { Fetcher } from './render/fetcher.js';
import type { FunctionContext } from './render/functions.js';
import { isTemplate, parseTemplate, scanConfigDir, type SourceFile } from './render/templates.js';
import { obtainSession } from './session.js';
import { VaultClient } from './vault/client.js';
import { revokeSelf, tokenSession, type Session } from './vault/login.js';

/**
 * Copied (non-template) files keep at most rw-r--r--, and always rw for the owner and r for the group: the app
 * reads them through the pod's fsGroup, so a 0600 source would otherwise be unreadable to it.
 */
export const COPIED_MODE_MASK = 0o644;
const COPIED_MODE_FLOOR = 0o640;

type Env = Record<string, string | undefined>;

export async function runInit(config: Config, env: Env, log: Logger): Promise<void> {
  const variables = parseSecretVariables(env);
  const sources = readConfigDir(config, log);
  // Templates are parsed before waiting for the SecretID: a typo fails the pod at once.
  const templates = sources.filter(isTemplate).map(parseTemplate);
  const input = { templates, variables, context: functionContext(config), data: templateData(config) };
  const client = newClient(config);
  let session: Session;
  try {
    session = await obtainSession(config, client, log, firstRoundRequests(input));
  } catch (err) {
    client.close();
    throw err;
  }
  client.token = session.token;
  const stopWatching = revokeOnTermination(client, session, log);
  try {
    const fetcher = new Fetcher(client);
    const started = Date.now();
    const out = await renderAll(input, fetcher, log);
    const pending: PendingFile[] = sources.map((s) => outputFile(config, s, out.files));
    if (variables.length > 0) {
      pending.push({ path: config.envFile, content: envFileContent(out.variables), mode: config.fileMode });
    }
    writeFilesAtomically(pending, OUTPUT_DIR_MODE);
    writeLeaseDir(
      config.leaseDir,
      leaseFile(client.address, session, fetcher.leases, new Date(), fetcher.certificates),
      session.token,
    );
    log.info('secrets written', {
      files: sources.length,
      templates: templates.length,
      variables: variables.length,
      vaultRequests: fetcher.requestCount,
      leases: fetcher.leases.length,
      ms: Date.now() - started,
    });
  } catch (err) {
    stopWatching();
    await abandon(client, session, log);
    client.close();
    throw err;
  }
  stopWatching();
  // On success the connections are left open: the program exits next (main.ts), and the exit closes
  // them without the work of tearing down up to 32 sockets one by one first.
}

export async function runExec(config: Config, env: Env, command: readonly string[], log: Logger): Promise<number> {
  if (command.length === 0) throw new ConfigError('exec needs a command: secret-init exec -- CMD [ARGS…]');
  const variables = parseSecretVariables(env);
  const client = newClient(config);
  let values: Map<string, string>;
  /** A token we logged in for that the command's leases still hang on: ours to revoke if the command never starts. */
  let keptForLeases: Session | undefined;
  try {
    const session = await execSession(config, env, client, log);
    client.token = session.token;
    const fetcher = new Fetcher(client);
    let out;
    try {
      out = await renderAll(
        { templates: [], variables, context: functionContext(config), data: templateData(config) },
        fetcher,
        log,
      );
    } catch (err) {
      if (session.source !== 'token') await abandon(client, session, log);
      throw err;
    }
    values = out.variables;
    // A token we logged in for has done its work once the values are read, unless leases hang on it (a database
    // user the command will use dies with it): revoked now, it cannot outlive the command by its TTL.
    if (session.source !== 'token') {
      if (fetcher.leases.length > 0) keptForLeases = session;
      else if (await revokeSelf(client, session)) {
        log.info('revoked the login token: the values are read', { accessor: session.accessor ?? null });
      }
    }
  } finally {
    client.close();
  }
  log.info('starting the command', { command: command[0]!, variables: variables.map((v: SecretVariable) => v.name) });
  try {
    return await execChild(command, childEnvironment(env, values));
  } catch (err) {
    // The command never ran: the credentials made for it must not live on until the token's TTL.
    if (keptForLeases) {
      const revoker = newClient(config);
      revoker.token = keptForLeases.token;
      await abandon(revoker, keptForLeases, log).finally(() => revoker.close());
    }
    throw err;
  }
}

/** exec prefers a token it is given or the init container left behind, and logs in only otherwise. */
async function execSession(config: Config, env: Env, client: VaultClient, log: Logger): Promise<Session> {
  if (!env['VAULT_TOKEN']) {
    const tokenPath = join(config.leaseDir, TOKEN_FILE);
    if (existsSync(tokenPath)) {
      const token = readFileSync(tokenPath, 'utf8').trim();
      log.info('using the token secret-init left in the lease directory', { path: tokenPath });
      return tokenSession(client, token);
    }
  }
  return obtainSession(config, client, log);
}

function readConfigDir(config: Config, log: Logger): SourceFile[] {
  const dir = config.configDir;
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    if (config.configDirExplicit) throw new ConfigError(`SECRET_INIT_CONFIG_DIR: ${dir} is not a directory`);
    log.info('no config directory; nothing to render', { dir });
    return [];
  }
  return scanConfigDir(dir);
}

function outputFile(config: Config, source: SourceFile, rendered: ReadonlyMap<string, string>): PendingFile {
  const path = join(config.outputDir, ...source.outRel.split('/'));
  const text = rendered.get(source.rel);
  if (text !== undefined) return { path, content: text, mode: config.fileMode };
  return { path, content: source.content, mode: (source.mode & COPIED_MODE_MASK) | COPIED_MODE_FLOOR };
}

function functionContext(config: Config): FunctionContext {
  const appRole = config.app && config.cluster ? `${config.cluster.name}.${config.app}` : undefined;
  return { app: config.app, cluster: config.cluster, mounts: config.mounts, appRole, pkiRole: config.pkiRole };
}

/** The template's dot: names only, no secrets. */
function templateData(config: Config): Record<string, unknown> {
  return {
    app: config.app ?? '',
    cluster: config.cluster?.name ?? '',
    cloud: config.cluster?.cloud ?? '',
    env: config.cluster?.env ?? '',
    podName: config.pod.name ?? '',
    podNamespace: config.pod.namespace ?? '',
  };
}

function newClient(config: Config): VaultClient {
  return new VaultClient(config.vault);
}

/**
 * A pod deleted while secret-init renders sends it SIGTERM. Node's default is to die at once, and the token it logged
 * in with — and every lease it made, database users and AWS keys included — would live on until its TTL, with no
 * sidecar left to revoke them. So from the login until the files are written a termination is a failure: the token
 * is revoked, then the process exits as the signal would have (128 + its number). Returns the handler's removal.
 */
function revokeOnTermination(client: VaultClient, session: Session, log: Logger): () => void {
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
  const handler = (signal: NodeJS.Signals) => {
    log.warn('stopped while rendering', { signal });
    void abandon(client, session, log).finally(() => process.exit(128 + (osConstants.signals[signal] ?? 15)));
  };
  for (const signal of signals) process.once(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}

/** A failed run revokes the token it logged in with, so the leases it created die with it. */
async function abandon(client: VaultClient, session: Session, log: Logger): Promise<void> {
  // A token given to us is not ours to revoke; one we logged in for is.
  if (session.source === 'token') return;
  const revoked = await revokeSelf(client, session);
  log.warn(revoked ? 'revoked the token after the failure' : 'could not revoke the token after the failure', {
    accessor: session.accessor ?? null,
  });
}
