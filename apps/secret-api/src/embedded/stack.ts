/**
 * The embedded dev stack of product.md §7: with VAULT_ADDR unset, `npm start` runs vault-dev as a child process,
 * a local dev JWT issuer and (in the API itself) the embedded database, and prints the exports to use them.
 * With VAULT_ADDR set nothing here happens: production configuration is never completed behind the user's back.
 */
import { resolve } from 'node:path';
import { LocalIssuer } from '../auth/local-issuer.js';
import { ensureDataDir, loadOrCreateHmacKey } from '../config/data-dir.js';
import { EmbeddedVaultError, startVaultDevProcess } from './vault-dev-process.js';
import type { VaultDevProcess } from './vault-dev-process.js';

export { EmbeddedVaultError } from './vault-dev-process.js';

export interface EmbeddedStack {
  /** The environment to parse with parseConfig: the caller's env with the embedded parts filled in. */
  env: Record<string, string | undefined>;
  /** What was started, for the banner: 'vault' and/or 'issuer'. */
  started: {
    vault?: { address: string; rootToken: string };
    issuer?: { issuer: string; adminSubject: string; adminGroup: string };
  };
  /**
   * The lines to print once the API listens at `apiUrl`: the `export ...` lines a user pastes, each with a note.
   * Empty when nothing embedded was started.
   */
  banner(apiUrl: string): Promise<string>;
  /** Stops what was started (the vault-dev child process). Idempotent. */
  stop(): Promise<void>;
}

export interface EmbeddedStackOptions {
  /** Progress and warnings, one line each. Default: stderr, prefixed `secret-api: `. */
  log?: (line: string) => void;
  /** Port tried first for vault-dev. Default 8200; a free port is used when it is taken. */
  vaultPort?: number;
}

export const DEV_ISSUER = 'http://127.0.0.1/secret-api-dev-issuer';
export const DEV_AUDIENCE = 'secret-api';
export const DEV_ADMIN_SUBJECT = 'dev-admin@localhost';
export const DEV_ADMIN_GROUP = 'secret-api-admins';
/** Long enough for a working day with the pasted exports, short enough that a leaked one soon stops mattering. */
export const DEV_ADMIN_TOKEN_TTL_SECONDS = 12 * 3600;

const isBlank = (value: string | undefined): boolean => value === undefined || value.trim() === '';

const defaultLog = (line: string): void => {
  process.stderr.write(`secret-api: ${line}\n`);
};

/**
 * Decides embedded mode (VAULT_ADDR unset or blank), starts what it needs and returns the environment to parse.
 * Throws (after stopping anything it started) when the stack cannot be started.
 */
export async function prepareEmbeddedStack(
  env: Record<string, string | undefined>,
  options: EmbeddedStackOptions = {},
): Promise<EmbeddedStack> {
  if (!isBlank(env['VAULT_ADDR'])) {
    return { env, started: {}, banner: async () => '', stop: async () => undefined };
  }
  const log = options.log ?? defaultLog;
  const out: Record<string, string | undefined> = { ...env };
  const dataDir = isBlank(env['DATA_DIR']) ? '.data' : (env['DATA_DIR'] as string);
  log(`VAULT_ADDR is not set: starting the embedded dev stack (vault-dev in memory, data in ${dataDir})`);

  const ignored = ['VAULT_TOKEN', 'VAULT_ROLE_ID', 'VAULT_SECRET_ID'].filter((name) => !isBlank(env[name]));
  if (ignored.length > 0) {
    const [these, belong] = ignored.length === 1 ? ['it', 'belongs'] : ['they', 'belong'];
    log(
      `ignoring ${ignored.join(', ')}: without VAULT_ADDR ${these} ${belong} to no Vault we know; ` +
        'the embedded vault-dev gets a fresh root token',
    );
  }
  for (const name of ignored) delete out[name];

  await ensureDataDir(dataDir);
  const vault = await startVaultDevProcess({
    log,
    ...(options.vaultPort !== undefined && { preferredPort: options.vaultPort }),
  });
  try {
    await prepareVault(vault, env);
    out['VAULT_ADDR'] = vault.address;
    out['VAULT_TOKEN'] = vault.rootToken;
    log(`vault-dev is listening at ${vault.address} (pid ${vault.pid}); AppRole is enabled`);

    if (isBlank(env['HISTORY_HMAC_KEY'])) {
      const hmac = await loadOrCreateHmacKey(dataDir);
      out['HISTORY_HMAC_KEY'] = hmac.key;
      if (hmac.created) log(`generated the history HMAC key in ${hmac.path}`);
    }

    const started: EmbeddedStack['started'] = { vault: { address: vault.address, rootToken: vault.rootToken } };
    let issuer: LocalIssuer | undefined;
    let adminGroup: string | undefined;
    // Only when AUTH_ISSUERS is unset: an operator who configured issuers gets exactly those, never a dev one.
    if (isBlank(env['AUTH_ISSUERS'])) {
      issuer = await LocalIssuer.create({
        issuer: DEV_ISSUER,
        audience: DEV_AUDIENCE,
        dir: resolve(dataDir, 'dev-issuer'),
      });
      out['AUTH_ISSUERS'] = JSON.stringify([issuer.issuerConfig()]);
      if (isBlank(env['ADMIN_GROUPS'])) out['ADMIN_GROUPS'] = DEV_ADMIN_GROUP;
      adminGroup = firstGroup(out['ADMIN_GROUPS']) ?? DEV_ADMIN_GROUP;
      started.issuer = { issuer: DEV_ISSUER, adminSubject: DEV_ADMIN_SUBJECT, adminGroup };
      log(`AUTH_ISSUERS is not set: trusting the dev JWT issuer ${DEV_ISSUER} (key in ${issuer.jwksPath ?? ''})`);
    }

    let stopped: Promise<void> | undefined;
    return {
      env: out,
      started,
      banner: async (apiUrl) =>
        renderBanner({
          apiUrl,
          dataDir,
          vault,
          adminToken:
            issuer && adminGroup !== undefined
              ? await issuer.sign(
                  { sub: DEV_ADMIN_SUBJECT, groups: [adminGroup] },
                  { ttlSeconds: DEV_ADMIN_TOKEN_TTL_SECONDS },
                )
              : undefined,
          adminGroup,
        }),
      stop: () => (stopped ??= vault.stop()),
    };
  } catch (err) {
    await vault.stop();
    throw err;
  }
}

function firstGroup(list: string | undefined): string | undefined {
  return list
    ?.split(',')
    .map((g) => g.trim())
    .find(Boolean);
}

async function vaultPost(vault: VaultDevProcess, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${vault.address}/v1/${path}`, {
    method: 'POST',
    headers: { 'X-Vault-Token': vault.rootToken, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  if (!res.ok) throw new EmbeddedVaultError(`vault-dev: POST /v1/${path} answered ${res.status}: ${text.trim()}`);
}

/** The Vault setup a real deployment has and vault-dev lacks: AppRole, and KV v2 at a non-default mount. */
async function prepareVault(vault: VaultDevProcess, env: Record<string, string | undefined>): Promise<void> {
  const approle = mountName(env['VAULT_APPROLE_MOUNT']) ?? 'approle';
  await vaultPost(vault, `sys/auth/${approle}`, { type: 'approle' });
  const kv = mountName(env['VAULT_KV_MOUNT']) ?? 'secret';
  // vault-dev already mounts secret/ as KV v2, like `vault server -dev`.
  if (kv !== 'secret') await vaultPost(vault, `sys/mounts/${kv}`, { type: 'kv', options: { version: '2' } });
}

/** A mount from the environment, or undefined to use the default; odd values are left to parseConfig to report. */
function mountName(value: string | undefined): string | undefined {
  if (isBlank(value)) return undefined;
  const trimmed = (value as string).trim().replace(/\/+$/, '');
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*(\/[A-Za-z0-9][A-Za-z0-9_.-]*)*$/.test(trimmed) ? trimmed : undefined;
}

/** Single-quotes a value only when the shell would otherwise split or expand it. */
function shellValue(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

function renderBanner(input: {
  apiUrl: string;
  dataDir: string;
  vault: VaultDevProcess;
  adminToken: string | undefined;
  adminGroup: string | undefined;
}): string {
  const rows: [string, string][] = [[`export SECRET_API_URL=${shellValue(input.apiUrl)}`, 'the Secret API']];
  if (input.adminToken !== undefined) {
    rows.push([
      `export SECRET_API_TOKEN=${input.adminToken}`,
      `admin (${DEV_ADMIN_SUBJECT}, group ${input.adminGroup ?? ''}) from the dev issuer, valid 12 h`,
    ]);
  }
  rows.push(
    [`export VAULT_ADDR=${shellValue(input.vault.address)}`, 'vault-dev'],
    [`export VAULT_TOKEN=${input.vault.rootToken}`, 'vault-dev root token'],
  );
  // A JWT is far longer than the rest: aligning every note after it would push them off the screen.
  const width = Math.max(...rows.map(([line]) => line.length).filter((length) => length <= 80));
  const lines = [
    `Secret API (embedded dev stack) is ready at ${input.apiUrl}`,
    '',
    input.adminToken !== undefined
      ? 'Paste these to use the deployer CLI as admin:'
      : 'Paste these to use the deployer CLI:',
    '',
    ...rows.map(([line, note]) => `  ${line.padEnd(width)}  # ${note}`),
  ];
  if (input.adminToken === undefined) {
    lines.push('  # SECRET_API_TOKEN: a token from one of your AUTH_ISSUERS (the dev issuer runs only without them)');
  }
  lines.push(
    '',
    'vault-dev keeps everything in memory: restart = empty Vault (no AppRoles, no secret values), while the',
    `database in ${input.dataDir} keeps apps and history; run the ensure again and set the secrets again.`,
    '',
  );
  return lines.join('\n');
}
