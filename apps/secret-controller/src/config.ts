/**
 * Configuration from the environment, parsed once by one zod schema and frozen. A bad value stops the process
 * with one line naming the variable (exit 2). No secret has a default: tokens come from files only.
 */
import { isServiceLinkVariable } from '@secret-api/pod-env';
import { z } from 'zod';
import { ZAppName, ZClusterName } from '@secret-api/contract';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const seconds = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+(\.[0-9]+)?$/, `${name} must be a number of seconds`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name} must be between ${min} and ${max}`);
const integer = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, `${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name} must be between ${min} and ${max}`);
const k8sName = (name: string) =>
  z
    .string()
    .max(63, `${name} must be at most 63 characters`)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${name} must be a Kubernetes name (lowercase letters, digits, -)`);
const leaseName = z
  .string()
  .max(253, 'SECRET_CONTROLLER_LEASE_NAME must be at most 253 characters')
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'SECRET_CONTROLLER_LEASE_NAME must be a Kubernetes object name');
const httpUrl = (name: string) =>
  z.string().refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), `${name} must be an http(s) URL`);

/** The variables, each schema naming its variable in its messages. */
const ZEnv = z.object({
  SECRET_CONTROLLER_CLUSTER: ZClusterName,
  SECRET_API_URL: httpUrl('SECRET_API_URL'),
  SECRET_API_TOKEN_FILE: z.string().min(1, 'SECRET_API_TOKEN_FILE must name a file'),
  SECRET_API_CA_FILE: z.string().min(1).optional(),
  /** Kubernetes API: in-cluster defaults; KUBECONFIG for out-of-cluster use. */
  KUBECONFIG: z.string().min(1).optional(),
  KUBERNETES_SERVICE_HOST: z.string().min(1).optional(),
  KUBERNETES_SERVICE_PORT: integer('KUBERNETES_SERVICE_PORT', 1, 65535).optional(),
  SECRET_INIT_PORT: integer('SECRET_INIT_PORT', 1, 65535).default(8099),
  SECRET_CONTROLLER_INIT_CONTAINER: k8sName('SECRET_CONTROLLER_INIT_CONTAINER').default('secret-init'),
  SECRET_CONTROLLER_REFRESH_CONTAINER: k8sName('SECRET_CONTROLLER_REFRESH_CONTAINER').default('secret-refresh'),
  SECRET_CONTROLLER_NAMESPACE: k8sName('SECRET_CONTROLLER_NAMESPACE').optional(),
  POD_NAMESPACE: k8sName('POD_NAMESPACE').optional(),
  POD_NAME: z.string().min(1).max(253).optional(),
  SECRET_CONTROLLER_LEASE_NAME: leaseName.default('secret-controller'),
  SECRET_CONTROLLER_LEASE_SECONDS: seconds('SECRET_CONTROLLER_LEASE_SECONDS', 1, 600).default(15),
  SECRET_CONTROLLER_RENEW_SECONDS: seconds('SECRET_CONTROLLER_RENEW_SECONDS', 0.1, 300).optional(),
  SECRET_CONTROLLER_POLL_SECONDS: seconds('SECRET_CONTROLLER_POLL_SECONDS', 0.2, 3600).default(10),
  SECRET_CONTROLLER_WORKERS: integer('SECRET_CONTROLLER_WORKERS', 1, 256).default(32),
  SECRET_CONTROLLER_MAX_ATTEMPTS: integer('SECRET_CONTROLLER_MAX_ATTEMPTS', 1, 100).default(12),
  SECRET_CONTROLLER_RETRY_BASE_MS: integer('SECRET_CONTROLLER_RETRY_BASE_MS', 1, 60_000).default(100),
  SECRET_CONTROLLER_RETRY_MAX_MS: integer('SECRET_CONTROLLER_RETRY_MAX_MS', 1, 600_000).default(30_000),
  SECRET_CONTROLLER_RESTARTS_PER_MINUTE: integer('SECRET_CONTROLLER_RESTARTS_PER_MINUTE', 1, 10_000).default(10),
  SECRET_CONTROLLER_HEALTH_PORT: integer('SECRET_CONTROLLER_HEALTH_PORT', 0, 65535).default(8081),
  SECRET_CONTROLLER_HEALTH_HOST: z.string().min(1).default('0.0.0.0'),
  SECRET_CONTROLLER_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export interface Config {
  cluster: string;
  secretApi: { url: string; tokenFile: string; caFile: string | undefined };
  kube: { kubeconfig: string | undefined; inCluster: { host: string; port: number } | undefined };
  intakePort: number;
  initContainer: string;
  refreshContainer: string;
  identity: string;
  lease: { namespace: string; name: string; durationMs: number; renewMs: number };
  pollMs: number;
  workers: number;
  maxAttempts: number;
  retry: { baseMs: number; maxMs: number };
  restartsPerMinute: number;
  health: { host: string; port: number };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export function parseConfig(env: Record<string, string | undefined>): Readonly<Config> {
  // Empty is unset, and so is a service link posing as one of our settings (`SECRET_INIT_PORT=tcp://…` from a
  // Service named secret-init). KUBERNETES_SERVICE_HOST/PORT are service links too, and the ones we want.
  const present = Object.fromEntries(
    Object.entries(env).filter(
      ([k, v]) => v !== undefined && v !== '' && !(k.startsWith('SECRET_') && isServiceLinkVariable(k, v)),
    ),
  );
  const result = ZEnv.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0] as z.core.$ZodIssue;
    const variable = String(issue.path[0] ?? 'environment');
    const message = issue.code === 'invalid_type' ? `${variable} is required` : issue.message;
    throw new ConfigError(message.includes(variable) ? message : `${variable}: ${message}`);
  }
  const e = result.data;
  if (!e.KUBECONFIG && !e.KUBERNETES_SERVICE_HOST) {
    throw new ConfigError('KUBECONFIG is required outside a cluster (KUBERNETES_SERVICE_HOST is not set)');
  }
  const namespace = e.SECRET_CONTROLLER_NAMESPACE ?? e.POD_NAMESPACE;
  if (!namespace)
    throw new ConfigError('SECRET_CONTROLLER_NAMESPACE (or POD_NAMESPACE) is required: the Lease lives there');
  const durationMs = e.SECRET_CONTROLLER_LEASE_SECONDS * 1000;
  const renewMs = (e.SECRET_CONTROLLER_RENEW_SECONDS ?? e.SECRET_CONTROLLER_LEASE_SECONDS / 3) * 1000;
  if (renewMs >= durationMs) {
    throw new ConfigError('SECRET_CONTROLLER_RENEW_SECONDS must be shorter than SECRET_CONTROLLER_LEASE_SECONDS');
  }
  if (e.SECRET_CONTROLLER_RETRY_BASE_MS > e.SECRET_CONTROLLER_RETRY_MAX_MS) {
    throw new ConfigError('SECRET_CONTROLLER_RETRY_BASE_MS must not exceed SECRET_CONTROLLER_RETRY_MAX_MS');
  }
  return Object.freeze({
    cluster: e.SECRET_CONTROLLER_CLUSTER,
    secretApi: {
      url: e.SECRET_API_URL.replace(/\/+$/, ''),
      tokenFile: e.SECRET_API_TOKEN_FILE,
      caFile: e.SECRET_API_CA_FILE,
    },
    kube: {
      kubeconfig: e.KUBECONFIG,
      inCluster: e.KUBERNETES_SERVICE_HOST
        ? { host: e.KUBERNETES_SERVICE_HOST, port: e.KUBERNETES_SERVICE_PORT ?? 443 }
        : undefined,
    },
    intakePort: e.SECRET_INIT_PORT,
    initContainer: e.SECRET_CONTROLLER_INIT_CONTAINER,
    refreshContainer: e.SECRET_CONTROLLER_REFRESH_CONTAINER,
    identity: e.POD_NAME ?? `secret-controller-${process.pid}`,
    lease: { namespace, name: e.SECRET_CONTROLLER_LEASE_NAME, durationMs, renewMs },
    pollMs: e.SECRET_CONTROLLER_POLL_SECONDS * 1000,
    workers: e.SECRET_CONTROLLER_WORKERS,
    maxAttempts: e.SECRET_CONTROLLER_MAX_ATTEMPTS,
    retry: { baseMs: e.SECRET_CONTROLLER_RETRY_BASE_MS, maxMs: e.SECRET_CONTROLLER_RETRY_MAX_MS },
    restartsPerMinute: e.SECRET_CONTROLLER_RESTARTS_PER_MINUTE,
    health: { host: e.SECRET_CONTROLLER_HEALTH_HOST, port: e.SECRET_CONTROLLER_HEALTH_PORT },
    logLevel: e.SECRET_CONTROLLER_LOG_LEVEL,
  });
}

/** Annotations we own (product.md §6: prefix `secret-api.dev/`). */
export const ANNOTATIONS = {
  role: 'secret-api.dev/role',
  restartOnChange: 'secret-api.dev/restart-on-change',
  /** Beside restart-on-change: the secrets the pods read (`deployer inject` works it out; none or `*`: any). */
  reads: 'secret-api.dev/reads',
  /** Written on a pod after delivery: `<init container restartCount>`, so a new leader does not deliver again. */
  delivered: 'secret-api.dev/secret-id-delivered',
  /** Beside it: the replica (POD_NAME) that claimed the run, so a hand-over takes off its own claims only. */
  claimedBy: 'secret-api.dev/secret-id-claimed-by',
  restartedAt: 'kubectl.kubernetes.io/restartedAt',
} as const;

export const isAppName = (value: string): boolean => ZAppName.safeParse(value).success;

/** Why `value` is not an app name, without the name itself (the caller quotes it, shortened). */
export function appNameProblem(value: string): string {
  const issue = ZAppName.safeParse(value).error?.issues[0]?.message ?? 'not an app name';
  return issue.replace(/^app name (".*?" )?/, '');
}
