/**
 * The Vault objects of one app in one cluster (product.md §3), rendered from
 * a template. Pure: same inputs, same objects, byte-identical HCL.
 */
import { InvalidNameError } from './errors.js';
import { renderPolicyHcl, normalizeRules, type PolicyRule } from './hcl.js';
import { validateMountPath } from './mount-path.js';
import { objectNames, parseClusterName, validateAppName, type ClusterName } from './names.js';
import { substitute, type PlaceholderValues } from './placeholders.js';
import { DEFAULT_TEMPLATE, parseTemplate, type PolicyTemplate } from './template.js';

export interface RenderOptions {
  /**
   * VAULT_KV_MOUNT / VAULT_APPROLE_MOUNT. They win over the template's mounts:
   * the policy must grant reads on the mount the API actually writes to.
   */
  kvMount?: string;
  approleMount?: string;
}

/** Body of `POST auth/<approle>/role/<role>`: token_* names only, never the legacy `policies`/`period`. */
export interface AppRoleBody {
  bind_secret_id: boolean;
  secret_id_bound_cidrs: string[];
  secret_id_num_uses: number;
  secret_id_ttl: number;
  token_bound_cidrs: string[];
  token_max_ttl: number;
  token_num_uses: number;
  token_period: number;
  token_policies: string[];
  token_ttl: number;
}

/** Body of `POST auth/token/roles/<name>`. */
export interface TokenRoleBody {
  allowed_policies: string[];
  disallowed_policies: string[];
  orphan: boolean;
  renewable: boolean;
  token_explicit_max_ttl: number;
  token_num_uses: number;
}

/**
 * Fields of an AppRole the template leaves at Vault's defaults, which would change the pods' tokens if set by hand
 * (cut their lives short, drop the default policy, make them batch tokens): compared with Vault, so the plan shows
 * them and an ensure puts them back. Not sent when they are right (a Vault policy written for an older Secret API
 * need not allow them).
 */
export const APPROLE_DEFAULTS = {
  token_explicit_max_ttl: 0,
  token_no_default_policy: false,
  token_type: 'default',
} as const;

/**
 * The same for the token role: the fields that would widen what its tokens may be granted (policy globs, entity
 * aliases) or change their kind and life. The Secret API's Vault policy does not let it write them (it could then
 * widen the role itself), so a token role with one of them set is deleted and created again.
 */
export const TOKEN_ROLE_DEFAULTS = {
  allowed_entity_aliases: [],
  allowed_policies_glob: [],
  disallowed_policies_glob: [],
  path_suffix: '',
  token_bound_cidrs: [],
  token_no_default_policy: false,
  token_period: 0,
  token_type: 'default-service',
} as const;

export interface RenderedPolicy {
  name: string;
  /** `sys/policies/acl/<name>` */
  path: string;
  /** Sorted by path, capabilities in canonical order: exactly what `hcl` says. */
  rules: PolicyRule[];
  hcl: string;
}

export interface RenderedRole<B> {
  name: string;
  /** The API path to read and write it, without `/v1/`. */
  path: string;
  body: B;
}

export interface VaultObjects {
  roleName: string;
  app: string;
  cluster: ClusterName;
  approle: RenderedRole<AppRoleBody>;
  readPolicy: RenderedPolicy;
  getSecretIdPolicy: RenderedPolicy;
  tokenRole: RenderedRole<TokenRoleBody>;
}

export function renderVaultObjects(
  app: string,
  cluster: string | ClusterName,
  template: PolicyTemplate = DEFAULT_TEMPLATE,
  options: RenderOptions = {},
): VaultObjects {
  // Names first: nothing below may see an unchecked name.
  const appName = validateAppName(app);
  const c = parseClusterName(typeof cluster === 'string' ? cluster : cluster.name);
  const names = objectNames(appName, c);
  const kvMount = options.kvMount === undefined ? undefined : validateMountPath(options.kvMount, 'kvMount');
  const approleMount =
    options.approleMount === undefined ? undefined : validateMountPath(options.approleMount, 'approleMount');
  if (approleMount === 'token') {
    throw new InvalidNameError('approleMount', 'reserved', 'approleMount "token" is the token auth method');
  }
  // A hand-built template object gets the same checks as a file.
  const t = parseTemplate(template);

  const nameValues = { app: appName, cloud: c.cloud, env: c.env, cluster: c.name, role: names.roleName };
  const values: PlaceholderValues = {
    ...nameValues,
    kv: kvMount ?? t.mounts.kv,
    aws: t.mounts.aws,
    database: t.mounts.database,
    pki: substitute(t.mounts.pki, nameValues),
  };
  const approle = approleMount ?? t.mounts.approle;
  const header = (policy: string) => [
    `${policy}: managed by secret-api for app "${appName}" in cluster "${c.name}".`,
    'Rendered from the policy template; manual edits are overwritten by the next ensure.',
  ];

  const readRules = normalizeRules(
    t.readPolicy.rules.map((rule) => ({
      path: substitute(rule.path, values),
      capabilities: rule.capabilities,
      description: rule.description,
    })),
  );
  const getSecretIdRules = normalizeRules([
    {
      path: `auth/${approle}/role/${names.roleName}/secret-id`,
      capabilities: t.getSecretIdPolicy.capabilities,
      description: t.getSecretIdPolicy.description,
    },
  ]);

  return {
    roleName: names.roleName,
    app: appName,
    cluster: c,
    approle: {
      name: names.roleName,
      path: `auth/${approle}/role/${names.roleName}`,
      body: {
        bind_secret_id: true,
        secret_id_bound_cidrs: [...t.approle.secret_id_bound_cidrs],
        secret_id_num_uses: t.approle.secret_id_num_uses,
        secret_id_ttl: t.approle.secret_id_ttl,
        token_bound_cidrs: [...t.approle.token_bound_cidrs],
        token_max_ttl: t.approle.token_max_ttl,
        token_num_uses: t.approle.token_num_uses,
        token_period: t.approle.token_period,
        token_policies: ['default', names.readPolicy],
        token_ttl: t.approle.token_ttl,
      },
    },
    readPolicy: {
      name: names.readPolicy,
      path: `sys/policies/acl/${names.readPolicy}`,
      rules: readRules,
      hcl: renderPolicyHcl(readRules, header(names.readPolicy)),
    },
    getSecretIdPolicy: {
      name: names.getSecretIdPolicy,
      path: `sys/policies/acl/${names.getSecretIdPolicy}`,
      rules: getSecretIdRules,
      hcl: renderPolicyHcl(getSecretIdRules, header(names.getSecretIdPolicy)),
    },
    tokenRole: {
      name: names.tokenRole,
      path: `auth/token/roles/${names.tokenRole}`,
      body: {
        allowed_policies: [names.getSecretIdPolicy],
        disallowed_policies: ['root'],
        orphan: t.tokenRole.orphan,
        renewable: t.tokenRole.renewable,
        token_explicit_max_ttl: t.tokenRole.token_explicit_max_ttl,
        token_num_uses: t.tokenRole.token_num_uses,
      },
    },
  };
}
