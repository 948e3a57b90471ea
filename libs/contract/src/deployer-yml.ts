/**
 * `deployer.yml`: what an app's repository tells `deployer inject` and `deployer deploy` (product.md §6).
 *
 * The schema is the one definition: the CLI parses with it, and `deploy/schema/deployer.schema.json` (for editors
 * and CI linters) is generated from it. Errors name the file position (line and column) of the offending value,
 * found by walking the YAML document's nodes along zod's issue path.
 */
import { reservedNameProblem } from '@secret-api/pod-env';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import { z } from 'zod';
import { ZAppName, ZClusterName } from './names.js';

/** A Kubernetes object name (RFC 1123 label): namespaces, contexts are free-form. */
const ZKubeNamespace = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'namespace must be a lowercase RFC 1123 label (a-z, 0-9, -)')
  .max(63, 'namespace must be at most 63 characters');

/** `SECRET_<NAME>`: secret-init's environment convention (its own variables are `SECRET_INIT_*`). */
const ZSecretEnvName = z
  .string()
  // NAME becomes a shell variable in /env/variables: secret-init refuses one that starts with a digit, so does this.
  .regex(/^SECRET_[A-Z_][A-Z0-9_]*$/, 'must be SECRET_<NAME> with NAME in A-Z, 0-9 and _, not starting with a digit')
  .refine((name) => !name.startsWith('SECRET_INIT_'), 'SECRET_INIT_* names are secret-init settings, not secrets')
  .superRefine((name, ctx) => {
    // secret-init refuses these too; saying so at deploy time beats a pod that fails to start.
    const problem = reservedNameProblem(name.slice('SECRET_'.length));
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: name });
  });

/** `<vault path>[#field]`, the characters secret-init accepts in paths (no empty, `.` or `..` segments). */
const ZSecretRef = z
  .string()
  .regex(
    /^[A-Za-z0-9_.@:=+,~-]+(\/[A-Za-z0-9_.@:=+,~-]+)*(#[A-Za-z0-9_.-]+)?$/,
    'must be a Vault path with an optional #field, e.g. secret/data/myapp/db#password',
  )
  .refine(
    (ref) =>
      !ref
        .split('#')[0]
        ?.split('/')
        .some((s) => s === '.' || s === '..'),
    'path segments . and .. are not allowed',
  );

/** A Kubernetes quantity (`10m`, `64Mi`, `0.5`). */
const ZQuantity = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/, 'must be a Kubernetes quantity such as 10m, 0.5 or 64Mi');

const ZResourceList = z.strictObject({ cpu: ZQuantity.optional(), memory: ZQuantity.optional() });

export const DEFAULT_CONFIG_DIR = 'config/';

export const DEFAULT_INJECTED_RESOURCES = {
  requests: { cpu: '10m', memory: '32Mi' },
  limits: { memory: '64Mi' },
} as const;

export const DEFAULT_IMAGES = {
  secretInit: 'ghcr.io/secret-api/secret-init:0.1.0',
  secretRefresh: 'ghcr.io/secret-api/secret-refresh:0.1.0',
} as const;

const ZVaultAddr = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/**
 * The CA that signed Vault's certificate, for an https Vault behind a private CA: a key of a ConfigMap in the
 * cluster's namespace (where trust-manager and the like publish bundles). secret-init and secret-refresh get it as
 * VAULT_CACERT.
 */
const ZVaultCACert = z.strictObject({
  configMap: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'configMap must be a Kubernetes object name (a-z, 0-9, - and .)')
    .max(253, 'configMap must be at most 253 characters'),
  key: z
    .string()
    .regex(/^[-._a-zA-Z0-9]+$/, "key must be a ConfigMap key (letters, digits, '-', '_' and '.')")
    .max(253, 'key must be at most 253 characters')
    .default('ca.crt'),
});
export type TVaultCACert = z.infer<typeof ZVaultCACert>;

export const ZDeployerCluster = z.strictObject({
  /** `<cloud>.<env>`, as registered with the Secret API. */
  name: ZClusterName,
  /** The kubeconfig context that reaches this cluster. */
  context: z.string().min(1, 'context must not be empty'),
  namespace: ZKubeNamespace,
  /** Vault as the pods of this cluster reach it; default: the top-level `vaultAddr`. */
  vaultAddr: ZVaultAddr.optional(),
  /** The CA of this cluster's Vault; default: the top-level `vaultCACert`. */
  vaultCACert: ZVaultCACert.optional(),
});
export type TDeployerCluster = z.infer<typeof ZDeployerCluster>;

export const ZDeployerYml = z
  .strictObject({
    app: ZAppName,
    clusters: z.array(ZDeployerCluster).min(1, 'clusters must name at least one cluster'),
    /** Vault as the pods reach it (a cluster's own `vaultAddr` wins). */
    vaultAddr: ZVaultAddr.optional(),
    /** The CA that signed Vault's certificate, when a private one did (a cluster's own `vaultCACert` wins). */
    vaultCACert: ZVaultCACert.optional(),
    /**
     * Directory of templates (`*.tmpl` rendered, other files copied), relative to deployer.yml. Left out, `config/`
     * is used if it exists; named, it must exist (a typo must not deploy pods that render nothing).
     */
    config: z.string().min(1).optional().meta({ default: DEFAULT_CONFIG_DIR }),
    /** Kubernetes manifests (files or directories of *.yaml / *.yml / *.json), relative to deployer.yml. */
    manifests: z.array(z.string().min(1)).min(1).default(['k8s/']),
    /** `SECRET_<NAME>: <path>[#field]`: read at pod start into the shell-sourceable /env/variables. */
    secrets: z.record(ZSecretEnvName, ZSecretRef).default({}),
    /** Dynamic credentials the templates use; database and aws leases need the refresh sidecar. */
    dynamic: z
      .strictObject({
        database: z.boolean().default(false),
        aws: z.boolean().default(false),
        pki: z.boolean().default(false),
      })
      .default({ database: false, aws: false, pki: false }),
    /** Roll the Deployments out again when a secret they read changes (secret-controller; Deployments only). */
    restartOnChange: z.boolean().default(false),
    /** Resources of each injected container. */
    resources: z
      .strictObject({ requests: ZResourceList.optional(), limits: ZResourceList.optional() })
      .default(DEFAULT_INJECTED_RESOURCES),
    images: z
      .strictObject({
        secretInit: z.string().min(1).default(DEFAULT_IMAGES.secretInit),
        secretRefresh: z.string().min(1).default(DEFAULT_IMAGES.secretRefresh),
      })
      .default(DEFAULT_IMAGES),
  })
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    value.clusters.forEach((cluster, index) => {
      if (seen.has(cluster.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['clusters', index, 'name'],
          message: `cluster ${cluster.name} is listed twice`,
        });
      }
      seen.add(cluster.name);
      if (cluster.vaultAddr === undefined && value.vaultAddr === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['clusters', index],
          message: `cluster ${cluster.name} has no vaultAddr (set it here or at the top level)`,
        });
      }
    });
  });
export type TDeployerYml = z.output<typeof ZDeployerYml>;

/** One problem in a deployer.yml, where it is (1-based line and column) and what is wrong. */
export interface DeployerYmlIssue {
  /** Dotted path of the value (`clusters.0.name`), empty for the document itself. */
  path: string;
  line: number;
  column: number;
  message: string;
}

export type DeployerYmlParse = { success: true; data: TDeployerYml } | { success: false; issues: DeployerYmlIssue[] };

/** The deepest node along the path that exists: a missing key points at the map that lacks it. */
function nodeAt(root: unknown, path: readonly PropertyKey[]): Node | undefined {
  let current = root as Node | undefined;
  for (const segment of path) {
    if (isMap(current)) {
      const pair = current.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair === undefined) return current;
      // `key:` with no value: the key is where it is.
      current = (pair.value ?? pair.key) as Node;
    } else if (isSeq(current) && typeof segment === 'number') {
      const item = current.items[segment];
      if (item === undefined) return current;
      current = item as Node;
    } else {
      return current;
    }
  }
  return current;
}

function keyNode(root: unknown, path: readonly PropertyKey[], key: string): Node | undefined {
  const node = nodeAt(root, path);
  if (!isMap(node)) return undefined;
  return node.items.find((p) => isScalar(p.key) && String(p.key.value) === key)?.key as Node | undefined;
}

/** Parses deployer.yml text: YAML errors and schema errors alike come back with their line and column. */
export function parseDeployerYml(text: string): DeployerYmlParse {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const lineCounter = (offset: number): { line: number; column: number } => {
    let line = 1;
    let last = -1;
    for (let i = 0; i < offset && i < text.length; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        last = i;
      }
    }
    return { line, column: offset - last };
  };
  if (doc.errors.length > 0) {
    return {
      success: false,
      issues: doc.errors.map((e) => ({ path: '', ...lineCounter(e.pos[0]), message: e.message.split('\n')[0] ?? '' })),
    };
  }
  const parsed = ZDeployerYml.safeParse(doc.toJS());
  if (parsed.success) return { success: true, data: parsed.data };
  return {
    success: false,
    issues: parsed.error.issues.map((issue) => {
      const path = issue.path;
      // Unknown keys: zod reports the map; point at the first unknown key instead.
      const unknown = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
      // A bad record key (`secrets: {NOPE: ...}`): point at the key, with the key rule's own message.
      const badKey = issue.code === 'invalid_key' ? String(path[path.length - 1]) : undefined;
      const node =
        unknown !== undefined
          ? keyNode(doc.contents, path, unknown)
          : badKey !== undefined
            ? keyNode(doc.contents, path.slice(0, -1), badKey)
            : nodeAt(doc.contents, path);
      const offset = node?.range?.[0] ?? 0;
      const where = [...path, ...(unknown !== undefined ? [unknown] : [])].map(String).join('.');
      const message =
        issue.code === 'invalid_key'
          ? `key ${badKey ?? ''} ${issue.issues[0]?.message ?? 'is invalid'}`
          : issue.message;
      return { path: where, ...lineCounter(offset), message };
    }),
  };
}

/** The JSON Schema of deployer.yml as a person writes it (defaults make fields optional). */
export function deployerYmlJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ZDeployerYml, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://secret-api.dev/schema/deployer.schema.json',
    title: 'deployer.yml',
    description: "An app's deployment settings for `deployer inject` and `deployer deploy`.",
  };
}
