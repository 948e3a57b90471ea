/**
 * Getting a Vault token: AppRole login with a SecretID, a response-wrapped SecretID checked the
 * way Vault advises (look the wrapping token up first; its creation_path must be exactly this
 * role's secret-id path; then unwrap), Kubernetes auth with the pod's service-account JWT, or a
 * plain token for local use.
 */
import { InterceptedError, NotLiveWrappingTokenError, SecretInitError, VaultHttpError } from '../errors.js';
import type { VaultClient, VaultEnvelope } from './client.js';

/** The token this run works with, and what the refresh sidecar needs to know about it. */
export interface Session {
  token: string;
  accessor: string | undefined;
  /** Seconds, as Vault said at login or lookup. */
  ttl: number;
  renewable: boolean;
  /** `approle`/`kubernetes`: we logged in (and own the token); `token`: it was given to us. */
  source: 'approle' | 'kubernetes' | 'token';
  obtainedAt: Date;
}

/** A wrapping token valid in itself but not created for this role: refused, not unwrapped. */
export class WrongWrappingPathError extends SecretInitError {
  override name = 'WrongWrappingPathError';
  constructor(
    readonly creationPath: string,
    readonly expectedPath: string,
  ) {
    super(
      `the wrapping token was created at ${JSON.stringify(creationPath)}, not at this role's ${JSON.stringify(expectedPath)}; it was not unwrapped`,
    );
  }
}

const NO_REASON_HINT =
  " (is there a kubernetes auth method at KUBERNETES_AUTH_PATH, and does the cluster still accept the pod's " +
  'service-account token?)';

const INVALID_WRAPPING = 'wrapping token is not valid or does not exist';

export function secretIdPath(mount: string, role: string): string {
  return `auth/${mount}/role/${role}/secret-id`;
}

/**
 * Looks the wrapping token up, checks its creation path, unwraps it and returns the SecretID.
 * A token Vault does not know throws NotLiveWrappingTokenError; one that was live at the lookup and
 * used by someone else before the unwrap throws InterceptedError. The alarm is the caller's to raise.
 */
export async function unwrapSecretId(
  client: VaultClient,
  wrappingToken: string,
  expectedPath: string,
): Promise<string> {
  await checkWrappingToken(client, wrappingToken, expectedPath);
  return unwrapCheckedToken(client, wrappingToken);
}

/** The lookup Vault advises before unwrapping: it consumes nothing, so a made-up token costs one request. */
export async function checkWrappingToken(
  client: VaultClient,
  wrappingToken: string,
  expectedPath: string,
): Promise<void> {
  const lookup = await client.send({
    method: 'POST',
    path: 'sys/wrapping/lookup',
    body: { token: wrappingToken },
    token: null,
    idempotent: true,
  });
  if (isInvalidWrapping(lookup.status, lookup.body?.errors)) {
    throw new NotLiveWrappingTokenError('the wrapping token was already unwrapped, has expired, or never existed');
  }
  if (lookup.status !== 200) {
    throw new SecretInitError(`POST sys/wrapping/lookup: Vault answered ${lookup.status}`);
  }
  const creationPath = lookup.body?.data?.['creation_path'];
  if (typeof creationPath !== 'string' || creationPath !== expectedPath) {
    throw new WrongWrappingPathError(String(creationPath ?? ''), expectedPath);
  }
}

/** Unwraps a token `checkWrappingToken` passed. Failing now, after a good lookup, means someone else used it. */
export async function unwrapCheckedToken(client: VaultClient, wrappingToken: string): Promise<string> {
  // Unwrapping consumes the token: never retried after the request may have reached Vault.
  const unwrapped = await client.send({ method: 'POST', path: 'sys/wrapping/unwrap', token: wrappingToken });
  if (isInvalidWrapping(unwrapped.status, unwrapped.body?.errors)) {
    throw new InterceptedError('the wrapping token was unwrapped by someone else between lookup and unwrap');
  }
  const secretId = unwrapped.body?.data?.['secret_id'];
  if (unwrapped.status !== 200 || typeof secretId !== 'string' || secretId === '') {
    throw new SecretInitError(`POST sys/wrapping/unwrap: Vault answered ${unwrapped.status} without a secret_id`);
  }
  return secretId;
}

export async function appRoleLogin(
  client: VaultClient,
  mount: string,
  roleId: string,
  secretId: string,
): Promise<Session> {
  const path = `auth/${mount}/login`;
  let env;
  try {
    env = await client.call({ method: 'POST', path, body: { role_id: roleId, secret_id: secretId }, token: null });
  } catch (err) {
    if (err instanceof VaultHttpError && err.status === 400) {
      // "invalid role or secret ID": a wrong RoleID, or a SecretID already used or expired.
      throw new SecretInitError(`AppRole login at ${path} was refused: invalid RoleID or SecretID (used or expired?)`);
    }
    throw err;
  }
  return loginSession(path, env.auth, 'approle');
}

/**
 * Kubernetes auth (`auth/<mount>/login` with `role` and the service-account `jwt`), as
 * kube-vault-auth-init does. The JWT is not consumed by a login, so a transient failure is retried.
 */
export async function kubernetesLogin(client: VaultClient, mount: string, role: string, jwt: string): Promise<Session> {
  const path = `auth/${mount}/login`;
  let env;
  try {
    env = await client.call({ method: 'POST', path, body: { role, jwt }, token: null, idempotent: true });
  } catch (err) {
    if (err instanceof VaultHttpError && (err.status === 400 || err.status === 403)) {
      // Vault's reasons here ("service account name not authorized", "invalid role name", an `aud`
      // mismatch) never contain the JWT, and they are what an operator needs to fix the role.
      const why = err.vaultErrors.length > 0 ? `: ${err.vaultErrors.join('; ')}` : '';
      // A bare "permission denied" is all Vault says for a mount that does not exist (KUBERNETES_AUTH_PATH)
      // and for a token the cluster's TokenReview did not confirm: name both.
      const hint = /^permission denied$/.test(err.vaultErrors.join('')) ? NO_REASON_HINT : '';
      throw new SecretInitError(
        `Kubernetes login at ${path} as role ${JSON.stringify(role)} was refused (${err.status})${why}${hint}`,
      );
    }
    throw err;
  }
  return loginSession(path, env.auth, 'kubernetes');
}

function loginSession(path: string, auth: VaultEnvelope['auth'], source: Session['source']): Session {
  if (!auth?.client_token) throw new SecretInitError(`POST ${path}: Vault answered without a token`);
  return {
    token: auth.client_token,
    accessor: auth.accessor,
    ttl: auth.lease_duration,
    renewable: auth.renewable,
    source,
    obtainedAt: new Date(),
  };
}

/** A token given to us (VAULT_TOKEN or an earlier run's token file): looked up, so it is known to work. */
export async function tokenSession(client: VaultClient, token: string): Promise<Session> {
  const env = await client.call({ method: 'GET', path: 'auth/token/lookup-self', token, idempotent: true });
  const d = env.data ?? {};
  return {
    token,
    accessor: typeof d['accessor'] === 'string' && d['accessor'] !== '' ? d['accessor'] : undefined,
    ttl: typeof d['ttl'] === 'number' ? d['ttl'] : 0,
    renewable: d['renewable'] === true,
    source: 'token',
    obtainedAt: new Date(),
  };
}

/** Best effort: a run that failed after logging in revokes its token, and with it every lease it created. */
export async function revokeSelf(client: VaultClient, session: Session): Promise<boolean> {
  try {
    const r = await client.send({ method: 'POST', path: 'auth/token/revoke-self', token: session.token });
    return r.status === 204 || r.status === 200;
  } catch {
    return false;
  }
}

function isInvalidWrapping(status: number, errors: unknown): boolean {
  return (
    status === 400 && Array.isArray(errors) && errors.some((e) => typeof e === 'string' && e.includes(INVALID_WRAPPING))
  );
}
