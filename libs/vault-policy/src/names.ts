/**
 * App and cluster names. Every Vault path this library builds embeds them, so
 * they are checked here, first, against an allow-list: anything that could
 * change a path's meaning (`/`, `.`, `..`, `*`, `+`, uppercase that Vault
 * would fold onto another app's name) never reaches a path.
 */
import { InvalidNameError, quoteValue, type NameProblem } from './errors.js';

/** Like a DNS label, so names also fit Kubernetes labels and annotations. */
export const NAME_MAX_LENGTH = 63;

/** App names that would collide with the shared-secret scopes under the KV mount. */
export const RESERVED_APP_NAMES: readonly string[] = ['cluster', 'global', 'project'];

export interface ClusterName {
  /** e.g. `aws` */
  cloud: string;
  /** e.g. `stg` */
  env: string;
  /** `<cloud>.<env>`, e.g. `aws.stg` */
  name: string;
}

/** Names of the Vault objects of one app in one cluster. */
export interface ObjectNames {
  /** AppRole role name, `<cloud>.<env>.<app>`. */
  roleName: string;
  readPolicy: string;
  getSecretIdPolicy: string;
  tokenRole: string;
}

const LABEL_CHARS = /^[a-z0-9-]+$/;

interface LabelProblem {
  problem: NameProblem;
  /** Completes "<subject> <value> ...". */
  detail: string;
}

function labelProblem(value: string): LabelProblem | null {
  if (value.length > NAME_MAX_LENGTH) {
    return {
      problem: 'too_long',
      detail: `is ${value.length} characters long; at most ${NAME_MAX_LENGTH} are allowed`,
    };
  }
  if (!LABEL_CHARS.test(value)) {
    return { problem: 'invalid_chars', detail: 'may contain only lowercase letters, digits and "-"' };
  }
  if (value.startsWith('-') || value.endsWith('-')) {
    return { problem: 'bad_edge', detail: 'must start and end with a lowercase letter or digit' };
  }
  return null;
}

/** Returns the app name unchanged, or throws InvalidNameError (field `app`). */
export function validateAppName(app: unknown): string {
  if (typeof app !== 'string') throw new InvalidNameError('app', 'not_string', 'app name must be a string');
  if (app === '') throw new InvalidNameError('app', 'empty', 'app name must not be empty');
  const bad = labelProblem(app);
  if (bad) throw new InvalidNameError('app', bad.problem, `app name ${quoteValue(app)} ${bad.detail}`);
  if (RESERVED_APP_NAMES.includes(app)) {
    throw new InvalidNameError(
      'app',
      'reserved',
      `app name ${quoteValue(app)} is reserved: ${RESERVED_APP_NAMES.join(', ')} name shared secret scopes`,
    );
  }
  return app;
}

/** Returns one part of a cluster name (the cloud or the env) unchanged, or throws InvalidNameError for that field. */
function validateClusterPart(field: 'cloud' | 'env', value: unknown): string {
  const kind = field === 'cloud' ? 'cloud name' : 'env name';
  if (typeof value !== 'string') throw new InvalidNameError(field, 'not_string', `${kind} must be a string`);
  if (value === '') throw new InvalidNameError(field, 'empty', `${kind} must not be empty`);
  const bad = labelProblem(value);
  if (bad) throw new InvalidNameError(field, bad.problem, `${kind} ${quoteValue(value)} ${bad.detail}`);
  return value;
}

/** The cloud part of a cluster name (`aws` in `aws.stg`), as the shared `project/<cloud>` scope uses it. */
export const validateCloudName = (cloud: unknown): string => validateClusterPart('cloud', cloud);

/** The env part of a cluster name (`stg` in `aws.stg`). */
export const validateEnvName = (env: unknown): string => validateClusterPart('env', env);

/** Parses `<cloud>.<env>`, or throws InvalidNameError (field `cluster`). */
export function parseClusterName(cluster: unknown): ClusterName {
  if (typeof cluster !== 'string') {
    throw new InvalidNameError('cluster', 'not_string', 'cluster name must be a string');
  }
  if (cluster === '') throw new InvalidNameError('cluster', 'empty', 'cluster name must not be empty');
  const max = 2 * NAME_MAX_LENGTH + 1;
  if (cluster.length > max) {
    throw new InvalidNameError(
      'cluster',
      'too_long',
      `cluster name ${quoteValue(cluster)} is ${cluster.length} characters long; at most ${max} are allowed`,
    );
  }
  const parts = cluster.split('.');
  if (parts.length !== 2) {
    throw new InvalidNameError(
      'cluster',
      'bad_format',
      `cluster name ${quoteValue(cluster)} must be "<cloud>.<env>", e.g. "aws.stg"`,
    );
  }
  const [cloud, env] = parts as [string, string];
  for (const [what, part] of [
    ['cloud', cloud],
    ['env', env],
  ] as const) {
    if (part === '') {
      throw new InvalidNameError('cluster', 'empty', `cluster name ${quoteValue(cluster)} has an empty ${what}`);
    }
    const bad = labelProblem(part);
    if (bad) {
      throw new InvalidNameError(
        'cluster',
        bad.problem,
        `cluster name ${quoteValue(cluster)}: ${what} ${quoteValue(part)} ${bad.detail}`,
      );
    }
  }
  return { cloud, env, name: cluster };
}

function toCluster(cluster: string | ClusterName): ClusterName {
  // A ClusterName object may have been built by hand; re-parse its name rather than trust it.
  return parseClusterName(typeof cluster === 'string' ? cluster : cluster.name);
}

/** The AppRole role name of an app in a cluster: `aws.stg` + `myapp` → `aws.stg.myapp`. */
export function roleName(app: string, cluster: string | ClusterName): string {
  const a = validateAppName(app);
  return `${toCluster(cluster).name}.${a}`;
}

/** Every Vault object name for an app in a cluster, validated. */
export function objectNames(app: string, cluster: string | ClusterName): ObjectNames {
  const role = roleName(app, cluster);
  return {
    roleName: role,
    readPolicy: `secret-api/read-${role}`,
    getSecretIdPolicy: `secret-api/getsecretid-${role}`,
    tokenRole: `getsecretid-${role}`,
  };
}
