/**
 * `config` (write 204, read), after the plugin's path_config.go. A write
 * replaces the whole configuration; a read never shows the reviewer JWT,
 * only `token_reviewer_jwt_set`. `loadConfig` is what a login uses: the
 * stored configuration, completed from the pod's service-account files
 * unless `disable_local_ca_jwt` is set.
 */
import { readFileSync } from 'node:fs';
import { errorResponse } from '../../../sdk/errors.js';
import type { FieldData, FieldSchemas, PathSpec } from '../../../sdk/framework.js';
import type { Response } from '../../../sdk/logical.js';
import type { KubernetesContext } from './context.js';
import { hasPemBlocks, parsePublicKeyPEM } from './pem.js';
import type { KubeAuthConfig } from './store.js';

const CONFIG_FIELDS: FieldSchemas = {
  kubernetes_host: { type: 'string', description: 'Host string, host:port pair, or URL of the Kubernetes API server.' },
  kubernetes_ca_cert: { type: 'string', description: 'PEM encoded CA cert for the TLS client talking to the API.' },
  token_reviewer_jwt: { type: 'string', description: 'Bearer token for the TokenReview API; unset: the login JWT.' },
  pem_keys: { type: 'commaStringSlice', description: 'PEM public keys or certificates that verify JWT signatures.' },
  issuer: { type: 'string', description: 'Deprecated: the expected JWT issuer.' },
  disable_iss_validation: { type: 'bool', default: true, description: 'Deprecated: skip JWT issuer validation.' },
  disable_local_ca_jwt: { type: 'bool', default: false, description: "Don't use the pod's CA cert and token." },
  use_annotations_as_alias_metadata: {
    type: 'bool',
    default: false,
    description: "Use the service account's vault.hashicorp.com/alias-metadata-* annotations as alias metadata.",
  },
};

/** os.ReadFile's error text, as the plugin passes it on. */
function readLocalFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file or directory'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory'
            : ((err as Error).message ?? 'read failed');
    throw new Error(`open ${path}: ${reason}`);
  }
}

/**
 * loadConfig: undefined when never written. A missing local token is
 * ignored (the login JWT reviews itself); a missing local CA throws.
 */
export function loadConfig(ctx: KubernetesContext): KubeAuthConfig | undefined {
  const config = ctx.store.config;
  if (!config || config.disableLocalCaJwt) return config;
  if (config.tokenReviewerJwt === '') {
    try {
      config.tokenReviewerJwt = readLocalFile(ctx.local.jwtPath);
    } catch {
      // Best effort, as in the plugin.
    }
  }
  if (config.caCert === '') config.caCert = readLocalFile(ctx.local.caCertPath);
  return config;
}

function writeConfig(ctx: KubernetesContext, data: FieldData): Response | null {
  const host = data.get<string>('kubernetes_host');
  if (host === '') return errorResponse('no host provided');
  const config: KubeAuthConfig = {
    host,
    caCert: data.get<string>('kubernetes_ca_cert'),
    tokenReviewerJwt: data.get<string>('token_reviewer_jwt'),
    pemKeys: data.get<string[]>('pem_keys'),
    issuer: data.get<string>('issuer'),
    disableIssValidation: data.get<boolean>('disable_iss_validation'),
    disableLocalCaJwt: data.get<boolean>('disable_local_ca_jwt'),
    useAnnotationsAsAliasMetadata: data.get<boolean>('use_annotations_as_alias_metadata'),
  };
  if (config.caCert !== '' && !hasPemBlocks(config.caCert)) {
    return errorResponse('The provided CA PEM data contains no valid certificates');
  }
  for (const pem of config.pemKeys) {
    try {
      parsePublicKeyPEM(pem);
    } catch (err) {
      return errorResponse((err as Error).message);
    }
  }
  // updateTLSConfig: without a CA in the config, a pod's own CA file must be readable.
  if (config.caCert === '' && !config.disableLocalCaJwt) {
    try {
      readLocalFile(ctx.local.caCertPath);
    } catch (err) {
      return errorResponse((err as Error).message);
    }
  }
  ctx.store.config = config;
  return null;
}

function readConfig(ctx: KubernetesContext): Response | null {
  const config = ctx.store.config;
  if (!config) return null;
  return {
    data: {
      disable_iss_validation: config.disableIssValidation,
      disable_local_ca_jwt: config.disableLocalCaJwt,
      issuer: config.issuer,
      kubernetes_ca_cert: config.caCert,
      kubernetes_host: config.host,
      pem_keys: config.pemKeys,
      token_reviewer_jwt_set: config.tokenReviewerJwt !== '',
      use_annotations_as_alias_metadata: config.useAnnotationsAsAliasMetadata,
    },
  };
}

export function configPath(ctx: KubernetesContext): PathSpec {
  return {
    pattern: 'config$',
    fields: CONFIG_FIELDS,
    operations: {
      update: (_req, data) => writeConfig(ctx, data),
      read: () => readConfig(ctx),
    },
  };
}
