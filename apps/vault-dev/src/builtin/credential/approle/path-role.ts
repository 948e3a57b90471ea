/**
 * Role management paths, after Vault's builtin/credential/approle/path_role.go:
 * `role/` (LIST), `role/:name` (create/update with an existence check, read,
 * delete), the per-field sub-endpoints and `role/:name/role-id`.
 */
import { randomUUID } from 'node:crypto';
import { parseAddrs, validateCIDRList } from '../../../sdk/cidr.js';
import { formatGoDuration } from '../../../sdk/duration.js';
import { errorResponse, unsupportedPath, VaultError } from '../../../sdk/errors.js';
import { parsePolicies } from '../../../sdk/fields.js';
import { FieldData, type FieldSchemas, type OperationHandler, type PathSpec } from '../../../sdk/framework.js';
import { goQuote } from '../../../sdk/go-text.js';
import type { Response } from '../../../sdk/logical.js';
import { sortedRecord } from '../../../sdk/strutil.js';
import { ROLE_NAME, roleNameField, roleNameOf, type AppRoleContext } from './context.js';
import { MAX_HMAC_INPUT_LENGTH, newRole, SECRET_ID_LOCAL_PREFIX, type RoleEntry } from './role.js';
import { parseTokenFields, populateTokenData, tokenFields, upgradeDuration, upgradePolicies } from './token-params.js';
import { flushRoleSecrets } from './validation.js';

const NO_CONSTRAINT = 'at least one constraint should be enabled on the role';

/** validateRoleConstraints: a role must bind a SecretID or some CIDRs. */
export function roleConstraintError(role: RoleEntry): string | null {
  if (role.bindSecretId) return null;
  if ((role.boundCidrList ?? []).length > 0) return null;
  if ((role.secretIdBoundCidrs ?? []).length > 0) return null;
  if ((role.tokenBoundCidrs ?? []).length > 0) return null;
  return NO_CONSTRAINT;
}

/**
 * setRoleEntry: validates the constraints and the RoleID's uniqueness, then
 * persists the role and its RoleID index. Throws Vault's plain errors (500s).
 */
export function setRoleEntry(ctx: AppRoleContext, role: RoleEntry, previousRoleId: string): void {
  const constraint = roleConstraintError(role);
  if (constraint) throw new Error(constraint);
  if (role.roleId === '') throw new Error('failed to read role_id index: missing role id');
  const owner = ctx.store.roleNameForRoleId(role.roleId);
  if (owner !== undefined && owner !== role.name) throw new Error('role_id already in use');
  if (previousRoleId !== '' && previousRoleId !== role.roleId) ctx.store.deleteRoleId(previousRoleId);
  ctx.store.putRole(role);
  if (previousRoleId !== '' && previousRoleId === role.roleId) return;
  ctx.store.setRoleId(role.roleId, role.name);
}

/** A plain Go error from a handler: multierror-wrapped 500 (400 when a response was also returned). */
function plainError(err: unknown, resp: Response | null = null): VaultError {
  const message = err instanceof Error ? err.message : String(err);
  return new VaultError(message, 'internal', resp ? 400 : undefined);
}

/** Runs setRoleEntry the way a sub-endpoint does (`return nil, b.setRoleEntry(...)`). */
function save(ctx: AppRoleContext, role: RoleEntry, previousRoleId = ''): null {
  try {
    setRoleEntry(ctx, role, previousRoleId);
  } catch (err) {
    throw plainError(err);
  }
  return null;
}

function maxTTLText(ctx: AppRoleContext): string {
  return goQuote(formatGoDuration(ctx.system.maxLeaseTTL()));
}

const ROLE_FIELDS: FieldSchemas = {
  ...roleNameField,
  bind_secret_id: { type: 'bool', default: true },
  bound_cidr_list: { type: 'commaStringSlice' },
  secret_id_bound_cidrs: { type: 'commaStringSlice' },
  policies: { type: 'commaStringSlice' },
  secret_id_num_uses: { type: 'int' },
  secret_id_ttl: { type: 'durationSecond' },
  period: { type: 'durationSecond' },
  role_id: { type: 'string' },
  local_secret_ids: { type: 'bool' },
  ...tokenFields(),
};

function getFirst<T>(data: FieldData, ...names: string[]): T | undefined {
  for (const name of names) {
    const r = data.getOk(name);
    if (r.ok) return r.value as T;
  }
  return undefined;
}

/** pathRoleCreateUpdate. */
function roleCreateUpdate(ctx: AppRoleContext): OperationHandler {
  return (req, data) => {
    const roleName = roleNameOf(data);
    if (roleName === '') return errorResponse('missing role_name');
    if (Buffer.byteLength(roleName, 'utf8') > MAX_HMAC_INPUT_LENGTH) {
      return errorResponse(`role_name is longer than maximum of ${MAX_HMAC_INPUT_LENGTH} bytes`);
    }
    const creating = req.operation === 'create';
    let role = ctx.store.getRole(roleName);
    if (!role) {
      if (!creating) return errorResponse(`role name ${goQuote(roleName)} doesn't exist`, 404);
      role = newRole(roleName.toLowerCase(), randomUUID());
    }

    let resp: Response | null = null;
    let fields = data;
    // Backwards compatibility: the field default spelled out is accepted with a warning.
    const rawType = data.raw.token_type;
    if (rawType === 'default-service' || rawType === 'default-batch') {
      const adjusted = rawType === 'default-service' ? 'service' : 'batch';
      fields = new FieldData({ ...data.raw, token_type: adjusted }, data.schema);
      resp = { warnings: [`${rawType} has no useful meaning; adjusting to ${adjusted}`] };
    }

    const tokenErr = parseTokenFields(role, fields);
    if (tokenErr) return errorResponse(tokenErr);

    const local = fields.getOk('local_secret_ids');
    if (local.ok) {
      if (!creating) return errorResponse('local_secret_ids can only be modified during role creation');
      if (local.value === true) role.secretIdPrefix = SECRET_ID_LOCAL_PREFIX;
    }

    const previousRoleId = role.roleId;
    const roleId = fields.getOk('role_id');
    if (roleId.ok) role.roleId = roleId.value as string;
    else if (creating) role.roleId = randomUUID();
    if (role.roleId === '') return errorResponse('invalid role_id supplied, or failed to generate a role_id');

    const bind = fields.getOk('bind_secret_id');
    if (bind.ok) role.bindSecretId = bind.value as boolean;
    else if (creating) role.bindSecretId = fields.get<boolean>('bind_secret_id');

    const cidrs = getFirst<string[]>(fields, 'secret_id_bound_cidrs', 'bound_cidr_list');
    if (cidrs !== undefined) role.secretIdBoundCidrs = cidrs;
    if ((role.secretIdBoundCidrs ?? []).length > 0) {
      const invalid = validateCIDRList(role.secretIdBoundCidrs ?? []);
      if (invalid) throw plainError(new Error(`failed to validate CIDR blocks: ${invalid}`));
    }

    const numUses = fields.getOk('secret_id_num_uses');
    if (numUses.ok) role.secretIdNumUses = numUses.value as number;
    else if (creating) role.secretIdNumUses = fields.get<number>('secret_id_num_uses');
    if (role.secretIdNumUses < 0) return errorResponse('secret_id_num_uses cannot be negative');

    const ttl = fields.getOk('secret_id_ttl');
    if (ttl.ok) role.secretIdTTL = ttl.value as number;
    else if (creating) role.secretIdTTL = fields.get<number>('secret_id_ttl');

    const r = role;
    upgradePolicies(
      fields,
      () => ({ oldVal: r.policies, newVal: r.tokenPolicies }),
      (oldVal, newVal) => {
        r.policies = oldVal;
        r.tokenPolicies = newVal;
      },
    );
    upgradeDuration(
      fields,
      'period',
      'token_period',
      () => ({ oldVal: r.period, newVal: r.tokenPeriod }),
      (oldVal, newVal) => {
        r.period = oldVal;
        r.tokenPeriod = newVal;
      },
    );

    // Vault checks the legacy field here: a period sent only as token_period is not capped.
    const mountMax = ctx.system.maxLeaseTTL();
    if (role.period > mountMax) {
      return errorResponse(
        `period of ${goQuote(formatGoDuration(role.period))} is greater than the backend's maximum lease TTL of ${maxTTLText(ctx)}`,
      );
    }
    if (role.tokenMaxTTL > mountMax) {
      resp ??= {};
      resp.warnings = [
        ...(resp.warnings ?? []),
        "token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
      ];
    }

    try {
      setRoleEntry(ctx, role, previousRoleId);
    } catch (err) {
      throw plainError(err, resp);
    }
    return resp;
  };
}

/** The data of a role GET (keys in Go's sorted map order). */
export function roleResponseData(role: RoleEntry): Record<string, unknown> {
  const data: Record<string, unknown> = {
    bind_secret_id: role.bindSecretId,
    secret_id_bound_cidrs: role.secretIdBoundCidrs ? [...role.secretIdBoundCidrs] : null,
    secret_id_num_uses: role.secretIdNumUses,
    secret_id_ttl: role.secretIdTTL,
    local_secret_ids: role.secretIdPrefix === SECRET_ID_LOCAL_PREFIX,
  };
  populateTokenData(role, data);
  // Legacy keys only when they carry a value.
  if (role.period !== 0) data.period = role.period;
  if ((role.policies ?? []).length > 0) data.policies = [...(role.policies ?? [])];
  return sortedRecord(data);
}

function roleRead(ctx: AppRoleContext): OperationHandler {
  return (_req, data) => {
    const role = ctx.store.getRole(roleNameOf(data));
    if (!role) return null;
    const resp: Response = { data: roleResponseData(role) };
    if (roleConstraintError(role)) {
      resp.warnings = [
        'Role does not have any constraints set on it. Updates to this role will require a constraint to be set',
      ];
    }
    return resp;
  };
}

function roleDelete(ctx: AppRoleContext): OperationHandler {
  return (_req, data) => {
    const role = ctx.store.getRole(roleNameOf(data));
    if (!role) return null;
    try {
      flushRoleSecrets(ctx.store, role);
    } catch (err) {
      throw plainError(
        new Error(
          `failed to invalidate the secrets belonging to role ${goQuote(role.name)}: ${(err as Error).message}`,
        ),
      );
    }
    ctx.store.deleteRoleId(role.roleId);
    ctx.store.deleteRole(role.name);
    return null;
  };
}

/** A sub-endpoint handler on an existing role; `update` refuses a missing role with `unsupported path`. */
function onRole(
  ctx: AppRoleContext,
  missing: 'unsupported-path' | 'null',
  fn: (role: RoleEntry, data: FieldData) => Response | null,
): OperationHandler {
  return (_req, data) => {
    const role = ctx.store.getRole(roleNameOf(data));
    if (!role) {
      if (missing === 'unsupported-path') throw unsupportedPath();
      return null;
    }
    return fn(role, data);
  };
}

const readField = (ctx: AppRoleContext, render: (role: RoleEntry) => Record<string, unknown>): OperationHandler =>
  onRole(ctx, 'null', (role) => ({ data: sortedRecord(render(role)) }));

const deleteField = (ctx: AppRoleContext, reset: (role: RoleEntry, data: FieldData) => void): OperationHandler =>
  onRole(ctx, 'null', (role, data) => {
    reset(role, data);
    return save(ctx, role);
  });

interface SimpleField {
  suffix: string;
  field: string;
  schema: FieldSchemas[string];
  apply: (role: RoleEntry, value: unknown) => string | null;
  render: (role: RoleEntry) => unknown;
  reset: (role: RoleEntry) => void;
}

/** The sub-endpoints that take one field: update (`missing <field>` without it), read, delete (back to the default). */
function simpleFieldPath(ctx: AppRoleContext, f: SimpleField): PathSpec {
  return {
    pattern: `role/${ROLE_NAME}/${f.suffix}$`,
    fields: { ...roleNameField, [f.field]: f.schema },
    operations: {
      update: onRole(ctx, 'unsupported-path', (role, data) => {
        const v = data.getOk(f.field);
        if (!v.ok) return errorResponse(`missing ${f.field}`);
        const err = f.apply(role, v.value);
        if (err) return errorResponse(err);
        return save(ctx, role);
      }),
      read: readField(ctx, (role) => ({ [f.field]: f.render(role) })),
      delete: deleteField(ctx, (role) => f.reset(role)),
    },
  };
}

function boundCidrUpdate(
  ctx: AppRoleContext,
  keys: Array<'secret_id_bound_cidrs' | 'bound_cidr_list' | 'token_bound_cidrs'>,
): OperationHandler {
  return onRole(ctx, 'unsupported-path', (role, data) => {
    const has = (k: string) => keys.includes(k as never) && data.getOk(k).ok;
    const secretIdKey = has('secret_id_bound_cidrs')
      ? 'secret_id_bound_cidrs'
      : has('bound_cidr_list')
        ? 'bound_cidr_list'
        : null;
    if (secretIdKey) {
      const cidrs = data.get<string[]>(secretIdKey);
      if (cidrs.length === 0) return errorResponse('missing bound_cidr_list');
      const invalid = validateCIDRList(cidrs);
      if (invalid) return errorResponse(`failed to validate CIDR blocks: ${invalid}`);
      role.secretIdBoundCidrs = cidrs;
    } else if (has('token_bound_cidrs')) {
      try {
        role.tokenBoundCidrs = parseAddrs(data.get<string[]>('token_bound_cidrs'));
      } catch (err) {
        return errorResponse(`failed to parse token_bound_cidrs: ${(err as Error).message}`);
      }
    }
    return save(ctx, role);
  });
}

export function rolePaths(ctx: AppRoleContext): PathSpec[] {
  const durationField = { type: 'durationSecond' as const };
  const intField = { type: 'int' as const };
  return [
    {
      pattern: `role/${ROLE_NAME}$`,
      fields: ROLE_FIELDS,
      existenceCheck: (_req, data) => {
        const name = roleNameOf(data);
        if (name === '') throw new VaultError('missing role_name');
        return ctx.store.hasRole(name);
      },
      operations: {
        create: roleCreateUpdate(ctx),
        update: roleCreateUpdate(ctx),
        read: roleRead(ctx),
        delete: roleDelete(ctx),
      },
    },
    {
      pattern: 'role/?$',
      operations: {
        list: () => {
          const keys = ctx.store.listRoles();
          return keys.length > 0 ? { data: { keys } } : null;
        },
      },
    },
    {
      pattern: `role/${ROLE_NAME}/local-secret-ids$`,
      fields: { ...roleNameField },
      operations: {
        read: readField(ctx, (role) => ({ local_secret_ids: role.secretIdPrefix === SECRET_ID_LOCAL_PREFIX })),
      },
    },
    {
      pattern: `role/${ROLE_NAME}/policies$`,
      fields: {
        ...roleNameField,
        policies: { type: 'commaStringSlice' },
        token_policies: { type: 'commaStringSlice' },
      },
      operations: {
        update: onRole(ctx, 'unsupported-path', (role, data) => {
          const tokenPolicies = data.getOk('token_policies');
          if (!tokenPolicies.ok) {
            const policies = data.getOk('policies');
            if (!policies.ok) return errorResponse('missing token_policies');
            role.policies = parsePolicies(policies.value);
            role.tokenPolicies = [...role.policies];
          } else {
            role.tokenPolicies = parsePolicies(tokenPolicies.value);
            role.policies = data.getOk('policies').ok ? [...role.tokenPolicies] : null;
          }
          return save(ctx, role);
        }),
        read: readField(ctx, (role) => ({
          token_policies: [...(role.tokenPolicies ?? [])],
          ...((role.policies ?? []).length > 0 ? { policies: [...(role.policies ?? [])] } : {}),
        })),
        delete: deleteField(ctx, (role) => {
          role.tokenPolicies = null;
          role.policies = null;
        }),
      },
    },
    {
      // Deprecated: writes land in secret_id_bound_cidrs, reads show the (always empty) legacy field.
      pattern: `role/${ROLE_NAME}/bound-cidr-list$`,
      fields: { ...roleNameField, bound_cidr_list: { type: 'commaStringSlice' } },
      operations: {
        update: boundCidrUpdate(ctx, ['bound_cidr_list']),
        read: onRole(ctx, 'null', (role) => ({
          data: { bound_cidr_list: role.boundCidrList ? [...role.boundCidrList] : null },
          warnings: [
            'The "bound_cidr_list" field is deprecated and will be removed. Please use "secret_id_bound_cidrs" instead.',
          ],
        })),
        delete: deleteField(ctx, (role) => {
          role.boundCidrList = null;
        }),
      },
    },
    {
      pattern: `role/${ROLE_NAME}/secret-id-bound-cidrs$`,
      fields: { ...roleNameField, secret_id_bound_cidrs: { type: 'commaStringSlice' } },
      operations: {
        update: boundCidrUpdate(ctx, ['secret_id_bound_cidrs']),
        read: readField(ctx, (role) => ({
          secret_id_bound_cidrs: role.secretIdBoundCidrs ? [...role.secretIdBoundCidrs] : null,
        })),
        delete: deleteField(ctx, (role) => {
          role.secretIdBoundCidrs = null;
        }),
      },
    },
    {
      pattern: `role/${ROLE_NAME}/token-bound-cidrs$`,
      fields: { ...roleNameField, token_bound_cidrs: { type: 'commaStringSlice' } },
      operations: {
        update: boundCidrUpdate(ctx, ['token_bound_cidrs']),
        // Unlike the role GET, this shows the raw list: null when never set.
        read: readField(ctx, (role) => ({
          token_bound_cidrs: role.tokenBoundCidrs ? [...role.tokenBoundCidrs] : null,
        })),
        delete: deleteField(ctx, (role) => {
          role.tokenBoundCidrs = null;
        }),
      },
    },
    simpleFieldPath(ctx, {
      suffix: 'bind-secret-id',
      field: 'bind_secret_id',
      schema: { type: 'bool', default: true },
      apply: (role, v) => {
        role.bindSecretId = v as boolean;
        return null;
      },
      render: (role) => role.bindSecretId,
      reset: (role) => {
        role.bindSecretId = true;
      },
    }),
    simpleFieldPath(ctx, {
      suffix: 'secret-id-num-uses',
      field: 'secret_id_num_uses',
      schema: intField,
      apply: (role, v) => {
        role.secretIdNumUses = v as number;
        return role.secretIdNumUses < 0 ? 'secret_id_num_uses cannot be negative' : null;
      },
      render: (role) => role.secretIdNumUses,
      reset: (role) => {
        role.secretIdNumUses = 0;
      },
    }),
    simpleFieldPath(ctx, {
      suffix: 'secret-id-ttl',
      field: 'secret_id_ttl',
      schema: durationField,
      apply: (role, v) => {
        role.secretIdTTL = v as number;
        return null;
      },
      render: (role) => role.secretIdTTL,
      reset: (role) => {
        role.secretIdTTL = 0;
      },
    }),
    {
      pattern: `role/${ROLE_NAME}/period$`,
      fields: { ...roleNameField, period: durationField, token_period: durationField },
      operations: {
        update: onRole(ctx, 'unsupported-path', (role, data) => {
          const tokenPeriod = data.getOk('token_period');
          if (!tokenPeriod.ok) {
            const period = data.getOk('period');
            if (!period.ok) return errorResponse('missing period');
            role.period = period.value as number;
            role.tokenPeriod = role.period;
          } else {
            role.tokenPeriod = tokenPeriod.value as number;
            role.period = data.getOk('period').ok ? role.tokenPeriod : 0;
          }
          if (role.tokenPeriod > ctx.system.maxLeaseTTL()) {
            // Vault prints the legacy value here, even when only token_period was sent.
            return errorResponse(
              `period of ${goQuote(formatGoDuration(role.period))} is greater than the backend's maximum lease TTL of ${maxTTLText(ctx)}`,
            );
          }
          return save(ctx, role);
        }),
        read: readField(ctx, (role) => ({
          token_period: role.tokenPeriod,
          ...(role.period > 0 ? { period: role.period } : {}),
        })),
        delete: deleteField(ctx, (role) => {
          role.tokenPeriod = 0;
          role.period = 0;
        }),
      },
    },
    simpleFieldPath(ctx, {
      suffix: 'token-num-uses',
      field: 'token_num_uses',
      schema: intField,
      apply: (role, v) => {
        role.tokenNumUses = v as number;
        return null;
      },
      render: (role) => role.tokenNumUses,
      reset: (role) => {
        role.tokenNumUses = 0;
      },
    }),
    simpleFieldPath(ctx, {
      suffix: 'token-ttl',
      field: 'token_ttl',
      schema: durationField,
      apply: (role, v) => {
        role.tokenTTL = v as number;
        return role.tokenMaxTTL > 0 && role.tokenTTL > role.tokenMaxTTL
          ? 'token_ttl should not be greater than token_max_ttl'
          : null;
      },
      render: (role) => role.tokenTTL,
      reset: (role) => {
        role.tokenTTL = 0;
      },
    }),
    simpleFieldPath(ctx, {
      suffix: 'token-max-ttl',
      field: 'token_max_ttl',
      schema: durationField,
      apply: (role, v) => {
        role.tokenMaxTTL = v as number;
        return role.tokenMaxTTL > 0 && role.tokenTTL > role.tokenMaxTTL
          ? 'token_max_ttl should be greater than or equal to token_ttl'
          : null;
      },
      render: (role) => role.tokenMaxTTL,
      reset: (role) => {
        role.tokenMaxTTL = 0;
      },
    }),
    {
      pattern: `role/${ROLE_NAME}/role-id$`,
      fields: { ...roleNameField, role_id: { type: 'string' } },
      operations: {
        read: readField(ctx, (role) => ({ role_id: role.roleId })),
        update: onRole(ctx, 'unsupported-path', (role, data) => {
          const previousRoleId = role.roleId;
          role.roleId = data.get<string>('role_id');
          if (role.roleId === '') return errorResponse('missing role_id');
          return save(ctx, role, previousRoleId);
        }),
      },
    },
  ];
}
