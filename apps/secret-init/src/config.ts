/**
 * Configuration: environment variables, parsed once by one zod schema. A bad value stops the
 * program with one line naming the variable (never echoing a secret-carrying one).
 *
 * zod/mini rather than zod's classic API: the same validation, but its functions tree-shake, so
 * the bundle carries a few dozen kilobytes of zod instead of 750 and start-up skips building
 * the classic API's method tables (≈ 90 ms of CPU on a loaded 2-core node).
 */
import { isServiceLinkVariable } from '@secret-api/pod-env';
import { readFileSync } from 'node:fs';
import { parseClusterName, validateAppName, type ClusterName } from '@secret-api/vault-policy';
import * as z from 'zod/mini';
import { ConfigError } from './errors.js';
import type { LogLevel } from './log.js';
import { fileModeProblem, parseFileMode } from './output/file-mode.js';
import { vaultPathProblem } from './vault/paths.js';

/** Where the SecretID (or a token) comes from; decided by which variables are set. */
export type Credentials =
  | { kind: 'token'; token: string }
  | { kind: 'secret-id'; roleId: string; secretId: string }
  | { kind: 'wrapped-secret-id'; roleId: string; wrappingToken: string }
  | { kind: 'intake'; roleId: string }
  /** Kubernetes auth: the pod's own service-account JWT, as kube-vault-auth-init logs in. */
  | { kind: 'kubernetes'; mount: string; role: string; jwt: string; tokenFile: string };

export interface Config {
  vault: {
    addr: URL;
    caCert: Buffer | undefined;
    namespace: string | undefined;
    timeoutMs: number;
    maxRetries: number;
  };
  approle: { mount: string; roleName: string | undefined };
  /** Only read when a login is needed; `exec` may find a token first. */
  credentials: () => Credentials;
  intake: { host: string; port: number; timeoutMs: number };
  app: string | undefined;
  cluster: ClusterName | undefined;
  mounts: { kv: string; database: string; aws: string; pki: string | undefined };
  pkiRole: string | undefined;
  configDir: string;
  /** The config dir was named explicitly: then it must exist. */
  configDirExplicit: boolean;
  outputDir: string;
  envFile: string;
  leaseDir: string;
  /** Mode of rendered files and the env file (SECRET_INIT_FILE_MODE, default 0640). */
  fileMode: number;
  logLevel: LogLevel;
  pod: { name: string | undefined; namespace: string | undefined };
}

type Env = Record<string, string | undefined>;

const nonEmpty = z.string().check(z.trim(), z.minLength(1, 'must not be empty'));
const wholeNumber = (message: string) =>
  z.pipe(z.string().check(z.trim(), z.regex(/^\d+$/, message)), z.transform(Number));
const seconds = (max: number) =>
  z
    .pipe(z.string().check(z.trim(), z.regex(/^\d+(\.\d+)?$/, 'must be a number of seconds')), z.transform(Number))
    .check(z.refine((n) => n > 0 && n <= max, `must be more than 0 and at most ${max} seconds`));
const mount = z.string().check(
  z.trim(),
  z.superRefine((v, ctx) => {
    const problem = vaultPathProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: v });
  }),
);

/** The pod's service-account token, where Kubernetes mounts it unless automounting is off. */
export const DEFAULT_KUBERNETES_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Rendered files and the env file: the pod's fsGroup (which owns the emptyDir) may read them, so an app
 * container running as another uid can; nobody else may.
 */
export const DEFAULT_FILE_MODE = 0o640;

/** Vault's role-name rule (framework.GenericNameRegex). */
const VAULT_ROLE_NAME = /^\w(?:[\w.-]*\w)?$/;

const schema = z.object({
  VAULT_ADDR: z.string({ error: 'is required (e.g. https://vault.example.com:8200)' }).check(
    z.trim(),
    z.refine((v) => /^https?:\/\/[^/]+/.test(v) && URL.canParse(v), 'must be an http:// or https:// URL'),
  ),
  VAULT_CACERT: z.optional(nonEmpty),
  VAULT_NAMESPACE: z.optional(nonEmpty),
  VAULT_CLIENT_TIMEOUT: z._default(seconds(600), 10),
  VAULT_MAX_RETRIES: z._default(
    wholeNumber('must be a whole number').check(z.refine((n) => n <= 10, 'must be at most 10')),
    2,
  ),
  VAULT_APPROLE_MOUNT: z._default(mount, 'approle'),
  VAULT_ROLE_NAME: z.optional(nonEmpty),
  VAULT_LOGIN_ROLE: z.optional(
    z.string().check(z.trim(), z.regex(VAULT_ROLE_NAME, 'must be a Vault role name (letters, digits, _ . -)')),
  ),
  // kube-vault-auth-init's name for the mount; a leading `auth/` is tolerated, as Vault's CLI prints it.
  KUBERNETES_AUTH_PATH: z._default(
    z.pipe(
      z.pipe(
        z.string().check(z.trim()),
        z.transform((v: string) => v.replace(/^auth\//, '')),
      ),
      mount,
    ),
    'kubernetes',
  ),
  KUBERNETES_TOKEN_FILE: z._default(nonEmpty, DEFAULT_KUBERNETES_TOKEN_FILE),
  VAULT_KV_MOUNT: z._default(mount, 'secret'),
  VAULT_DATABASE_MOUNT: z._default(mount, 'database'),
  VAULT_AWS_MOUNT: z._default(mount, 'aws'),
  VAULT_PKI_MOUNT: z.optional(mount),
  VAULT_PKI_ROLE: z.optional(nonEmpty),
  SECRET_INIT_APP: z.optional(nonEmpty),
  SECRET_INIT_CLUSTER: z.optional(nonEmpty),
  SECRET_INIT_PORT: z._default(
    wholeNumber('must be a port number').check(z.refine((n) => n <= 65535, 'must be at most 65535')),
    8099,
  ),
  SECRET_INIT_LISTEN: z._default(nonEmpty, '0.0.0.0'),
  SECRET_INIT_TIMEOUT: z._default(seconds(86_400), 300),
  SECRET_INIT_CONFIG_DIR: z.optional(nonEmpty),
  SECRET_INIT_OUTPUT_DIR: z._default(nonEmpty, '/etc/secrets'),
  SECRET_INIT_ENV_FILE: z._default(nonEmpty, '/env/variables'),
  SECRET_INIT_LEASE_DIR: z._default(nonEmpty, '/var/run/secrets/vault'),
  SECRET_INIT_FILE_MODE: z._default(
    z.pipe(
      z.string().check(
        z.trim(),
        z.superRefine((v, ctx) => {
          const problem = fileModeProblem(v);
          if (problem) ctx.addIssue({ code: 'custom', message: problem, input: v });
        }),
      ),
      z.transform(parseFileMode),
    ),
    DEFAULT_FILE_MODE,
  ),
  SECRET_INIT_LOG_LEVEL: z._default(z.enum(['debug', 'info', 'warn', 'error']), 'info'),
  POD_NAME: z.optional(nonEmpty),
  POD_NAMESPACE: z.optional(nonEmpty),
});

/** Parses the environment, or throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env): Config {
  const parsed = schema.safeParse(pickDefined(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${String(issue.path[0] ?? 'environment')} ${issue.message}`);
  }
  const e = parsed.data;
  const app =
    e.SECRET_INIT_APP === undefined ? undefined : checked('SECRET_INIT_APP', () => validateAppName(e.SECRET_INIT_APP));
  const cluster =
    e.SECRET_INIT_CLUSTER === undefined
      ? undefined
      : checked('SECRET_INIT_CLUSTER', () => parseClusterName(e.SECRET_INIT_CLUSTER));
  const appRole = app && cluster ? `${cluster.name}.${app}` : undefined;
  return {
    vault: {
      addr: new URL(e.VAULT_ADDR),
      caCert: e.VAULT_CACERT === undefined ? undefined : readConfigFile('VAULT_CACERT', e.VAULT_CACERT),
      namespace: e.VAULT_NAMESPACE,
      timeoutMs: e.VAULT_CLIENT_TIMEOUT * 1000,
      maxRetries: e.VAULT_MAX_RETRIES,
    },
    approle: { mount: e.VAULT_APPROLE_MOUNT, roleName: e.VAULT_ROLE_NAME ?? appRole },
    credentials: () =>
      credentials(env, {
        role: e.VAULT_LOGIN_ROLE,
        mount: e.KUBERNETES_AUTH_PATH,
        tokenFile: e.KUBERNETES_TOKEN_FILE,
      }),
    intake: { host: e.SECRET_INIT_LISTEN, port: e.SECRET_INIT_PORT, timeoutMs: e.SECRET_INIT_TIMEOUT * 1000 },
    app,
    cluster,
    mounts: {
      kv: e.VAULT_KV_MOUNT,
      database: e.VAULT_DATABASE_MOUNT,
      aws: e.VAULT_AWS_MOUNT,
      pki: e.VAULT_PKI_MOUNT ?? (cluster ? `pki/${cluster.cloud}/${cluster.env}` : undefined),
    },
    pkiRole: e.VAULT_PKI_ROLE ?? appRole,
    configDir: e.SECRET_INIT_CONFIG_DIR ?? '/config',
    configDirExplicit: e.SECRET_INIT_CONFIG_DIR !== undefined,
    outputDir: e.SECRET_INIT_OUTPUT_DIR,
    envFile: e.SECRET_INIT_ENV_FILE,
    leaseDir: e.SECRET_INIT_LEASE_DIR,
    fileMode: e.SECRET_INIT_FILE_MODE,
    logLevel: e.SECRET_INIT_LOG_LEVEL,
    pod: { name: e.POD_NAME, namespace: e.POD_NAMESPACE },
  };
}

interface KubernetesSettings {
  role: string | undefined;
  mount: string;
  tokenFile: string;
}

const APPROLE_VARIABLES = [
  'VAULT_ROLE_ID',
  'VAULT_ROLE_ID_FILE',
  'VAULT_SECRET_ID',
  'VAULT_SECRET_ID_FILE',
  'VAULT_WRAPPED_SECRET_ID',
] as const;

/**
 * The login material. Precedence: VAULT_TOKEN; else Kubernetes auth when VAULT_LOGIN_ROLE is set;
 * else a RoleID with a SecretID from VAULT_SECRET_ID_FILE, VAULT_SECRET_ID or
 * VAULT_WRAPPED_SECRET_ID; else a RoleID and the port.
 */
function credentials(env: Env, kubernetes: KubernetesSettings): Credentials {
  const token = secretVar(env, 'VAULT_TOKEN');
  if (token !== undefined) return { kind: 'token', token };
  if (kubernetes.role !== undefined) {
    // Two login methods configured is a mistake to point out, not a choice to make silently.
    const approle = APPROLE_VARIABLES.filter((k) => env[k] !== undefined && env[k] !== '');
    if (approle.length > 0) {
      throw new ConfigError(
        `VAULT_LOGIN_ROLE (Kubernetes auth) and ${approle.join(', ')} (AppRole) are both set; set one login method`,
      );
    }
    return {
      kind: 'kubernetes',
      mount: kubernetes.mount,
      role: kubernetes.role,
      jwt: serviceAccountToken(kubernetes.tokenFile),
      tokenFile: kubernetes.tokenFile,
    };
  }
  const roleId = secretVar(env, 'VAULT_ROLE_ID') ?? fileVar(env, 'VAULT_ROLE_ID_FILE');
  if (roleId === undefined) {
    throw new ConfigError(
      'VAULT_ROLE_ID or VAULT_ROLE_ID_FILE is required for AppRole (or VAULT_LOGIN_ROLE for Kubernetes auth, ' +
        'or VAULT_TOKEN for local use)',
    );
  }
  const given = ['VAULT_SECRET_ID', 'VAULT_SECRET_ID_FILE', 'VAULT_WRAPPED_SECRET_ID'].filter(
    (k) => env[k] !== undefined && env[k] !== '',
  );
  if (given.length > 1) throw new ConfigError(`${given.join(' and ')} are both set; set at most one`);
  const secretId = secretVar(env, 'VAULT_SECRET_ID') ?? fileVar(env, 'VAULT_SECRET_ID_FILE');
  if (secretId !== undefined) return { kind: 'secret-id', roleId, secretId };
  const wrappingToken = secretVar(env, 'VAULT_WRAPPED_SECRET_ID');
  if (wrappingToken !== undefined) return { kind: 'wrapped-secret-id', roleId, wrappingToken };
  return { kind: 'intake', roleId };
}

/** A secret-carrying variable: checked for shape, never echoed. */
function secretVar(env: Env, name: string): string | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const t = v.trim();
  if (t === '' || /[\s\0]/.test(t))
    throw new ConfigError(`${name} must be a single word without spaces or control characters`);
  return t;
}

function fileVar(env: Env, name: string): string | undefined {
  const path = env[name];
  if (path === undefined || path === '') return undefined;
  const text = readConfigFile(name, path).toString('utf8').trim();
  if (text === '' || /[\s\0]/.test(text)) {
    throw new ConfigError(`${name}: the file ${path} must hold one word (no spaces or control characters)`);
  }
  return text;
}

/** The projected service-account JWT: read at login time, checked for shape, never echoed. */
function serviceAccountToken(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(
      `KUBERNETES_TOKEN_FILE: cannot read the service-account token ${path} (${code}); ` +
        'is automountServiceAccountToken off for this pod?',
    );
  }
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(text)) {
    throw new ConfigError(`KUBERNETES_TOKEN_FILE: the file ${path} does not hold a JWT`);
  }
  return text;
}

function readConfigFile(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`${name}: cannot read ${path} (${code})`);
  }
}

function checked<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new ConfigError(`${name}: ${(err as Error).message}`);
  }
}

/** The settings that are set: empty is unset, and so is a service link (a Service named `secret-init`). */
function pickDefined(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(schema.shape)) {
    const v = env[k];
    if (v !== undefined && v !== '' && !isServiceLinkVariable(k, v)) out[k] = v;
  }
  return out;
}
