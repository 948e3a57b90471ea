/**
 * SecretID paths of a role, after Vault's path_role.go: generation
 * (`secret-id`, `custom-secret-id`), listing accessors, lookup and destroy by
 * SecretID or by accessor.
 */
import { randomUUID } from 'node:crypto';
import { validateCIDRList } from '../../../sdk/cidr.js';
import { errorResponse, VaultError } from '../../../sdk/errors.js';
import type { FieldData, FieldSchemas, OperationHandler, PathSpec } from '../../../sdk/framework.js';
import { goQuote } from '../../../sdk/go-text.js';
import { respondWithStatus, type Response } from '../../../sdk/logical.js';
import { ROLE_NAME, roleNameField, roleNameOf, type AppRoleContext } from './context.js';
import type { RoleEntry } from './role.js';
import {
  deleteSecretId,
  deriveSecretIDTTL,
  locateSecretId,
  parseArbitraryKeyValues,
  registerSecretIDEntry,
  roleNameHMACOf,
  secretIdResponseData,
  verifyCIDRRoleSecretIDSubset,
} from './validation.js';

/** A plain Go error returned by a handler: the core wraps it (multierror) as a 500. */
function plain(message: string): VaultError {
  return new VaultError(message);
}

function asPlain<T>(fn: () => T, prefix = ''): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof VaultError) throw err;
    throw plain(prefix + (err as Error).message);
  }
}

const GENERATE_FIELDS: FieldSchemas = {
  ...roleNameField,
  metadata: { type: 'string' },
  cidr_list: { type: 'commaStringSlice' },
  token_bound_cidrs: { type: 'commaStringSlice' },
  num_uses: { type: 'int' },
  ttl: { type: 'durationSecond' },
};

/** handleRoleSecretIDCommon: validates the overrides and registers the SecretID. */
function generateSecretId(ctx: AppRoleContext, data: FieldData, secretId: string): Response {
  const roleName = roleNameOf(data);
  if (roleName === '') return errorResponse('missing role_name');
  if (secretId === '') return errorResponse('missing secret_id');

  const role = ctx.store.getRole(roleName);
  if (!role) return errorResponse(`role ${goQuote(roleName)} does not exist`, 404);
  if (!role.bindSecretId) return errorResponse('bind_secret_id is not set on the role');

  const cidrList = data.get<string[]>('cidr_list');
  if (cidrList.length > 0) {
    const invalid = validateCIDRList(cidrList);
    if (invalid) throw plain(`failed to validate CIDR blocks: ${invalid}`);
  }
  asPlain(() => verifyCIDRRoleSecretIDSubset(cidrList, role.secretIdBoundCidrs));

  const tokenCidrs = data.get<string[]>('token_bound_cidrs');
  if (tokenCidrs.length > 0) {
    const invalid = validateCIDRList(tokenCidrs);
    if (invalid) throw plain(`failed to validate token CIDR blocks: ${invalid}`);
  }
  asPlain(() => verifyCIDRRoleSecretIDSubset(tokenCidrs, role.tokenBoundCidrs));

  let numUses = role.secretIdNumUses;
  const numUsesRaw = data.getOk('num_uses');
  if (numUsesRaw.ok) {
    numUses = numUsesRaw.value as number;
    if (numUses < 0) return errorResponse('num_uses cannot be negative');
    // 0 means unlimited, so it exceeds any limit the role sets.
    if ((numUses === 0 && role.secretIdNumUses > 0) || (role.secretIdNumUses > 0 && numUses > role.secretIdNumUses)) {
      return errorResponse("num_uses cannot be higher than the role's secret_id_num_uses");
    }
  }

  let ttl = role.secretIdTTL;
  const ttlRaw = data.getOk('ttl');
  if (ttlRaw.ok) {
    ttl = ttlRaw.value as number;
    // 0 means never expires, so it exceeds any TTL the role sets.
    if ((ttl === 0 && role.secretIdTTL > 0) || (role.secretIdTTL > 0 && ttl > role.secretIdTTL)) {
      return errorResponse("ttl cannot be longer than the role's secret_id_ttl");
    }
  }

  let metadata: Record<string, string>;
  try {
    metadata = parseArbitraryKeyValues(data.get<string>('metadata'));
  } catch (err) {
    return errorResponse(`failed to parse metadata: ${(err as Error).message}`);
  }

  const mountMax = ctx.system.maxLeaseTTL();
  const entry = asPlain(
    () =>
      registerSecretIDEntry(
        ctx.store,
        role,
        secretId,
        { secretIdNumUses: numUses, secretIdTTL: ttl, metadata, cidrList, tokenBoundCidrs: tokenCidrs },
        ctx.now(),
        mountMax,
      ),
    'failed to store secret_id: ',
  );

  return {
    data: {
      secret_id: secretId,
      secret_id_accessor: entry.secretIdAccessor,
      secret_id_num_uses: entry.secretIdNumUses,
      secret_id_ttl: deriveSecretIDTTL(entry.secretIdTTL, mountMax),
    },
    // When the caller asked for wrapping, the core shows this as wrap_info.wrapped_accessor.
    wrappedAccessor: entry.secretIdAccessor,
  };
}

/** The role for a SecretID management call; a missing one is Vault's plain `role "x" does not exist` (500). */
function requireRole(ctx: AppRoleContext, roleName: string): RoleEntry {
  const role = ctx.store.getRole(roleName);
  if (!role) throw plain(`role ${goQuote(roleName)} does not exist`);
  return role;
}

function listSecretIds(ctx: AppRoleContext): OperationHandler {
  return (_req, data) => {
    const roleName = roleNameOf(data);
    if (roleName === '') return errorResponse('missing role_name');
    const role = ctx.store.getRole(roleName);
    if (!role) return errorResponse(`role ${goQuote(roleName)} does not exist`);
    const roleNameHMAC = asPlain(() => roleNameHMACOf(role));
    const keys: string[] = [];
    for (const secretIdHMAC of ctx.store.listSecretIds(role.secretIdPrefix, roleNameHMAC)) {
      const entry = ctx.store.getSecretId(role.secretIdPrefix, roleNameHMAC, secretIdHMAC);
      if (!entry) throw plain('storage entry for SecretID is present but no content found at the index');
      keys.push(entry.secretIdAccessor);
    }
    return keys.length > 0 ? { data: { keys } } : null;
  };
}

function lookupSecretId(ctx: AppRoleContext): OperationHandler {
  return (_req, data) => {
    const roleName = roleNameOf(data);
    if (roleName === '') return errorResponse('missing role_name');
    const secretId = data.get<string>('secret_id');
    if (secretId === '') return errorResponse('missing secret_id');
    const role = requireRole(ctx, roleName);
    const loc = asPlain(() => locateSecretId(role, secretId));
    const entry = ctx.store.getSecretId(role.secretIdPrefix, loc.roleNameHMAC, loc.secretIdHMAC);
    // Unknown SecretID: a nil response to an update, which the core answers with 204.
    if (!entry) return null;
    if (ctx.store.getAccessor(role.secretIdPrefix, entry.secretIdAccessor) === null) {
      // A SecretID without its accessor entry is revoked on sight.
      ctx.store.deleteSecretId(role.secretIdPrefix, loc.roleNameHMAC, loc.secretIdHMAC);
      return errorResponse('invalid secret id');
    }
    return { data: secretIdResponseData(entry) };
  };
}

function destroySecretId(ctx: AppRoleContext): OperationHandler {
  return (_req, data) => {
    const roleName = roleNameOf(data);
    if (roleName === '') return errorResponse('missing role_name');
    const secretId = data.get<string>('secret_id');
    if (secretId === '') return errorResponse('missing secret_id');
    const role = requireRole(ctx, roleName);
    const loc = asPlain(() => locateSecretId(role, secretId));
    const entry = ctx.store.getSecretId(role.secretIdPrefix, loc.roleNameHMAC, loc.secretIdHMAC);
    if (!entry) return null;
    deleteSecretId(ctx.store, role, loc, entry.secretIdAccessor);
    return null;
  };
}

function lookupByAccessor(ctx: AppRoleContext): OperationHandler {
  return (req, data) => {
    const roleName = roleNameOf(data);
    if (roleName === '') return errorResponse('missing role_name');
    const accessor = data.get<string>('secret_id_accessor');
    if (accessor === '') return errorResponse('missing secret_id_accessor');
    const role = requireRole(ctx, roleName);
    const secretIdHMAC = ctx.store.getAccessor(role.secretIdPrefix, accessor);
    if (secretIdHMAC === null) {
      return respondWithStatus(req, 404, {
        data: { error: `failed to find accessor entry for secret_id_accessor: ${goQuote(accessor)}` },
      });
    }
    const roleNameHMAC = asPlain(() => roleNameHMACOf(role));
    // The accessor index is shared by all roles: another role's accessor finds no SecretID here.
    const entry = ctx.store.getSecretId(role.secretIdPrefix, roleNameHMAC, secretIdHMAC);
    if (!entry) return null;
    return { data: secretIdResponseData(entry) };
  };
}

function destroyByAccessor(ctx: AppRoleContext): OperationHandler {
  return (_req, data) => {
    const roleName = roleNameOf(data);
    if (roleName === '') return errorResponse('missing role_name');
    const accessor = data.get<string>('secret_id_accessor');
    if (accessor === '') return errorResponse('missing secret_id_accessor');
    const role = requireRole(ctx, roleName);
    const secretIdHMAC = ctx.store.getAccessor(role.secretIdPrefix, accessor);
    if (secretIdHMAC === null) {
      throw plain(`failed to find accessor entry for secret_id_accessor: ${goQuote(accessor)}`);
    }
    const roleNameHMAC = asPlain(() => roleNameHMACOf(role));
    const entry = ctx.store.getSecretId(role.secretIdPrefix, roleNameHMAC, secretIdHMAC);
    // Vault answers an accessor of another role's SecretID with this text and a 403.
    if (!entry) return errorResponse('invalid secret id accessor', 403);
    deleteSecretId(ctx.store, role, { roleNameHMAC, secretIdHMAC }, accessor);
    return null;
  };
}

export function secretIdPaths(ctx: AppRoleContext): PathSpec[] {
  return [
    {
      pattern: `role/${ROLE_NAME}/secret-id/?$`,
      fields: GENERATE_FIELDS,
      operations: {
        update: (_req, data) => generateSecretId(ctx, data, randomUUID()),
        list: listSecretIds(ctx),
      },
    },
    {
      pattern: `role/${ROLE_NAME}/secret-id/lookup/?$`,
      fields: { ...roleNameField, secret_id: { type: 'string' } },
      operations: { update: lookupSecretId(ctx) },
    },
    {
      pattern: `role/${ROLE_NAME}/secret-id/destroy/?$`,
      fields: { ...roleNameField, secret_id: { type: 'string' } },
      operations: { update: destroySecretId(ctx), delete: destroySecretId(ctx) },
    },
    {
      pattern: `role/${ROLE_NAME}/secret-id-accessor/lookup/?$`,
      fields: { ...roleNameField, secret_id_accessor: { type: 'string' } },
      operations: { update: lookupByAccessor(ctx) },
    },
    {
      pattern: `role/${ROLE_NAME}/secret-id-accessor/destroy/?$`,
      fields: { ...roleNameField, secret_id_accessor: { type: 'string' } },
      operations: { update: destroyByAccessor(ctx), delete: destroyByAccessor(ctx) },
    },
    {
      pattern: `role/${ROLE_NAME}/custom-secret-id$`,
      fields: { ...GENERATE_FIELDS, secret_id: { type: 'string' } },
      operations: {
        update: (_req, data) => generateSecretId(ctx, data, data.get<string>('secret_id')),
      },
    },
  ];
}
