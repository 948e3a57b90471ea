/**
 * `auth/token/roles` (LIST) and `auth/token/roles/<role_name>` (read,
 * create/update with an existence check, delete), after Vault's
 * tokenStoreRole* handlers in vault/token_store.go and the allow-listed
 * tokenutil fields.
 */
import { parseAddrs } from '../../../sdk/cidr.js';
import { errorResponse } from '../../../sdk/errors.js';
import { sanitizePolicies } from '../../../sdk/fields.js';
import { genericNameRegex, type FieldData, type FieldSchemas, type PathSpec } from '../../../sdk/framework.js';
import { goQuote } from '../../../sdk/go-text.js';
import { addWarning, type Request, type Response } from '../../../sdk/logical.js';
import { removeDuplicatesLower, sortedRecord } from '../../../sdk/strutil.js';
import type { TokenContext } from './context.js';
import { newRole, type RoleTokenType, type TokenRole } from './roles.js';

/** Vault's pathSuffixSanitize (unanchored, as Vault uses MatchString). */
const PATH_SUFFIX_SANITIZE = /\w[\w\-.]+\w/;
const PATH_SUFFIX_SANITIZE_TEXT = '\\w[\\w-.]+\\w';

class RoleFieldError extends Error {}

const roleFields: FieldSchemas = {
  role_name: { type: 'string', description: 'Name of the role' },
  allowed_policies: { type: 'commaStringSlice' },
  disallowed_policies: { type: 'commaStringSlice' },
  allowed_policies_glob: { type: 'commaStringSlice' },
  disallowed_policies_glob: { type: 'commaStringSlice' },
  orphan: { type: 'bool' },
  period: { type: 'durationSecond', description: "Use 'token_period' instead." },
  path_suffix: { type: 'string' },
  explicit_max_ttl: { type: 'durationSecond', description: "Use 'token_explicit_max_ttl' instead." },
  renewable: { type: 'bool', default: true },
  bound_cidrs: { type: 'commaStringSlice', description: "Use 'token_bound_cidrs' instead." },
  allowed_entity_aliases: { type: 'commaStringSlice' },
  token_bound_cidrs: { type: 'commaStringSlice' },
  token_explicit_max_ttl: { type: 'durationSecond' },
  token_period: { type: 'durationSecond' },
  token_type: { type: 'string', default: 'default-service' },
  token_no_default_policy: { type: 'bool' },
  token_num_uses: { type: 'int' },
};

function roleData(role: TokenRole): Record<string, unknown> {
  const data: Record<string, unknown> = {
    period: role.period,
    token_period: role.tokenPeriod,
    explicit_max_ttl: role.explicitMaxTTL,
    token_explicit_max_ttl: role.tokenExplicitMaxTTL,
    disallowed_policies: role.disallowedPolicies,
    allowed_policies: role.allowedPolicies,
    disallowed_policies_glob: role.disallowedPoliciesGlob,
    allowed_policies_glob: role.allowedPoliciesGlob,
    name: role.name,
    orphan: role.orphan,
    path_suffix: role.pathSuffix,
    renewable: role.renewable,
    token_type: role.tokenType,
    allowed_entity_aliases: role.allowedEntityAliases,
    token_no_default_policy: role.tokenNoDefaultPolicy,
  };
  if (role.tokenBoundCidrs && role.tokenBoundCidrs.length > 0) data['token_bound_cidrs'] = role.tokenBoundCidrs;
  if (role.boundCidrs && role.boundCidrs.length > 0) data['bound_cidrs'] = role.boundCidrs;
  if (role.tokenNumUses > 0) data['token_num_uses'] = role.tokenNumUses;
  return sortedRecord(data);
}

/** tokenutil.ParseTokenFields restricted to the fields the token store allows on roles. */
function parseTokenFields(role: TokenRole, data: FieldData, typeForCheck: RoleTokenType | 'default'): void {
  const cidrs = data.getOk('token_bound_cidrs');
  if (cidrs.ok) {
    try {
      role.tokenBoundCidrs = parseAddrs(cidrs.value as string[]);
    } catch (err) {
      throw new RoleFieldError((err as Error).message);
    }
  }
  const explicitMax = data.getOk('token_explicit_max_ttl');
  if (explicitMax.ok) role.tokenExplicitMaxTTL = explicitMax.value as number;
  const noDefault = data.getOk('token_no_default_policy');
  if (noDefault.ok) role.tokenNoDefaultPolicy = noDefault.value as boolean;
  const period = data.getOk('token_period');
  if (period.ok) role.tokenPeriod = period.value as number;
  if (role.tokenPeriod < 0) throw new RoleFieldError("'token_period' cannot be negative");
  const numUses = data.getOk('token_num_uses');
  if (numUses.ok) role.tokenNumUses = numUses.value as number;
  if (role.tokenNumUses < 0) throw new RoleFieldError("'token_num_uses' cannot be negative");
  if (typeForCheck === 'batch' || typeForCheck === 'default-batch') {
    if (role.tokenPeriod !== 0) {
      throw new RoleFieldError(
        "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens",
      );
    }
    if (role.tokenNumUses !== 0) {
      throw new RoleFieldError(
        "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count",
      );
    }
  }
}

function roleCreateUpdate(ctx: TokenContext) {
  return (req: Request, data: FieldData): Response | null => {
    const name = data.get<string>('role_name');
    if (name === '') return errorResponse('role name cannot be empty');
    const isCreate = req.operation === 'create';
    const entry = ctx.roles.get(name) ?? newRole(name);

    const orphan = data.getOk('orphan');
    if (orphan.ok) entry.orphan = orphan.value as boolean;
    else if (isCreate) entry.orphan = data.get<boolean>('orphan');

    const renewable = data.getOk('renewable');
    if (renewable.ok) entry.renewable = renewable.value as boolean;
    else if (isCreate) entry.renewable = data.get<boolean>('renewable');

    const pathSuffix = data.getOk('path_suffix');
    if (pathSuffix.ok) {
      const suffix = pathSuffix.value as string;
      if (suffix !== '' && !PATH_SUFFIX_SANITIZE.test(suffix)) {
        return errorResponse(
          `given role path suffix contains invalid characters; must match ${PATH_SUFFIX_SANITIZE_TEXT}`,
        );
      }
      entry.pathSuffix = suffix;
    } else if (isCreate) {
      entry.pathSuffix = data.get<string>('path_suffix');
    }
    if (entry.pathSuffix.includes('..')) {
      return errorResponse('error registering path suffix: path cannot contain parent references');
    }

    const allowed = data.getOk('allowed_policies');
    if (allowed.ok) entry.allowedPolicies = sanitizePolicies(allowed.value as string[], false);
    else if (isCreate) entry.allowedPolicies = sanitizePolicies(data.get<string[]>('allowed_policies'), false);

    const disallowed = data.getOk('disallowed_policies');
    if (disallowed.ok) entry.disallowedPolicies = removeDuplicatesLower(disallowed.value as string[]);
    else if (isCreate) entry.disallowedPolicies = removeDuplicatesLower(data.get<string[]>('disallowed_policies'));

    const allowedGlob = data.getOk('allowed_policies_glob');
    if (allowedGlob.ok) entry.allowedPoliciesGlob = sanitizePolicies(allowedGlob.value as string[], false);
    else if (isCreate) entry.allowedPoliciesGlob = sanitizePolicies(data.get<string[]>('allowed_policies_glob'), false);

    const disallowedGlob = data.getOk('disallowed_policies_glob');
    if (disallowedGlob.ok) entry.disallowedPoliciesGlob = removeDuplicatesLower(disallowedGlob.value as string[]);
    else if (isCreate) {
      entry.disallowedPoliciesGlob = removeDuplicatesLower(data.get<string[]>('disallowed_policies_glob'));
    }

    // token_type is handled apart from the other token fields, as Vault does.
    let tokenTypeStr: string | undefined;
    const oldTokenType = entry.tokenType;
    let typeForCheck: RoleTokenType | 'default' = entry.tokenType;
    if ('token_type' in data.raw && data.raw['token_type'] !== undefined) {
      const raw = data.raw['token_type'];
      if (raw === null) return errorResponse("Invalid 'token_type' value: null");
      tokenTypeStr = data.get<string>('token_type');
      typeForCheck = 'default';
    }

    try {
      parseTokenFields(entry, data, typeForCheck);
    } catch (err) {
      if (err instanceof RoleFieldError) return errorResponse(`error parsing role fields: ${err.message}`);
      throw err;
    }

    entry.tokenType = oldTokenType;
    if (tokenTypeStr !== undefined) {
      switch (tokenTypeStr) {
        case 'service':
        case 'batch':
        case 'default-service':
        case 'default-batch':
          entry.tokenType = tokenTypeStr;
          break;
        default:
          return errorResponse(`invalid 'token_type' value ${goQuote(tokenTypeStr)}`);
      }
    }

    let resp: Response | null = null;

    // Backwards compatibility: prefer the token_ fields; keep the legacy value only to echo it back.
    if (!data.has('token_period')) {
      const period = data.getOk('period');
      if (period.ok) {
        entry.period = period.value as number;
        entry.tokenPeriod = entry.period;
      }
    } else {
      if (data.has('period')) {
        resp = addWarning(
          resp,
          "Both 'token_period' and deprecated 'period' value supplied, ignoring the deprecated value",
        );
      }
      entry.period = 0;
    }

    if (!data.has('token_bound_cidrs')) {
      const bound = data.getOk('bound_cidrs');
      if (bound.ok) {
        try {
          entry.boundCidrs = parseAddrs(bound.value as string[]);
        } catch (err) {
          return errorResponse(`error parsing bound_cidrs: ${(err as Error).message}`);
        }
        entry.tokenBoundCidrs = entry.boundCidrs;
      }
    } else {
      if (data.has('bound_cidrs')) {
        resp = addWarning(
          resp,
          "Both 'token_bound_cidrs' and deprecated 'bound_cidrs' value supplied, ignoring the deprecated value",
        );
      }
      entry.boundCidrs = null;
    }

    let finalExplicitMaxTTL = entry.tokenExplicitMaxTTL;
    if (!data.has('token_explicit_max_ttl')) {
      const legacy = data.getOk('explicit_max_ttl');
      if (legacy.ok) {
        entry.explicitMaxTTL = legacy.value as number;
        entry.tokenExplicitMaxTTL = entry.explicitMaxTTL;
      }
      finalExplicitMaxTTL = entry.explicitMaxTTL;
    } else {
      if (data.has('explicit_max_ttl')) {
        resp = addWarning(
          resp,
          "Both 'token_explicit_max_ttl' and deprecated 'explicit_max_ttl' value supplied, ignoring the deprecated value",
        );
      }
      entry.explicitMaxTTL = 0;
    }
    if (finalExplicitMaxTTL !== 0) {
      const max = ctx.system.maxLeaseTTL();
      if (max !== 0 && finalExplicitMaxTTL > max) {
        resp = addWarning(
          resp,
          `Given explicit max TTL of ${finalExplicitMaxTTL} is greater than system/mount allowed value of ${max} seconds; until this is fixed attempting to create tokens against this role will result in an error`,
        );
      }
    }

    if (entry.tokenType === 'batch') {
      if (!entry.orphan) {
        return errorResponse("'token_type' cannot be 'batch' when role is set to generate non-orphan tokens");
      }
      if (entry.period !== 0 || entry.tokenPeriod !== 0) {
        return errorResponse("'token_type' cannot be 'batch' when role is set to generate periodic tokens");
      }
      if (entry.renewable) {
        return errorResponse("'token_type' cannot be 'batch' when role is set to generate renewable tokens");
      }
      if (entry.explicitMaxTTL !== 0 || entry.tokenExplicitMaxTTL !== 0) {
        return errorResponse(
          "'token_type' cannot be 'batch' when role is set to generate tokens with an explicit max TTL",
        );
      }
    }

    const aliases = data.getOk('allowed_entity_aliases');
    if (aliases.ok) entry.allowedEntityAliases = removeDuplicatesLower(aliases.value as string[]);

    ctx.roles.put(entry);
    return resp;
  };
}

export function rolePaths(ctx: TokenContext): PathSpec[] {
  return [
    {
      pattern: 'roles/?$',
      operations: {
        list: () => ({ data: { keys: ctx.roles.names() } }),
      },
    },
    {
      pattern: `roles/${genericNameRegex('role_name')}$`,
      fields: roleFields,
      existenceCheck: (_req, data) => {
        const name = data.get<string>('role_name');
        return name !== '' && ctx.roles.get(name) !== undefined;
      },
      operations: {
        read: (_req, data) => {
          const role = ctx.roles.get(data.get<string>('role_name'));
          return role ? { data: roleData(role) } : null;
        },
        create: roleCreateUpdate(ctx),
        update: roleCreateUpdate(ctx),
        delete: (_req, data) => {
          ctx.roles.delete(data.get<string>('role_name'));
          return null;
        },
      },
    },
  ];
}
