/**
 * Configuration from the environment, read once. What to keep alive comes from the first of:
 *   1. the lease directory secret-init wrote (SECRET_REFRESH_LEASE_DIR);
 *   2. kube-vault-auth-renewer's interface: VAULT_ADDR, VAULT_TOKEN and LEASE_IDS, the last two
 *      also from the env file it sources (SECRET_REFRESH_ENV_FILE), whose values win as they
 *      would after `source`;
 *   3. VAULT_TOKEN_FILE (with VAULT_ADDR, and LEASE_IDS if any).
 * A bad value stops the program with one line naming the variable — never echoing a token.
 */
import { isServiceLinkVariable } from '@secret-api/pod-env';
import { existsSync, readFileSync } from 'node:fs';
import { parseEnvFile } from './env-file.js';
import { ConfigError } from './errors.js';
import { hasLeaseFile, readLeaseDir, type LeaseDirCertificate } from './lease-dir.js';
import type { LogLevel } from './log.js';

export type Source = 'lease-dir' | 'renewer' | 'token-file';

/** What is known about an item before its lookup (from the lease directory). */
export interface Hint {
  ttl: number;
  renewable: boolean;
  expiresAt: Date | null;
}

export interface Config {
  source: Source;
  /** Where the inputs came from, for the start-up log line. */
  origin: string;
  vaultAddr: URL;
  caCert: Buffer | undefined;
  clientTimeoutMs: number;
  /** Secret: never logged, never in the status. */
  token: string;
  tokenHint: (Hint & { accessor: string | undefined }) | undefined;
  leases: { leaseId: string; path: string | undefined; hint: Hint | undefined }[];
  /** PKI certificates the pod holds (from the lease file): the pod must restart before they expire. */
  certificates: LeaseDirCertificate[];
  /** Upper bound on the wait between two renewals of an item (RENEW_INTERVAL). */
  renewIntervalMs: number;
  revokeOnExit: boolean;
  shutdownTimeoutMs: number;
  listen: { host: string; port: number };
  logLevel: LogLevel;
}

type Env = Record<string, string | undefined>;

export const DEFAULTS = {
  leaseDir: '/var/run/secrets/vault',
  envFile: '/env/variables',
  /** kube-vault-auth-renewer's default (6 h). */
  renewIntervalSeconds: 21_600,
  shutdownTimeoutSeconds: 10,
  port: 8098,
  clientTimeoutSeconds: 10,
} as const;

export function loadConfig(env: Env): Config {
  const common = {
    caCert: optional(env, 'VAULT_CACERT') === undefined ? undefined : readFile('VAULT_CACERT', env['VAULT_CACERT']!),
    clientTimeoutMs: seconds(env, 'VAULT_CLIENT_TIMEOUT', DEFAULTS.clientTimeoutSeconds, 600) * 1000,
    renewIntervalMs: seconds(env, 'RENEW_INTERVAL', DEFAULTS.renewIntervalSeconds, 31 * 86_400) * 1000,
    revokeOnExit: bool(env, 'REVOKE_ON_EXIT', true),
    shutdownTimeoutMs: seconds(env, 'SECRET_REFRESH_SHUTDOWN_TIMEOUT', DEFAULTS.shutdownTimeoutSeconds, 3600) * 1000,
    listen: { host: optional(env, 'SECRET_REFRESH_LISTEN') ?? '0.0.0.0', port: port(env, 'SECRET_REFRESH_PORT') },
    logLevel: logLevel(env),
  };

  const leaseDir = optional(env, 'SECRET_REFRESH_LEASE_DIR') ?? DEFAULTS.leaseDir;
  if (hasLeaseFile(leaseDir)) {
    const dir = readLeaseDir(leaseDir);
    return {
      ...common,
      source: 'lease-dir',
      origin: leaseDir,
      vaultAddr: new URL(dir.vaultAddr),
      token: dir.token,
      tokenHint: dir.tokenInfo,
      leases: dir.leases.map((l) => ({
        leaseId: l.leaseId,
        path: l.path,
        hint: { ttl: l.ttl, renewable: l.renewable, expiresAt: l.expiresAt },
      })),
      certificates: dir.certificates,
    };
  }
  if (env['SECRET_REFRESH_LEASE_DIR']) {
    throw new ConfigError(`SECRET_REFRESH_LEASE_DIR: ${leaseDir} has no leases.json (has secret-init run?)`);
  }

  // kube-vault-auth-renewer sources the env file over its environment: the file's values win.
  const envFile = optional(env, 'SECRET_REFRESH_ENV_FILE') ?? DEFAULTS.envFile;
  let fromFile = new Map<string, string>();
  if (existsSync(envFile)) {
    fromFile = parseEnvFile(readFile('SECRET_REFRESH_ENV_FILE', envFile).toString('utf8'), envFile, [
      'VAULT_ADDR',
      'VAULT_TOKEN',
      'LEASE_IDS',
    ]);
  } else if (env['SECRET_REFRESH_ENV_FILE']) {
    throw new ConfigError(`SECRET_REFRESH_ENV_FILE: ${envFile} does not exist`);
  }
  const merged: Env = { ...env, ...Object.fromEntries(fromFile) };
  const where = (name: string) => (fromFile.has(name) ? `${name} (from ${envFile})` : name);

  let token = secretWord(merged, 'VAULT_TOKEN', where('VAULT_TOKEN'));
  let source: Source = 'renewer';
  let origin = fromFile.size > 0 ? `environment and ${envFile}` : 'environment';
  if (token === undefined) {
    const file = optional(env, 'VAULT_TOKEN_FILE');
    if (file === undefined) {
      throw new ConfigError(
        `nothing to keep alive: SECRET_REFRESH_LEASE_DIR (${leaseDir}) has no leases.json, and neither VAULT_TOKEN nor VAULT_TOKEN_FILE is set`,
      );
    }
    token = readFile('VAULT_TOKEN_FILE', file).toString('utf8').trim();
    if (token === '' || /[\s\0]/.test(token)) {
      throw new ConfigError(`VAULT_TOKEN_FILE: ${file} must hold one token (no spaces or control characters)`);
    }
    source = 'token-file';
    origin = file;
  }
  const addr = optional(merged, 'VAULT_ADDR');
  if (addr === undefined) throw new ConfigError(`VAULT_ADDR is required (e.g. https://vault.example.com:8200)`);
  if (!/^https?:\/\/[^/]+/.test(addr) || !URL.canParse(addr)) {
    throw new ConfigError(`${where('VAULT_ADDR')} must be an http:// or https:// URL`);
  }
  return {
    ...common,
    source,
    origin,
    vaultAddr: new URL(addr),
    token,
    tokenHint: undefined,
    leases: leaseIds(merged, where('LEASE_IDS')).map((leaseId) => ({ leaseId, path: undefined, hint: undefined })),
    certificates: [],
  };
}

/** LEASE_IDS: comma-separated lease ids (blanks around commas and empty entries ignored). */
function leaseIds(env: Env, name: string): string[] {
  const raw = env['LEASE_IDS'];
  if (raw === undefined) return [];
  const ids = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of ids) {
    if (/[\s\0]/.test(id) || id.startsWith('/') || id.includes('..')) {
      throw new ConfigError(
        `${name}: ${JSON.stringify(id)} is not a lease id (expected e.g. database/creds/<role>/<id>)`,
      );
    }
  }
  return [...new Set(ids)];
}

function optional(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** A token: checked for shape, never echoed. */
function secretWord(env: Env, name: string, label: string): string | undefined {
  const v = optional(env, name);
  if (v !== undefined && /[\s\0]/.test(v)) throw new ConfigError(`${label} must be a single word without spaces`);
  return v;
}

function seconds(env: Env, name: string, fallback: number, max: number): number {
  const v = optional(env, name);
  if (v === undefined) return fallback;
  const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  if (!(n > 0 && n <= max))
    throw new ConfigError(`${name} must be a number of seconds, more than 0 and at most ${max}`);
  return n;
}

function port(env: Env, name: string): number {
  const given = optional(env, name);
  // A Service named `secret-refresh` in the namespace sets SECRET_REFRESH_PORT=tcp://…: not a setting.
  const v = given !== undefined && isServiceLinkVariable(name, given) ? undefined : given;
  if (v === undefined) return DEFAULTS.port;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= 0 && n <= 65535)) throw new ConfigError(`${name} must be a port number (0 picks a free one)`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const v = optional(env, name)?.toLowerCase();
  if (v === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`${name} must be true or false`);
}

function logLevel(env: Env): LogLevel {
  const v = optional(env, 'SECRET_REFRESH_LOG_LEVEL') ?? 'info';
  if (v === 'debug' || v === 'info' || v === 'warn' || v === 'error') return v;
  throw new ConfigError('SECRET_REFRESH_LOG_LEVEL must be one of debug, info, warn, error');
}

function readFile(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${name}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
