/**
 * What injection adds to one pod: the containers, volumes and mounts, built from the options alone (pure), and
 * the names it owns, so a second injection can take its own additions out before adding them again.
 */
import type { KubeObject } from './manifests.js';
import { INJECTED_USER } from './pod-security.js';

export const SECRET_INIT = 'secret-init';
export const SECRET_REFRESH = 'secret-refresh';
export const INTAKE_PORT = 8099;
export const REFRESH_PROBE_PORT = 8098;

export const ANNOTATIONS = {
  role: 'secret-api.dev/role',
  restartOnChange: 'secret-api.dev/restart-on-change',
  /** Beside restart-on-change: the secrets the pods read (see inject/secret-reads.ts), so other changes restart nothing. */
  reads: 'secret-api.dev/reads',
  /** Marks a pod template we injected: its secret-api-* names are ours to replace. */
  injected: 'secret-api.dev/injected',
  configHash: 'secret-api.dev/config-hash',
  /** `"false"` on a workload or its pod template: leave it alone. */
  inject: 'secret-api.dev/inject',
} as const;

export const VOLUMES = {
  config: { name: 'secret-api-config', mountPath: '/config' },
  secrets: { name: 'secret-api-secrets', mountPath: '/etc/secrets' },
  env: { name: 'secret-api-env', mountPath: '/env' },
  leases: { name: 'secret-api-leases', mountPath: '/var/run/secrets/vault' },
  /** Only with deployer.yml's `vaultCACert`: the CA of Vault's certificate, always as `ca.crt` here. */
  vaultCA: { name: 'secret-api-vault-ca', mountPath: '/var/run/secrets/vault-ca' },
} as const;

const VAULT_CA_FILE = `${VOLUMES.vaultCA.mountPath}/ca.crt`;

export const OWNED_CONTAINERS: readonly string[] = [SECRET_INIT, SECRET_REFRESH];
export const OWNED_VOLUMES: readonly string[] = Object.values(VOLUMES).map((v) => v.name);

export interface ResourceList {
  cpu?: string | undefined;
  memory?: string | undefined;
}

export interface InjectOptions {
  app: string;
  cluster: string;
  /** Where the ConfigMap lives; a workload elsewhere could not mount it. */
  namespace: string;
  vaultAddr: string;
  /** A ConfigMap key holding the CA of Vault's certificate (a private CA), for secret-init and secret-refresh. */
  vaultCACert?: { configMap: string; key: string } | undefined;
  /** Goes into the pod spec (that is its job); never into the report or a log line. */
  roleId: string;
  /** `SECRET_<NAME>` -> `<path>[#field]`. */
  secrets: Readonly<Record<string, string>>;
  restartOnChange: boolean;
  /** The `secret-api.dev/reads` value: what the templates and variables read (`*`: anything). */
  secretReads: string;
  resources: { requests?: ResourceList | undefined; limits?: ResourceList | undefined };
  images: { secretInit: string; secretRefresh: string };
  configMapName: string;
  /** Digest of the templates, on the pod template so a changed template rolls the pods. */
  configHash: string;
}

/**
 * Injected containers run with nothing they do not need, as one fixed user: secret-refresh reads the token that
 * secret-init wrote 0600 (pod-security.ts).
 */
const securityContext = (): KubeObject => ({
  runAsNonRoot: true,
  ...INJECTED_USER,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
});

function resources(options: InjectOptions): KubeObject {
  const clean = (list: ResourceList | undefined): Record<string, string> | undefined => {
    if (list === undefined) return undefined;
    const out = Object.fromEntries(Object.entries(list).filter(([, v]) => v !== undefined)) as Record<string, string>;
    return Object.keys(out).length > 0 ? out : undefined;
  };
  const requests = clean(options.resources.requests);
  const limits = clean(options.resources.limits);
  return { ...(requests && { requests }), ...(limits && { limits }) };
}

export function hasEnvFile(options: InjectOptions): boolean {
  return Object.keys(options.secrets).length > 0;
}

export function secretInitContainer(options: InjectOptions): KubeObject {
  const env: KubeObject[] = [
    { name: 'VAULT_ADDR', value: options.vaultAddr },
    ...vaultCAEnv(options),
    { name: 'VAULT_ROLE_ID', value: options.roleId },
    { name: 'SECRET_INIT_APP', value: options.app },
    { name: 'SECRET_INIT_CLUSTER', value: options.cluster },
    // Explicit, so the port the manifest declares is the one it listens on whatever a Service named secret-init sets.
    { name: 'SECRET_INIT_PORT', value: String(INTAKE_PORT) },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ...Object.keys(options.secrets)
      .sort()
      .map((name) => ({ name, value: options.secrets[name] })),
  ];
  const mounts: KubeObject[] = [
    { name: VOLUMES.config.name, mountPath: VOLUMES.config.mountPath, readOnly: true },
    { name: VOLUMES.secrets.name, mountPath: VOLUMES.secrets.mountPath },
    ...(hasEnvFile(options) ? [{ name: VOLUMES.env.name, mountPath: VOLUMES.env.mountPath }] : []),
    { name: VOLUMES.leases.name, mountPath: VOLUMES.leases.mountPath },
    ...vaultCAMounts(options),
  ];
  return {
    name: SECRET_INIT,
    image: options.images.secretInit,
    env,
    ports: [{ name: 'secret-intake', containerPort: INTAKE_PORT, protocol: 'TCP' }],
    resources: resources(options),
    securityContext: securityContext(),
    volumeMounts: mounts,
  };
}

/** A native sidecar: an init container with restartPolicy Always runs beside the app for the pod's life. */
export function secretRefreshContainer(options: InjectOptions): KubeObject {
  const probe = (path: string): KubeObject => ({
    httpGet: { path, port: REFRESH_PROBE_PORT },
    periodSeconds: 10,
  });
  return {
    name: SECRET_REFRESH,
    image: options.images.secretRefresh,
    restartPolicy: 'Always',
    env: [{ name: 'SECRET_REFRESH_PORT', value: String(REFRESH_PROBE_PORT) }, ...vaultCAEnv(options)],
    ports: [{ name: 'refresh-probe', containerPort: REFRESH_PROBE_PORT, protocol: 'TCP' }],
    readinessProbe: probe('/readyz'),
    livenessProbe: probe('/healthz'),
    resources: resources(options),
    securityContext: securityContext(),
    volumeMounts: [
      { name: VOLUMES.leases.name, mountPath: VOLUMES.leases.mountPath, readOnly: true },
      ...vaultCAMounts(options),
    ],
  };
}

export function injectedVolumes(options: InjectOptions): KubeObject[] {
  const memory = (): KubeObject => ({ emptyDir: { medium: 'Memory' } });
  return [
    { name: VOLUMES.config.name, configMap: { name: options.configMapName } },
    { name: VOLUMES.secrets.name, ...memory() },
    ...(hasEnvFile(options) ? [{ name: VOLUMES.env.name, ...memory() }] : []),
    { name: VOLUMES.leases.name, ...memory() },
    ...(options.vaultCACert
      ? [
          {
            name: VOLUMES.vaultCA.name,
            configMap: {
              name: options.vaultCACert.configMap,
              items: [{ key: options.vaultCACert.key, path: 'ca.crt' }],
            },
          },
        ]
      : []),
  ];
}

function vaultCAEnv(options: InjectOptions): KubeObject[] {
  return options.vaultCACert ? [{ name: 'VAULT_CACERT', value: VAULT_CA_FILE }] : [];
}

function vaultCAMounts(options: InjectOptions): KubeObject[] {
  return options.vaultCACert
    ? [{ name: VOLUMES.vaultCA.name, mountPath: VOLUMES.vaultCA.mountPath, readOnly: true }]
    : [];
}

/**
 * What the app's own containers see: the rendered files and the env file, read-only. Never the lease directory:
 * it holds the pod's Vault token, which only secret-init (writes it) and secret-refresh (renews it) need.
 */
export function appMounts(options: InjectOptions): KubeObject[] {
  return [
    { name: VOLUMES.secrets.name, mountPath: VOLUMES.secrets.mountPath, readOnly: true },
    ...(hasEnvFile(options) ? [{ name: VOLUMES.env.name, mountPath: VOLUMES.env.mountPath, readOnly: true }] : []),
  ];
}
