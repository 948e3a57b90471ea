/**
 * `role/` (LIST) and `role/:name` (create/update with an existence check,
 * read, delete), after the plugin's path_role.go: the service-account
 * bindings, the audience, the alias name source, and the common token_*
 * fields (with their legacy spellings) through tokenutil's rules.
 */
import { parseAddrs } from '../../../sdk/cidr.js';
import { formatGoDuration } from '../../../sdk/duration.js';
import { errorResponse, VaultError } from '../../../sdk/errors.js';
import type { FieldData, FieldSchemas, OperationHandler, PathSpec } from '../../../sdk/framework.js';
import { goQuote } from '../../../sdk/go-text.js';
import { addWarning, type Response } from '../../../sdk/logical.js';
import {
  parseTokenFields,
  populateTokenData,
  tokenFields,
  upgradeDuration,
  upgradePolicies,
} from '../approle/token-params.js';
import { ROLE_NAME, type KubernetesContext } from './context.js';
import { parseNamespaceSelector } from './namespace-selector.js';
import { ALIAS_NAME_SOURCE_UID, ALIAS_NAME_SOURCES, newRole, type KubeRole } from './store.js';

const NAMES = 'bound_service_account_names';
const NAMESPACES = 'bound_service_account_namespaces';
const SELECTOR = 'bound_service_account_namespace_selector';

const INVALID_ALIAS_NAME_SOURCE = `invalid alias_name_source, must be one of: ${ALIAS_NAME_SOURCES.join(', ')}`;

const ROLE_FIELDS: FieldSchemas = {
  name: { type: 'string', description: 'Name of the role.' },
  [NAMES]: { type: 'commaStringSlice', description: 'Service account names able to use this role; "*" for all.' },
  [NAMESPACES]: { type: 'commaStringSlice', description: 'Namespaces allowed to use this role; "*" for all.' },
  [SELECTOR]: { type: 'string', description: 'A label selector (JSON) for namespaces allowed to use this role.' },
  audience: { type: 'string', description: 'Optional audience claim to verify in the JWT.' },
  alias_name_source: {
    type: 'string',
    default: ALIAS_NAME_SOURCE_UID,
    description: 'serviceaccount_uid (default) or serviceaccount_name (<namespace>/<name>).',
  },
  policies: { type: 'commaStringSlice', description: 'Deprecated: use token_policies.' },
  num_uses: { type: 'int', description: 'Deprecated: use token_num_uses.' },
  ttl: { type: 'durationSecond', description: 'Deprecated: use token_ttl.' },
  max_ttl: { type: 'durationSecond', description: 'Deprecated: use token_max_ttl.' },
  period: { type: 'durationSecond', description: 'Deprecated: use token_period.' },
  bound_cidrs: { type: 'commaStringSlice', description: 'Deprecated: use token_bound_cidrs.' },
  ...tokenFields(),
};

/** tokenutil.UpgradeValue for a number pair (ttl, max_ttl, period, num_uses). */
function upgradeNumber(
  data: FieldData,
  role: KubeRole,
  oldKey: 'ttl' | 'maxTTL' | 'period' | 'numUses',
  names: [string, string],
  newKey: 'tokenTTL' | 'tokenMaxTTL' | 'tokenPeriod' | 'tokenNumUses',
): void {
  upgradeDuration(
    data,
    names[0],
    names[1],
    () => ({ oldVal: role[oldKey], newVal: role[newKey] }),
    (oldVal, newVal) => {
      role[oldKey] = oldVal;
      role[newKey] = newVal;
    },
  );
}

/** tokenutil.UpgradeValue for bound_cidrs → token_bound_cidrs; returns the address error text. */
function upgradeBoundCidrs(data: FieldData, role: KubeRole): string | null {
  if (!data.getOk('token_bound_cidrs').ok) {
    const raw = data.getOk('bound_cidrs');
    if (!raw.ok) return null;
    try {
      const parsed = parseAddrs(raw.value as string[]);
      role.boundCidrs = parsed;
      role.tokenBoundCidrs = [...parsed];
    } catch (err) {
      return (err as Error).message;
    }
    return null;
  }
  role.boundCidrs = data.getOk('bound_cidrs').ok ? [...(role.tokenBoundCidrs ?? [])] : [];
  return null;
}

function applyLegacyFields(data: FieldData, role: KubeRole): string | null {
  upgradePolicies(
    data,
    () => ({ oldVal: role.policies, newVal: role.tokenPolicies }),
    (oldVal, newVal) => {
      role.policies = oldVal ?? [];
      role.tokenPolicies = newVal;
    },
  );
  const cidrError = upgradeBoundCidrs(data, role);
  if (cidrError) return cidrError;
  upgradeNumber(data, role, 'numUses', ['num_uses', 'token_num_uses'], 'tokenNumUses');
  upgradeNumber(data, role, 'ttl', ['ttl', 'token_ttl'], 'tokenTTL');
  upgradeNumber(data, role, 'maxTTL', ['max_ttl', 'token_max_ttl'], 'tokenMaxTTL');
  upgradeNumber(data, role, 'period', ['period', 'token_period'], 'tokenPeriod');
  return null;
}

/** pathRoleCreateUpdate: every error is a 400, checked in the plugin's order. */
function writeRole(ctx: KubernetesContext): OperationHandler {
  return (req, data) => {
    const name = data.get<string>('name');
    if (name === '') return errorResponse('missing role name');
    const creating = req.operation === 'create';
    let role = ctx.store.role(name);
    if (!role) {
      if (!creating) throw new VaultError('role entry not found during update operation');
      role = newRole();
    }

    const tokenError = parseTokenFields(role, data);
    if (tokenError) return errorResponse(tokenError);
    const legacyError = applyLegacyFields(data, role);
    if (legacyError) return errorResponse(legacyError);

    const mountMax = ctx.system.maxLeaseTTL();
    if (role.tokenPeriod > mountMax) {
      return errorResponse(
        `token period of '${goQuote(formatGoDuration(role.tokenPeriod))}' is greater than the backend's maximum lease TTL of '${goQuote(formatGoDuration(mountMax))}'`,
      );
    }
    if (role.tokenMaxTTL > 0 && role.tokenTTL > role.tokenMaxTTL) {
      return errorResponse('token ttl should not be greater than token max ttl');
    }
    let resp: Response | null = null;
    if (role.tokenMaxTTL > mountMax) {
      resp = addWarning(
        resp,
        "max_ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
      );
    }

    const names = data.getOk(NAMES);
    if (names.ok) role.boundServiceAccountNames = names.value as string[];
    else if (creating) role.boundServiceAccountNames = data.get<string[]>(NAMES);
    if (role.boundServiceAccountNames.length === 0) return errorResponse(`${goQuote(NAMES)} can not be empty`);
    if (role.boundServiceAccountNames.length > 1 && role.boundServiceAccountNames.includes('*')) {
      return errorResponse(`can not mix ${goQuote('*')} with values`);
    }

    const namespaces = data.getOk(NAMESPACES);
    if (namespaces.ok) role.boundServiceAccountNamespaces = namespaces.value as string[];
    // As in the plugin, a write without the selector clears it.
    role.boundServiceAccountNamespaceSelector = data.get<string>(SELECTOR);
    if (role.boundServiceAccountNamespaces.length === 0 && role.boundServiceAccountNamespaceSelector === '') {
      return errorResponse(`${goQuote(NAMESPACES)} can not be empty if ${goQuote(SELECTOR)} is not set`);
    }
    if (role.boundServiceAccountNamespaceSelector !== '') {
      try {
        parseNamespaceSelector(role.boundServiceAccountNamespaceSelector);
      } catch {
        return errorResponse(`invalid ${goQuote(SELECTOR)} configured`);
      }
    }
    if (role.boundServiceAccountNamespaces.length > 1 && role.boundServiceAccountNamespaces.includes('*')) {
      return errorResponse(`can not mix ${goQuote('*')} with values`);
    }

    const audience = data.getOk('audience');
    if (audience.ok) role.audience = audience.value as string;
    if (role.audience.trim() === '') {
      resp = addWarning(
        resp,
        `Role ${name} does not have an audience configured. While audiences are not required, consider specifying one if your use case would benefit from additional JWT claim verification.`,
      );
    }

    const source = data.getOk('alias_name_source');
    if (source.ok) {
      // An explicit "" on a role that never had a source migrates it to the default.
      role.aliasNameSource =
        role.aliasNameSource === '' && source.value === '' ? ALIAS_NAME_SOURCE_UID : (source.value as string);
    } else if (role.aliasNameSource === '') {
      role.aliasNameSource = data.get<string>('alias_name_source');
    }
    if (!(ALIAS_NAME_SOURCES as readonly string[]).includes(role.aliasNameSource)) {
      return errorResponse(INVALID_ALIAS_NAME_SOURCE);
    }

    ctx.store.putRole(name, role);
    return resp;
  };
}

function readRole(ctx: KubernetesContext): OperationHandler {
  return (_req, data) => {
    const role = ctx.store.role(data.get<string>('name'));
    if (!role) return null;
    const d: Record<string, unknown> = {
      [NAMES]: role.boundServiceAccountNames,
      [NAMESPACES]: role.boundServiceAccountNamespaces,
      [SELECTOR]: role.boundServiceAccountNamespaceSelector,
    };
    if (role.audience !== '') d.audience = role.audience;
    populateTokenData(role, d);
    if (role.policies.length > 0) d.policies = d.token_policies;
    if (role.boundCidrs.length > 0) d.bound_cidrs = d.token_bound_cidrs;
    if (role.ttl > 0) d.ttl = role.ttl;
    if (role.maxTTL > 0) d.max_ttl = role.maxTTL;
    if (role.period > 0) d.period = role.period;
    if (role.numUses > 0) d.num_uses = role.numUses;
    d.alias_name_source = role.aliasNameSource;
    return { data: d };
  };
}

export function rolePaths(ctx: KubernetesContext): PathSpec[] {
  return [
    {
      pattern: 'role/?$',
      operations: {
        list: () => {
          const keys = ctx.store.roleNames();
          return keys.length === 0 ? null : { data: { keys } };
        },
      },
    },
    {
      pattern: `role/${ROLE_NAME}$`,
      fields: ROLE_FIELDS,
      existenceCheck: (_req, data) => ctx.store.role(data.get<string>('name')) !== undefined,
      operations: {
        create: writeRole(ctx),
        update: writeRole(ctx),
        read: readRole(ctx),
        delete: (_req, data) => {
          ctx.store.deleteRole(data.get<string>('name'));
          return null;
        },
      },
    },
  ];
}
