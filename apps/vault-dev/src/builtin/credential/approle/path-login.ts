/**
 * `login`, token renewal and the alias lookahead, after Vault's
 * builtin/credential/approle/path_login.go.
 */
import { ipBelongsToCIDRBlocks, parseAddrs } from '../../../sdk/cidr.js';
import { errorResponse, VaultError } from '../../../sdk/errors.js';
import { parseString } from '../../../sdk/fields.js';
import type { FieldData, OperationHandler, PathSpec } from '../../../sdk/framework.js';
import { goQuote } from '../../../sdk/go-text.js';
import type { Auth, Request, Response } from '../../../sdk/logical.js';
import { sortedRecord } from '../../../sdk/strutil.js';
import type { AppRoleContext } from './context.js';
import { populateTokenAuth } from './token-params.js';
import {
  deleteSecretId,
  isExpired,
  locateSecretId,
  verifyCIDRRoleSecretIDSubset,
  type SecretIDLocation,
} from './validation.js';

const INVALID = 'invalid role or secret ID';

/** A bad SecretID for a known role: counts toward user lockout (Vault's ErrInvalidCredentials). */
const invalidCredentials = (): Response => errorResponse(INVALID, 400, { invalidCredentials: true });

/** Go's fmt.Errorf("...: %w", err) with a nil err. */
const NIL_WRAP = '%!w(<nil>)';

function plain(message: string): VaultError {
  return new VaultError(message);
}

/**
 * cidrutil.IPBelongsToCIDRBlocksSlice against the request's source address:
 * `belongs`, or the Go error text (bad address, bad block).
 */
function checkSource(remoteAddress: string, cidrs: readonly string[]): { belongs: boolean; error: string | null } {
  try {
    return { belongs: ipBelongsToCIDRBlocks(remoteAddress, cidrs), error: null };
  } catch (err) {
    return { belongs: false, error: (err as Error).message };
  }
}

function pathLoginUpdate(ctx: AppRoleContext): OperationHandler {
  return (req, data) => login(ctx, req, data);
}

function login(ctx: AppRoleContext, req: Request, data: FieldData): Response {
  const roleId = data.get<string>('role_id').trim();
  // Current Vault returns a bare ErrInvalidCredentials here; vault-api.md (and
  // earlier Vault releases) document 400 "missing role_id", which we answer.
  if (roleId === '') return errorResponse('missing role_id');

  const roleName = ctx.store.roleNameForRoleId(roleId);
  // An unknown role_id: the same text, but not an invalid-credentials failure.
  if (roleName === undefined) return errorResponse(INVALID);
  const role = ctx.store.getRole(roleName);
  if (!role) return errorResponse(INVALID);

  let metadata: Record<string, string> = {};
  let tokenBoundCidrsOverride: string[] | null = null;
  if (role.bindSecretId) {
    const secretId = data.get<string>('secret_id').trim();
    if (secretId === '') return errorResponse('missing secret_id');

    let loc: SecretIDLocation;
    try {
      loc = locateSecretId(role, secretId);
    } catch (err) {
      throw plain((err as Error).message);
    }
    let entry = ctx.store.getSecretId(role.secretIdPrefix, loc.roleNameHMAC, loc.secretIdHMAC);
    if (!entry) return invalidCredentials();

    // Stricter than Vault: Vault's login never looks at expiration_time and
    // relies on the periodic tidy (about once a minute) to delete expired
    // SecretIDs, so an expired SecretID can still log in for up to a minute.
    // We refuse it as soon as expiration_time has passed, with the same answer
    // as an unknown SecretID (and it counts toward lockout). The entry itself
    // is left for the tidy, so lookups behave as in Vault until then.
    if (isExpired(entry, ctx.now())) return invalidCredentials();

    if (ctx.store.getAccessor(role.secretIdPrefix, entry.secretIdAccessor) === null) {
      // A SecretID without its accessor entry is revoked on sight.
      ctx.store.deleteSecretId(role.secretIdPrefix, loc.roleNameHMAC, loc.secretIdHMAC);
      return errorResponse(INVALID);
    }

    if (entry.secretIdNumUses === 0) {
      // Unlimited uses: nothing to record.
      try {
        verifyCIDRRoleSecretIDSubset(entry.cidrList, role.secretIdBoundCidrs);
      } catch (err) {
        throw plain((err as Error).message);
      }
      if (entry.cidrList.length > 0) {
        if (req.remoteAddress === '') throw plain('failed to get connection information');
        const { belongs, error } = checkSource(req.remoteAddress, entry.cidrList);
        if (error !== null) return errorResponse(error);
        if (!belongs) {
          return errorResponse(
            `source address ${goQuote(req.remoteAddress)} unauthorized through CIDR restrictions on the secret ID`,
          );
        }
      }
    } else {
      // Use-limited: the use is consumed before the CIDR checks, as in Vault.
      // The last use deletes the SecretID and its accessor.
      if (entry.secretIdNumUses === 1) {
        deleteSecretId(ctx.store, role, loc, entry.secretIdAccessor);
      } else {
        entry = { ...entry, secretIdNumUses: entry.secretIdNumUses - 1, lastUpdatedTime: ctx.now() };
        ctx.store.putSecretId(role.secretIdPrefix, loc.roleNameHMAC, loc.secretIdHMAC, entry);
      }
      try {
        verifyCIDRRoleSecretIDSubset(entry.cidrList, role.secretIdBoundCidrs);
      } catch (err) {
        throw plain((err as Error).message);
      }
      if (entry.cidrList.length > 0) {
        if (req.remoteAddress === '') throw plain('failed to get connection information');
        const { belongs, error } = checkSource(req.remoteAddress, entry.cidrList);
        if (error !== null || !belongs) {
          return errorResponse(
            `source address ${goQuote(req.remoteAddress)} unauthorized by CIDR restrictions on the secret ID: ${error ?? NIL_WRAP}`,
          );
        }
      }
    }
    metadata = { ...entry.metadata };
    if (entry.tokenBoundCidrs.length > 0) tokenBoundCidrsOverride = entry.tokenBoundCidrs;
  }

  if ((role.secretIdBoundCidrs ?? []).length > 0) {
    if (req.remoteAddress === '') throw plain('failed to get connection information');
    const { belongs, error } = checkSource(req.remoteAddress, role.secretIdBoundCidrs ?? []);
    if (error !== null || !belongs) {
      return errorResponse(
        `source address ${goQuote(req.remoteAddress)} unauthorized by CIDR restrictions on the role: ${error ?? NIL_WRAP}`,
      );
    }
  }

  let boundCidrs = role.tokenBoundCidrs ?? [];
  if (tokenBoundCidrsOverride) {
    try {
      boundCidrs = parseAddrs(tokenBoundCidrsOverride);
    } catch (err) {
      return errorResponse((err as Error).message);
    }
  }

  // Always include the role name, for later filtering.
  metadata.role_name = role.name;
  const auth: Auth = {
    ...populateTokenAuth(role),
    boundCidrs: [...boundCidrs],
    metadata: sortedRecord(metadata),
    displayName: '',
    aliasName: role.roleId,
    internalData: { role_name: role.name },
  };
  return { auth };
}

/**
 * pathLoginRenew: renewal re-reads the role, fails once it is gone, and picks
 * up its current token_ttl, token_max_ttl and token_period.
 */
export function renewLoginAuth(ctx: AppRoleContext, auth: Auth): Auth {
  const roleName = auth.internalData?.role_name;
  if (typeof roleName !== 'string' || roleName === '') {
    throw plain('failed to fetch role_name during renewal');
  }
  const role = ctx.store.getRole(roleName);
  if (!role) throw plain(`role ${goQuote(roleName)} does not exist during renewal`);
  return { ...auth, ttl: role.tokenTTL, maxTTL: role.tokenMaxTTL, period: role.tokenPeriod };
}

/** pathLoginUpdateAliasLookahead: the alias a login is for is its role_id. */
export function loginAliasLookahead(req: Request): string | undefined {
  if (req.relativePath !== 'login' || !req.data) return undefined;
  try {
    const roleId = parseString(req.data.role_id).trim();
    return roleId === '' ? undefined : roleId;
  } catch {
    return undefined;
  }
}

export function loginPath(ctx: AppRoleContext): PathSpec {
  return {
    pattern: 'login$',
    fields: {
      role_id: { type: 'string' },
      secret_id: { type: 'string', default: '' },
    },
    operations: { update: pathLoginUpdate(ctx) },
  };
}
