/**
 * The dynamic secrets engines of the embedded vault-dev, so that a newcomer's template can use every
 * secret-init function: `pki/<cloud>/<env>` (the default policy template's per-cluster PKI mount) with an
 * internal root CA per dev cluster, `aws/` with dummy root credentials (vault-dev's AWS engine is not backed
 * by AWS: it issues well-formed keys no account knows), and `database/` with a connection to a real
 * PostgreSQL when DEV_DATABASE_URL names one. PGlite cannot serve the network logins that dynamic database
 * users are, so without DEV_DATABASE_URL the engine is mounted and left without a connection.
 *
 * vault-dev keeps its state in the data directory: every step looks first and only adds what is missing,
 * so a restart keeps the CAs (certificates issued earlier still verify) and anything a developer changed.
 */
import { X509Certificate } from 'node:crypto';
import { parseClusterName, type ClusterName } from '@secret-api/vault-policy';

/** Default dev clusters: the product's example cluster. */
export const DEFAULT_DEV_CLUSTERS = 'aws.stg';
/** `database/config/<name>` for DEV_DATABASE_URL; a database profile names it as its `connection`. */
export const DEV_DATABASE_CONNECTION = 'dev-postgres';
/** vault-dev's system max lease TTL (32 days) bounds a root's lifetime; a CA this close to its end is replaced. */
const CA_TTL = '768h';
const CA_RENEW_BEFORE_MS = 24 * 3600 * 1000;

export class EmbeddedConfigError extends Error {
  override name = 'EmbeddedConfigError';
}

export interface DevEngineSettings {
  clusters: ClusterName[];
  /** The admin URL from DEV_DATABASE_URL, or undefined to leave the database engine without a connection. */
  databaseUrl: URL | undefined;
}

/** What the engines look like after setup, for the banner. */
export interface DevEnginesReport {
  pkiMounts: string[];
  /** `host:port/database` of the connection (never the password), or undefined when it is off. */
  database: string | undefined;
}

/** Vault's HTTP API with the root token: throws on an error status; 404 answers `undefined`. */
export type RootCall = (
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
) => Promise<{ data?: Record<string, unknown> } | undefined>;

const isBlank = (value: string | undefined): boolean => value === undefined || value.trim() === '';

/** Reads the settings from the environment, before anything is started: bad values change nothing. */
export function devEngineSettings(env: Record<string, string | undefined>): DevEngineSettings {
  const list = isBlank(env['EMBEDDED_CLUSTERS']) ? DEFAULT_DEV_CLUSTERS : (env['EMBEDDED_CLUSTERS'] as string);
  const clusters = list
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
    .map((name) => {
      try {
        return parseClusterName(name);
      } catch (err) {
        throw new EmbeddedConfigError(`EMBEDDED_CLUSTERS: ${(err as Error).message} (form: <cloud>.<env>,…)`);
      }
    });
  let databaseUrl: URL | undefined;
  if (!isBlank(env['DEV_DATABASE_URL'])) {
    const raw = (env['DEV_DATABASE_URL'] as string).trim();
    // The URL may hold a password: the message names the variable, never echoes it.
    if (!URL.canParse(raw) || !/^postgres(ql)?:$/.test(new URL(raw).protocol)) {
      throw new EmbeddedConfigError(
        'DEV_DATABASE_URL must be a postgresql:// URL of a PostgreSQL whose user may CREATE ROLE ' +
          '(e.g. postgresql://postgres@127.0.0.1:5432/postgres)',
      );
    }
    databaseUrl = new URL(raw);
    if (databaseUrl.username === '') {
      throw new EmbeddedConfigError(
        'DEV_DATABASE_URL must name the user vault-dev logs in as (postgresql://user@host/db)',
      );
    }
  }
  return { clusters, databaseUrl };
}

/** Mounts and configures the engines; idempotent across restarts on the same vault-dev state. */
export async function prepareDevEngines(call: RootCall, settings: DevEngineSettings): Promise<DevEnginesReport> {
  const mounts = (await call('GET', 'sys/mounts'))?.data ?? {};
  const mount = async (path: string, type: string) => {
    if (mounts[`${path}/`] === undefined) await call('POST', `sys/mounts/${path}`, { type });
  };

  const pkiMounts: string[] = [];
  for (const cluster of settings.clusters) {
    const path = `pki/${cluster.cloud}/${cluster.env}`;
    await mount(path, 'pki');
    // A new root would invalidate every certificate issued from the old one: only when there is none usable.
    if (!usableCa((await call('GET', `${path}/cert/ca`))?.data?.['certificate'])) {
      await call('POST', `${path}/root/generate/internal`, {
        common_name: `${cluster.name} dev CA`,
        ttl: CA_TTL,
        key_type: 'ec',
        key_bits: 256,
      });
    }
    pkiMounts.push(path);
  }

  await mount('aws', 'aws');
  if ((await call('GET', 'aws/config/root')) === undefined) {
    // Dummy credentials: vault-dev's AWS engine never calls AWS, it needs a root config only to issue keys.
    await call('POST', 'aws/config/root', {
      access_key: 'AKIAEMBEDDEDDEVSTACK',
      secret_key: 'embedded-dev-stack-not-a-real-aws-secret',
      region: 'us-east-1',
    });
  }

  await mount('database', 'database');
  let database: string | undefined;
  if (settings.databaseUrl !== undefined) {
    const admin = settings.databaseUrl;
    const templated = new URL(admin.href);
    templated.username = '';
    templated.password = '';
    const location = `${templated.host}${templated.pathname}`;
    // Written every start (a write replaces the connection), so a changed DEV_DATABASE_URL takes effect.
    try {
      await call('POST', `database/config/${DEV_DATABASE_CONNECTION}`, {
        plugin_name: 'postgresql-database-plugin',
        connection_url: `${templated.protocol}//{{username}}:{{password}}@${location}${templated.search}`,
        username: decodeURIComponent(admin.username),
        password: decodeURIComponent(admin.password),
        allowed_roles: ['*'],
      });
    } catch (err) {
      // vault-dev verifies the connection and masks the password in what it answers.
      throw new EmbeddedConfigError(
        `DEV_DATABASE_URL: vault-dev could not connect to PostgreSQL at ${location} ` +
          `(${(err as Error).message}); fix or unset DEV_DATABASE_URL`,
        { cause: err },
      );
    }
    database = location;
  }
  return { pkiMounts, database };
}

/** A CA certificate that exists and has more than a day left. */
function usableCa(pem: unknown, now = Date.now()): boolean {
  if (typeof pem !== 'string' || pem === '') return false;
  try {
    return new Date(new X509Certificate(pem).validTo).getTime() - now > CA_RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}
