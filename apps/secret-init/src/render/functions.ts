/**
 * The template functions that read Vault. Each call becomes a *planned read* — the Vault
 * request (its identity is the de-duplication key) and how to pick the answer out of the
 * envelope — so a run can collect every call first, fetch each distinct request once, in
 * parallel, and only then render (consul-template's dependency model).
 *
 * Calls that share a request share its answer: `dbUsername "r"` and `dbPassword "r"` come from
 * one `database/creds/r` read (one lease), `tlsKey`/`tlsCert`/`tlsCA` with the same arguments
 * from one issuance. Errors name the function and the Vault path, never a value.
 */
import type { ClusterName } from '@secret-api/vault-policy';
import { FetchError } from '../errors.js';
import type { VaultEnvelope, VaultRequest } from '../vault/client.js';
import { vaultPathProblem } from '../vault/paths.js';
import { shellExport } from '../env/shell.js';

/** What the functions need to know about the pod's app and Vault's layout. */
export interface FunctionContext {
  app: string | undefined;
  cluster: ClusterName | undefined;
  mounts: { kv: string; database: string; aws: string; pki: string | undefined };
  /** The app's role name `<cluster>.<app>`: default role for database, AWS and PKI. */
  appRole: string | undefined;
  pkiRole: string | undefined;
}

export interface PlannedRead {
  request: VaultRequest & { key: string };
  /** Picks this call's answer out of the envelope; throws FetchError (never quoting a value). */
  extract: (env: VaultEnvelope) => unknown;
}

/** Scopes of `lookup`: the app's own secrets, or one of the shared ones. */
const SHARED_SCOPES = ['global', 'project', 'cluster'] as const;

export function planCall(name: string, args: readonly unknown[], ctx: FunctionContext): PlannedRead {
  switch (name) {
    case 'lookup':
      return planLookup(args, ctx);
    case 'rawRead': {
      const path = pathArg(name, args[0], 'path');
      const field = optionalString(name, args, 1, 'field', 2);
      return read(`GET ${path}`, { method: 'GET', path, idempotent: true }, (env) =>
        field === undefined ? (env.data ?? {}) : pickField(env, field, `${name}: GET ${path}`),
      );
    }
    case 'rawWrite': {
      const path = pathArg(name, args[0], 'path');
      const body = args[1];
      if (args.length !== 2 || typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new FetchError(`${name} takes a path and a dict (rawWrite "path" (dict "k" "v"))`);
      }
      return read(
        `POST ${path} ${JSON.stringify(body)}`,
        // Vault may echo what was written in its error text: keep it out of messages.
        { method: 'POST', path, body, quoteVaultErrors: false },
        (env) => env.data ?? {},
      );
    }
    case 'dbUsername':
    case 'dbPassword': {
      const role = roleArg(name, args, ctx.appRole);
      const path = `${ctx.mounts.database}/creds/${role}`;
      const field = name === 'dbUsername' ? 'username' : 'password';
      // A failed creation statement's SQL error could quote a fragment near the generated password.
      return read(`GET ${path}`, { method: 'GET', path, quoteVaultErrors: false }, (env) =>
        requireString(env.data?.[field], `${name}: GET ${path}`, field),
      );
    }
    case 'awsCredsEnvVars': {
      const role = roleArg(name, args, ctx.appRole);
      const path = `${ctx.mounts.aws}/creds/${role}`;
      return read(`GET ${path}`, { method: 'GET', path }, (env) => awsExports(env, `${name}: GET ${path}`));
    }
    case 'tlsKey':
    case 'tlsCert':
    case 'tlsCA':
      return planTls(name, args, ctx);
    default:
      throw new FetchError(`${name} is not a Vault function`);
  }
}

function planLookup(args: readonly unknown[], ctx: FunctionContext): PlannedRead {
  const key = args[0];
  if (typeof key !== 'string') throw new FetchError('lookup takes a key: lookup "KEY" or lookup "global/KEY"');
  const field = optionalString('lookup', args, 1, 'field', 2) ?? 'value';
  const problem = vaultPathProblem(key);
  if (problem) throw new FetchError(`lookup ${JSON.stringify(key)}: the key ${problem}`);
  const [first, ...rest] = key.split('/');
  let path: string;
  if ((SHARED_SCOPES as readonly string[]).includes(first!)) {
    if (rest.length === 0) throw new FetchError(`lookup ${JSON.stringify(key)}: name a key inside the ${first} scope`);
    const cluster = ctx.cluster;
    if (first !== 'global' && !cluster) {
      throw new FetchError(`lookup ${JSON.stringify(key)}: the ${first} scope needs SECRET_INIT_CLUSTER`);
    }
    const scope =
      first === 'global'
        ? 'global'
        : first === 'project'
          ? `project/${cluster!.cloud}`
          : `cluster/${cluster!.cloud}/${cluster!.env}`;
    path = `${ctx.mounts.kv}/data/${scope}/${rest.join('/')}`;
  } else {
    if (!ctx.app) throw new FetchError(`lookup ${JSON.stringify(key)}: the app's own secrets need SECRET_INIT_APP`);
    path = `${ctx.mounts.kv}/data/${ctx.app}/${key}`;
  }
  const where = `lookup ${JSON.stringify(key)}: GET ${path}`;
  return read(`GET ${path}`, { method: 'GET', path, idempotent: true }, (env) => {
    const data = env.data?.['data'];
    if (typeof data !== 'object' || data === null) throw new FetchError(`${where}: not found (or deleted)`);
    const value = (data as Record<string, unknown>)[field];
    if (value === undefined) throw new FetchError(`${where}: the secret has no field ${JSON.stringify(field)}`);
    return value;
  });
}

function planTls(name: string, args: readonly unknown[], ctx: FunctionContext): PlannedRead {
  const usage = `${name} takes a common name and optional alt names: ${name} "web.example.com" "alt.example.com"`;
  if (args.length < 1 || args.some((a) => typeof a !== 'string')) throw new FetchError(usage);
  const [cn, ...alts] = args as string[];
  if (!cn || /[\s,]/.test(cn))
    throw new FetchError(`${name}: the common name must be one name without spaces or commas`);
  const altNames = alts
    .flatMap((a) => a.split(','))
    .map((a) => a.trim())
    .filter(Boolean);
  if (!ctx.mounts.pki) throw new FetchError(`${name}: set VAULT_PKI_MOUNT or SECRET_INIT_CLUSTER`);
  if (!ctx.pkiRole) throw new FetchError(`${name}: set VAULT_PKI_ROLE, or SECRET_INIT_APP and SECRET_INIT_CLUSTER`);
  const path = `${ctx.mounts.pki}/issue/${ctx.pkiRole}`;
  const body: Record<string, string> = { common_name: cn };
  if (altNames.length > 0) body['alt_names'] = altNames.join(',');
  const field = name === 'tlsKey' ? 'private_key' : name === 'tlsCert' ? 'certificate' : 'issuing_ca';
  return read(`POST ${path} ${JSON.stringify(body)}`, { method: 'POST', path, body }, (env) =>
    requireString(env.data?.[field], `${name}: POST ${path} (common_name ${cn})`, field),
  );
}

function read(key: string, request: VaultRequest, extract: PlannedRead['extract']): PlannedRead {
  return { request: { ...request, key }, extract };
}

function awsExports(env: VaultEnvelope, where: string): string {
  const d = env.data ?? {};
  const lines = [
    shellExport('AWS_ACCESS_KEY_ID', requireString(d['access_key'], where, 'access_key')),
    shellExport('AWS_SECRET_ACCESS_KEY', requireString(d['secret_key'], where, 'secret_key')),
  ];
  // STS credentials carry a session token: `session_token` on Vault 1.16+, `security_token` before.
  const session = d['session_token'] ?? d['security_token'];
  if (typeof session === 'string' && session !== '') lines.push(shellExport('AWS_SESSION_TOKEN', session));
  return `${lines.join('\n')}\n`;
}

/** A field of `data`, falling back to KV v2's `data.data` so SECRET_ paths and rawRead work on either engine. */
export function pickField(env: VaultEnvelope, field: string, where: string): unknown {
  const data = env.data ?? {};
  if (field in data) return data[field];
  const inner = data['data'];
  if (typeof inner === 'object' && inner !== null && 'metadata' in data && field in inner) {
    return (inner as Record<string, unknown>)[field];
  }
  throw new FetchError(`${where}: no field ${JSON.stringify(field)} in the answer`);
}

function requireString(v: unknown, where: string, field: string): string {
  if (typeof v !== 'string') throw new FetchError(`${where}: the answer has no ${field}`);
  return v;
}

function pathArg(fn: string, v: unknown, what: string): string {
  if (typeof v !== 'string') throw new FetchError(`${fn}: the ${what} must be a string`);
  const problem = vaultPathProblem(v);
  if (problem) throw new FetchError(`${fn}: the ${what} ${problem}`);
  return v;
}

function roleArg(fn: string, args: readonly unknown[], fallback: string | undefined): string {
  const role = optionalString(fn, args, 0, 'role', 1) ?? fallback;
  if (role === undefined) throw new FetchError(`${fn}: name a role, or set SECRET_INIT_APP and SECRET_INIT_CLUSTER`);
  if (role.includes('/') || vaultPathProblem(role)) throw new FetchError(`${fn}: the role must be one path segment`);
  return role;
}

function optionalString(
  fn: string,
  args: readonly unknown[],
  i: number,
  what: string,
  max: number,
): string | undefined {
  if (args.length > max) throw new FetchError(`${fn} takes at most ${max} argument${max === 1 ? '' : 's'}`);
  const v = args[i];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new FetchError(`${fn}: the ${what} must be a non-empty string`);
  return v;
}
