/**
 * `login` and token renewal, after the plugin's path_login.go. A login
 * checks, in the plugin's order: the role, its token_bound_cidrs, the
 * configuration, the JWT (algorithm, signature when pem_keys are set, issuer,
 * audience, times), the bound service-account names and namespaces, then
 * asks the cluster (TokenReview) whether the token is live and whose it is.
 *
 * Login errors reach the client unwrapped, as Vault answers them: 400 for a
 * bad request, 403 for an authorization failure (`permission denied` when
 * the signature or TokenReview fails: the reason is not disclosed), 500 for
 * a broken configuration.
 */
import { addrInCidrs } from '../../../sdk/cidr.js';
import { ERR_PERMISSION_DENIED, errorResponse, VaultError } from '../../../sdk/errors.js';
import type { FieldData, PathSpec } from '../../../sdk/framework.js';
import { goQuote } from '../../../sdk/go-text.js';
import type { Auth, Request, Response } from '../../../sdk/logical.js';
import { sortedRecord } from '../../../sdk/strutil.js';
import { populateTokenAuth } from '../approle/token-params.js';
import type { KubernetesContext } from './context.js';
import { listContainsGlob } from './glob.js';
import { ClaimsError, SignatureError, validateJwt, type Claims } from './jwt.js';
import { namespaceMatches } from './namespace-selector.js';
import { loadConfig } from './path-config.js';
import { parsePublicKeyPEM } from './pem.js';
import { ClaimDecodeError, serviceAccountOf, type ServiceAccount } from './service-account.js';
import { ALIAS_NAME_SOURCE_NAME, ALIAS_NAME_SOURCE_UID, type KubeAuthConfig, type KubeRole } from './store.js';
import { reviewToken, TokenReviewError } from './token-review.js';

const permissionDenied = (): Response => errorResponse(ERR_PERMISSION_DENIED, 403);
const forbidden = (message: string): Response => errorResponse(message, 403);
/** A plain Go error from a login handler: 500, unwrapped. */
const internal = (message: string): Response => errorResponse(message, 500);

/** The checks parseAndValidateJWT makes: the service account, or the response refusing the login. */
async function validatedServiceAccount(
  ctx: KubernetesContext,
  jwt: string,
  role: KubeRole,
  config: KubeAuthConfig,
): Promise<{ sa: ServiceAccount } | { refused: Response }> {
  let claims: Claims;
  try {
    const keys = config.pemKeys.map((pem) => parsePublicKeyPEM(pem));
    claims = validateJwt(jwt, keys, {
      issuer: !config.disableIssValidation ? config.issuer : '',
      audiences: role.audience !== '' ? [role.audience] : [],
      now: ctx.now(),
    });
  } catch (err) {
    if (err instanceof SignatureError) return { refused: permissionDenied() };
    if (err instanceof ClaimsError) return { refused: forbidden(err.message) };
    return { refused: internal((err as Error).message) };
  }
  let sa: ServiceAccount;
  try {
    sa = serviceAccountOf(claims);
  } catch (err) {
    if (err instanceof ClaimDecodeError) return { refused: internal(err.message) };
    throw err;
  }

  const names = role.boundServiceAccountNames;
  if ((names.length > 1 || names[0] !== '*') && !listContainsGlob(names, sa.name)) {
    return { refused: forbidden('service account name not authorized') };
  }
  const namespaces = role.boundServiceAccountNamespaces;
  let allowed = namespaces.length > 0 && (namespaces[0] === '*' || listContainsGlob(namespaces, sa.namespace));
  let selectorError = '';
  if (!allowed && role.boundServiceAccountNamespaceSelector !== '') {
    try {
      allowed = await namespaceMatches(
        { host: config.host, caCert: config.caCert, reviewerJwt: config.tokenReviewerJwt },
        sa.namespace,
        role.boundServiceAccountNamespaceSelector,
      );
    } catch (err) {
      selectorError = (err as Error).message;
    }
  }
  if (!allowed) {
    const message = selectorError !== '' ? `namespace not authorized err=${selectorError}` : 'namespace not authorized';
    return { refused: forbidden(message) };
  }
  return { sa };
}

/** getAliasName: the service account's UID, or `<namespace>/<name>`. */
function aliasNameOf(role: KubeRole, sa: ServiceAccount): string | Response {
  switch (role.aliasNameSource) {
    case ALIAS_NAME_SOURCE_UID:
    case '':
      return sa.uid !== '' ? sa.uid : internal('could not parse UID from claims');
    case ALIAS_NAME_SOURCE_NAME:
      return sa.namespace !== '' && sa.name !== ''
        ? `${sa.namespace}/${sa.name}`
        : internal('service account namespace and name must be set');
    default:
      return internal(`unknown alias_name_source ${goQuote(role.aliasNameSource)}`);
  }
}

async function login(ctx: KubernetesContext, req: Request, data: FieldData): Promise<Response> {
  const roleName = data.get<string>('role');
  if (roleName === '') return errorResponse('missing role');
  const jwt = data.get<string>('jwt');
  if (jwt === '') return errorResponse('missing jwt');

  const role = ctx.store.role(roleName);
  if (!role) return errorResponse(`invalid role name ${goQuote(roleName)}`);
  const boundCidrs = role.tokenBoundCidrs ?? [];
  if (boundCidrs.length > 0 && (req.remoteAddress === '' || !addrInCidrs(req.remoteAddress, boundCidrs))) {
    return permissionDenied();
  }

  let config: KubeAuthConfig | undefined;
  try {
    config = loadConfig(ctx);
  } catch (err) {
    return internal((err as Error).message);
  }
  if (!config) return internal('could not load backend configuration');

  const validated = await validatedServiceAccount(ctx, jwt, role, config);
  if ('refused' in validated) return validated.refused;
  const { sa } = validated;
  const aliasName = aliasNameOf(role, sa);
  if (typeof aliasName !== 'string') return aliasName;

  // serviceAccount.lookup: the cluster must vouch for the token and agree on whose it is.
  try {
    const reviewed = await reviewToken(
      { host: config.host, caCert: config.caCert, reviewerJwt: config.tokenReviewerJwt },
      jwt,
      role.audience !== '' ? [role.audience] : sa.audiences,
    );
    // A token without a UID claim cannot match (serviceAccount.uid() fails inside lookup).
    if (reviewed.name !== sa.name || sa.uid === '' || reviewed.uid !== sa.uid || reviewed.namespace !== sa.namespace) {
      return permissionDenied();
    }
  } catch (err) {
    if (err instanceof TokenReviewError) return permissionDenied();
    throw err;
  }
  const auth: Auth = {
    ...populateTokenAuth(role),
    metadata: sortedRecord({
      role: roleName,
      service_account_name: sa.name,
      service_account_namespace: sa.namespace,
      service_account_secret_name: sa.secretName,
      service_account_uid: sa.uid,
    }),
    displayName: `${sa.namespace}-${sa.name}`,
    aliasName,
    internalData: { role: roleName },
  };
  return { auth };
}

/**
 * pathLoginRenew: renewal re-reads the role, fails once it is gone, and picks
 * up its current token_ttl, token_max_ttl and token_period.
 */
export function renewLoginAuth(ctx: KubernetesContext, auth: Auth): Auth {
  const roleName = auth.internalData?.['role'];
  if (typeof roleName !== 'string' || roleName === '') {
    throw new VaultError('failed to fetch role_name during renewal');
  }
  const role = ctx.store.role(roleName);
  if (!role) throw new VaultError(`role ${roleName} does not exist during renewal`);
  return { ...auth, ttl: role.tokenTTL, maxTTL: role.tokenMaxTTL, period: role.tokenPeriod };
}

export function loginPath(ctx: KubernetesContext): PathSpec {
  return {
    pattern: 'login$',
    fields: {
      role: { type: 'string', description: 'Name of the role against which the login is being attempted.' },
      jwt: { type: 'string', description: 'A signed JWT for authenticating a service account.' },
    },
    operations: { update: (req, data) => login(ctx, req, data) },
  };
}
